"""A fast path for large, clean CSV files, read by Apache Arrow's CSV parser.

Arrow keeps no line numbers and is lenient where the line-exact `csv` reader reports findings (it
reads `"ab"c` as `abc`, where the strict reader reports C207). So this path returns data only when
the file is provably one the strict reader would read the same way without a single finding:
- the raw bytes hold no NUL, and every quote is half of a pair that encloses a whole field: the
  opening quote starts a field (after a delimiter or at a line start), the closing one ends it
  (before a delimiter or a line end), and no line break lies between them. So no field holds a
  quote or a line break, and every record is one physical line;
- Arrow reads it with the expected header, valid UTF-8, the same number of cells in every row, no
  empty cell, at least one row, and as many rows as line ends.
Any doubt returns None and the caller uses the line-exact reader, which then reports every defect
with its place. Both paths therefore give the same findings on every input (a property test
generates defective files and compares the two, forcing each path through `FAST_PATH_MIN_BYTES`).
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import os
import stat
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: Files smaller than this take the `csv` reader: Arrow's import costs more than it saves. Module
#: level so that a test can force either path (0: every file tries Arrow first).
FAST_PATH_MIN_BYTES = 32 << 20
#: Bytes of file held in parts at once, shared by the workers (a part also costs about its
#: size again while parsed), so that peak memory does not grow with the number of cores
IN_FLIGHT_BYTES = 64 << 20
#: Bytes per part (None: `IN_FLIGHT_BYTES` shared by the workers, at least 16 MB); module level
#: so that a test can cut small files into many parts
PART_BYTES: int | None = None
#: Threads reading parts at once (None: one per core available to this process, at most 4:
#: beyond that the final interning of every part's names costs more than the threads save)
WORKERS: int | None = None
_WINDOW = 1 << 22  # bytes whose quotes are checked at a time (module level for the tests)
_QUOTE, _LF, _CR, _COMMA = 0x22, 0x0A, 0x0D, 0x2C


def worth_arrow(path: Path, max_bytes: int) -> bool:
    """A regular file of at least `FAST_PATH_MIN_BYTES` (and within the size limit): the only
    files where Arrow's start-up pays for itself. Pipes and devices never qualify."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and FAST_PATH_MIN_BYTES <= st.st_size <= max_bytes


def clean_block(a: npt.NDArray[np.uint8]) -> tuple[int, bool] | None:
    """(line feeds, all ASCII) of a block whose bytes are safe for Arrow (see the module
    docstring), else None. The block starts at a line start and ends just after a line feed or
    at the end of the file; so does every window it is checked in, so that a quote pair of a
    clean file never spans two windows, each window is checked on its own, and NumPy's
    temporary arrays stay a few megabytes."""
    feeds, ascii, start = 0, True, 0
    while start < a.size:
        end = _window_end(a, start)
        window = a[start:end]
        if int(window.min()) == 0:
            return None  # a NUL byte: the csv reader reports it
        found = _clean_window(window)
        if found is None:
            return None
        feeds += found
        ascii = ascii and int(window.max()) < 0x80
        start = end
    return feeds, ascii


def _window_end(a: npt.NDArray[np.uint8], start: int) -> int:
    """Just after the first line feed at or beyond `start + _WINDOW - 1`, or the block's end."""
    probe = start + _WINDOW - 1
    while probe < a.size:
        found = np.flatnonzero(a[probe:probe + (1 << 16)] == _LF)
        if found.size:
            return probe + int(found[0]) + 1
        probe += 1 << 16
    return int(a.size)


def _clean_window(a: npt.NDArray[np.uint8]) -> int | None:
    """The line feeds of one line-aligned window free of NUL bytes, if its quotes are safe."""
    q = np.flatnonzero(a == _QUOTE)
    if not q.size:
        return int(np.count_nonzero(a == _LF))
    if q.size % 2:
        return None  # a quoted field still open at the end of the window
    opens, closes = q[0::2], q[1::2]
    before = np.where(opens > 0, a[np.maximum(opens - 1, 0)], _LF)
    if not np.all((before == _COMMA) | (before == _LF)):
        return None
    after = np.where(closes + 1 < a.size, a[np.minimum(closes + 1, a.size - 1)], _LF)
    if not np.all((after == _COMMA) | (after == _LF) | (after == _CR)):
        return None
    feeds = np.flatnonzero(a == _LF)
    if np.any(np.searchsorted(q, feeds) % 2):
        return None  # a line feed inside a quoted field: the quotes before it are odd
    crs = np.flatnonzero(a == _CR)
    if crs.size and np.any(np.searchsorted(q, crs) % 2):
        return None
    return int(feeds.size)


def read_header(path: Path) -> list[str] | None:
    """The cells of the first physical line, decoded strictly; None when it is not UTF-8 text."""
    with open(path, "rb") as fh:
        line = fh.readline(1 << 20)
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    text = text.removesuffix("\n").removesuffix("\r")
    if "\r" in text or "\n" in text:
        return None  # a lone CR ends a line for the csv reader: let it decide
    try:
        return next(csv.reader([text], strict=True), None)
    except csv.Error:
        return None


@dataclass
class CleanColumns:
    """The cells of a clean file: some columns as Python strings, the others (`encoded`)
    interned, as indices into one list of their distinct values."""

    n_rows: int
    texts: dict[int, list[str]]
    names: list[str]
    ids: npt.NDArray[np.int32]  # n_rows x len(encoded), indices into `names`


@dataclass
class _Part:
    texts: dict[int, list[str]]
    dictionary: Any  # pa.Array of the distinct encoded values of this part
    ids: npt.NDArray[np.int32]  # rows x len(encoded), indices into `dictionary`


def _workers() -> int:
    if WORKERS:
        return WORKERS
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _cuts(path: Path, size: int, workers: int) -> list[int] | None:
    """Part boundaries: the first data byte (after the header line), then a byte just after a
    line feed near every part size (`PART_BYTES`), then the end; as many parts as a multiple of
    `workers`, so that no worker is left alone with the last part. None when the header line
    has no end."""
    part_bytes = PART_BYTES or max(16 << 20, IN_FLIGHT_BYTES // workers)
    with open(path, "rb") as fh:
        nl = fh.readline(1 << 20)
        if not nl.endswith(b"\n"):
            return None
        cuts = [len(nl)]
        body = size - cuts[0]
        n_parts = max(1, -(-body // part_bytes))
        n_parts += -n_parts % workers
        for i in range(1, n_parts):
            target = cuts[0] + body * i // n_parts
            if target <= cuts[-1]:
                continue
            fh.seek(target)
            window = fh.read(1 << 16)  # a line longer than this only makes a part larger
            j = window.find(b"\n")
            if j >= 0 and target + j + 1 < size:
                cuts.append(target + j + 1)
    cuts.append(size)
    return cuts


_thread_buffers = threading.local()


def _read_bytes(path: Path, offset: int, size: int) -> npt.NDArray[np.uint8]:
    """Up to `size` bytes of `path` from `offset`, read into a buffer that this thread reuses
    from part to part: a fresh buffer per part costs a page fault every 4 KB. A NumPy buffer,
    not a bytearray: it is not zero-filled first, and NumPy asks the kernel for huge pages for
    large arrays. Nothing returned by `_read_part` points into it."""
    buffer: npt.NDArray[np.uint8] | None = getattr(_thread_buffers, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _thread_buffers.buffer = np.empty(size, np.uint8)
    with open(path, "rb") as fh:
        fh.seek(offset)
        got = fh.readinto(buffer[:size].data)
    return buffer[:got]


@lru_cache(maxsize=1)
def _memory_pool() -> Any:
    """jemalloc, else the system allocator: Arrow's default (mimalloc) keeps the freed parts'
    pages, about 200 MB more peak memory at a million queries for no gain in time."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return pa.system_memory_pool()


def _read_part(path: Path, scan_from: int, start: int, end: int, columns: list[str],
               encoded: Sequence[int], last: bool) -> _Part | None:
    """One part, scanned, parsed and checked on its own; the header line is scanned with the
    first part but not parsed. None on any doubt."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    data = _read_bytes(path, scan_from, end - scan_from)
    checked = clean_block(data)
    if checked is None:
        return None
    feeds, ascii = checked  # ASCII is UTF-8 too: then Arrow need not check every cell
    head = start - scan_from
    if head:
        feeds -= int(np.count_nonzero(data[:head] == _LF))
    body = pa.py_buffer(data[head:])
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body), memory_pool=_memory_pool(),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=columns,
                                           block_size=max(1, min(body.size + 1, 1 << 30))),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=not ascii),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError, OSError, ValueError):
        return None
    del data, body
    n = table.num_rows
    if n == 0 or not (feeds == n or last and feeds == n - 1):
        return None
    if any(table.column(i).null_count for i in range(len(columns))):
        return None
    plain = [i for i in range(len(columns)) if i not in encoded]
    for i in plain:
        if pc.min(pc.binary_length(table.column(i))).as_py() == 0:
            return None
    dictionary, ids = None, np.zeros((n, 0), np.int32)
    if encoded:
        cells = pa.chunked_array([ch for i in encoded for ch in table.column(i).chunks],
                                 type=pa.string())
        coded = pc.dictionary_encode(cells, memory_pool=_memory_pool())
        dictionary = coded.chunk(0).dictionary
        if any(ch.dictionary.buffers()[2].address != dictionary.buffers()[2].address
               for ch in coded.chunks[1:]):  # never seen; Arrow's own unification then
            coded = coded.unify_dictionaries()
            dictionary = coded.chunk(0).dictionary
        if len(dictionary) and pc.min(pc.binary_length(dictionary)).as_py() == 0:
            return None
        ids = np.ascontiguousarray(  # rows x columns, as the file has them
            np.concatenate([_int32s(ch.indices) for ch in coded.chunks]).reshape(-1, n).T)
    texts = {i: table.column(i).to_pylist() for i in plain}
    return _Part(texts, dictionary, ids)


def read_clean_columns(path: Path, columns: list[str],
                       encoded: Sequence[int] = ()) -> CleanColumns | None:
    """The cells of a clean file whose header is exactly `columns`, or None when the
    line-exact reader must decide.

    The file is cut at line ends into parts (see `_cuts`); `_workers()` threads each scan,
    parse and intern one part at a time (NumPy and Arrow release the GIL), so at most that many
    parts are in memory at once and every core works on every stage. The parts' distinct names
    are then interned once more, into one list for the whole file."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    size = path.stat().st_size
    workers = _workers()
    cuts = _cuts(path, size, workers)
    if cuts is None:
        return None
    with open(path, "rb") as fh:
        bom = len(codecs.BOM_UTF8) if fh.read(3) == codecs.BOM_UTF8 else 0
    jobs = [(bom if i == 0 else cuts[i], cuts[i], cuts[i + 1], i == len(cuts) - 2)
            for i in range(len(cuts) - 1)]
    workers = min(workers, len(jobs))
    parts: list[_Part] = []
    pool = ThreadPoolExecutor(workers, thread_name_prefix="dcase-eval-part")
    try:
        for part in pool.map(lambda job: _read_part(path, job[0], job[1], job[2], columns,
                                                    encoded, job[3]), jobs):
            if part is None:
                return None
            parts.append(part)
        rows = np.cumsum([0, *(len(p.ids) for p in parts)])
        n = int(rows[-1])
        texts = {i: list(chain.from_iterable(p.texts[i] for p in parts)) for i in parts[0].texts}
        ids = np.empty((n, len(encoded)), np.int32)
        names: list[str] = []
        if encoded:  # one more interning, of the parts' distinct names only
            distinct, to_global = _intern_parts([p.dictionary for p in parts], pool, workers)
            names = distinct.to_pylist()
            list(pool.map(lambda k: np.take(to_global[k], parts[k].ids,
                                            out=ids[rows[k]:rows[k + 1]]), range(len(parts))))
    finally:
        # parts not started are dropped, so that a refused file or Ctrl-C does not wait for
        # the whole file to be read
        pool.shutdown(wait=False, cancel_futures=True)
    return CleanColumns(n, texts, names, ids)


def _intern(dictionaries: list[Any]) -> tuple[Any, list[npt.NDArray[np.int32]]]:
    """(the distinct values of some dictionaries, each dictionary's indices into them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(dictionaries) == 1:
        return dictionaries[0], [np.arange(len(dictionaries[0]), dtype=np.int32)]
    merged = pc.dictionary_encode(pa.chunked_array(dictionaries), memory_pool=_memory_pool())
    return merged.chunk(0).dictionary, [_int32s(ch.indices) for ch in merged.chunks]


def _intern_parts(dictionaries: list[Any], pool: ThreadPoolExecutor, workers: int,
                  ) -> tuple[Any, list[npt.NDArray[np.int32]]]:
    """`_intern` of the parts' dictionaries, in `workers` groups at once, then of the groups'
    results: every part sees nearly every name, so this is most of a large file's last step."""
    if workers < 2 or len(dictionaries) < 2 * workers:
        return _intern(dictionaries)
    groups = [dictionaries[g::workers] for g in range(workers)]
    inner = list(pool.map(_intern, groups))
    distinct, outer = _intern([d for d, _ in inner])
    to_global: list[npt.NDArray[np.int32]] = [np.empty(0, np.int32)] * len(dictionaries)
    for g, ((_, maps), group_to_global) in enumerate(zip(inner, outer, strict=True)):
        for j, local in enumerate(maps):
            to_global[g + j * workers] = group_to_global[local]
    return distinct, to_global


def _int32s(array: Any) -> npt.NDArray[np.int32]:
    """The values of an Int32Array without nulls, viewed from its data buffer. (`to_numpy()`
    would do, but it imports pandas, about half a second, for a check we do not need.)"""
    return np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array),
                         offset=array.offset * 4)


def read_clean_topk(
    path: Path, columns: list[str]
) -> tuple[list[str], list[str], npt.NDArray[np.int32]] | None:
    """(queries, names, ranks) of a clean top-k file with header `columns`, or None."""
    clean = read_clean_columns(path, columns, encoded=range(1, len(columns)))
    if clean is None:
        return None
    return clean.texts[0], clean.names, clean.ids


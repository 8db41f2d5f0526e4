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
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa

#: Files smaller than this take the `csv` reader: Arrow's import costs more than it saves. Module
#: level so that a test can force either path (0: every file tries Arrow first).
FAST_PATH_MIN_BYTES = 32 << 20
_CHUNK = 1 << 24
#: Arrow's parse block: blocks are parsed in parallel, and each dictionary-encoded column keeps
#: one dictionary per block, so fewer, larger blocks hold fewer copies of repeated names
BLOCK_BYTES = 1 << 24
_QUOTE, _LF, _CR, _COMMA = 0x22, 0x0A, 0x0D, 0x2C


def worth_arrow(path: Path, max_bytes: int) -> bool:
    """A regular file of at least `FAST_PATH_MIN_BYTES` (and within the size limit): the only
    files where Arrow's start-up pays for itself. Pipes and devices never qualify."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and FAST_PATH_MIN_BYTES <= st.st_size <= max_bytes


def scan_clean(path: Path, chunk_size: int = _CHUNK) -> int | None:
    """The number of line feeds of a file whose bytes are safe for Arrow (see the module
    docstring), or None. Streams the file in chunks; NumPy does the work."""
    carry = 0  # quotes seen before this chunk: odd means a quoted field is open
    feeds = 0
    prev = _LF  # the byte before the chunk (a virtual line start before the file)
    with open(path, "rb") as fh:
        data = fh.read(chunk_size)
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        while data:
            following = fh.read(chunk_size)
            if b"\0" in data:
                return None
            feeds += data.count(b"\n")
            if b'"' in data:
                a = np.frombuffer(data, np.uint8)
                q = np.flatnonzero(a == _QUOTE)
                opens, closes = q[carry % 2::2], q[1 - carry % 2::2]
                before = np.where(opens > 0, a[np.maximum(opens - 1, 0)], prev)
                if not np.all((before == _COMMA) | (before == _LF)):
                    return None
                nxt = following[0] if following else _LF
                after = np.where(closes + 1 < a.size, a[np.minimum(closes + 1, a.size - 1)], nxt)
                if not np.all((after == _COMMA) | (after == _LF) | (after == _CR)):
                    return None
                breaks = np.flatnonzero(a == _LF)
                if b"\r" in data:
                    breaks = np.union1d(breaks, np.flatnonzero(a == _CR))
                if np.any((np.searchsorted(q, breaks) + carry) % 2):
                    return None  # a line break inside a quoted field
                carry += q.size
            elif carry % 2 and (b"\n" in data or b"\r" in data):
                return None
            prev = data[-1]
            data = following
    return feeds if carry % 2 == 0 else None


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


def _memory_pool() -> pa.MemoryPool:
    """jemalloc told to hand freed pages back at once, where this Arrow build has it: the
    default allocator keeps the parsed file's pages after the table is dropped, and they would
    count against the whole process's memory for the rest of the run."""
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        return pa.default_memory_pool()
    return pool


def read_clean_table(path: Path, columns: list[str],
                     encoded: Sequence[int] = ()) -> pa.Table | None:
    """The table of a clean file whose header is exactly `columns` (cells as strings; the
    columns at the positions `encoded` dictionary-encoded while parsing, which keeps one copy of
    each distinct name instead of every cell), or None when the line-exact reader must decide."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    feeds = scan_clean(path)
    if feeds is None:
        return None
    try:
        table = pacsv.read_csv(
            path, memory_pool=_memory_pool(),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.dictionary(pa.int32(), pa.string()) if i in encoded
                              else pa.string() for i, c in enumerate(columns)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError, OSError, ValueError):
        return None
    n = table.num_rows
    if table.column_names != columns or n == 0 or feeds not in (n, n + 1):
        return None
    for i in range(len(columns)):
        column = table.column(i)
        texts = [ch.dictionary for ch in column.chunks] if i in encoded else [column]
        if column.null_count or any(len(t) and pc.min(pc.binary_length(t)).as_py() == 0
                                    for t in texts):
            return None
    return table


def _int32s(array: Any) -> npt.NDArray[np.int32]:
    """The values of an Int32Array without nulls, viewed from its data buffer. (`to_numpy()`
    would do, but it imports pandas, about half a second, for a check we do not need.)"""
    return np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array),
                         offset=array.offset * 4)


def read_clean_topk(
    path: Path, columns: list[str]
) -> tuple[list[str], list[str], npt.NDArray[np.int32]] | None:
    """(queries, names, ranks) of a clean top-k file with header `columns`, or None."""
    depth = len(columns) - 1
    table = read_clean_table(path, columns, encoded=range(1, depth + 1))
    if table is None:
        return None
    import pyarrow as pa

    n = table.num_rows
    # the file names were encoded per parsed block; one dictionary for all blocks and columns
    files: Any = pa.chunked_array([ch for i in range(1, depth + 1)
                                   for ch in table.column(i).chunks]
                                  ).unify_dictionaries(memory_pool=_memory_pool())
    queries = table.column(0)
    del table
    names = files.chunk(0).dictionary.to_pylist()
    ids = np.concatenate([_int32s(ch.indices) for ch in files.chunks])
    del files
    ranks = np.ascontiguousarray(ids.astype(np.int32, copy=False).reshape(depth, n).T)
    return queries.to_pylist(), names, ranks

"""A score matrix in NumPy's own files: `.npz` (one file) or `.npy` (the scores, with two sidecars).

A 5,225 x 1,045 matrix is 50 MB of CSV text and 22 MB of float32, and NumPy writes it in one
call. The arrays and their keys (`np.savez(path, scores=..., queries=..., file_names=...)`):

- `scores`: 2-D, queries x audio files, a real number type (float16/32/64 or integers), finite;
- `queries`: 1-D `str` array, the query text of each row;
- `file_names`: 1-D `str` array, the audio file name of each column.

Other spellings follow what the data come from: `index` and `columns` (a pandas DataFrame as the
2025 baseline builds it: `index=df.index`, `columns=df.columns`, `scores=df.to_numpy()`),
`captions`/`caption`/`query` (the query column's names in the CSV format), `fnames`/`fname`/
`file_name`, `similarity`/`values`. A `.npy` holds one array, the scores; its names are read from
`<stem>.queries.npy` and `<stem>.file_names.npy` beside it.

Files are read with `allow_pickle=False`, after their headers are checked (object arrays are
refused unread, sizes against `max_bytes` before anything is unpacked, and a header declaring
more data than its file or archive member holds before NumPy allocates what it declares).
The ranking rule is the CSV matrix's: score descending, ties by file name ascending. Findings
use line = the 1-based row of `scores` (the query) and column = the 1-based column (the audio
file), 0 for a whole array.
"""

from __future__ import annotations

import contextlib
import math
import tokenize
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Literal

import numpy as np
import numpy.typing as npt

from ..findings import FindingLog
from ..io.csvread import DEFAULT_MAX_BYTES, regular_file_size
from ..io.regular import open_regular
from .submission_model import Submission

#: Accepted keys per role, the documented one first.
KEYS: dict[str, tuple[str, ...]] = {
    "scores": ("scores", "similarity", "values"),
    "queries": ("queries", "index", "captions", "caption", "query"),
    "file_names": ("file_names", "columns", "fnames", "fname", "file_name"),
}
#: Beside `<stem>.npy` (the scores): the name arrays of a `.npy` submission.
SIDECARS = {"queries": ".queries.npy", "file_names": ".file_names.npy"}
#: Findings after which there is no matrix to check against the query set.
UNREADABLE_CODES = frozenset({"M508", "M509", "M510", "M511", "M512", "M513"})
NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SHOWN = 1000  # cells reported one by one (the log keeps as many)


def sidecar_paths(path: Path) -> list[Path]:
    """The name arrays a `.npy` submission reads beside it (`<stem>.queries.npy`, ...); none for
    any other file. Commands count them as inputs, so that no output replaces one."""
    if numpy_kind(path) != "npy":
        return []
    stem = path.name[:-len(path.suffix)] if path.suffix else path.name
    return [path.with_name(stem + suffix) for suffix in SIDECARS.values()]


def numpy_kind(path: Path) -> Literal["npy", "npz"] | None:
    """`npy` or `npz` for a NumPy file (by extension, else by content), None for anything else.
    A zip is an `.npz` when it is named so or holds only `.npy` members (a team package is not)."""
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz"):
        return "npy" if suffix == ".npy" else "npz"
    try:  # never a pipe or device: open() would block
        with open_regular(path) as fh:
            head = fh.read(6)
    except OSError:
        return None
    if head == NPY_MAGIC:
        return "npy"
    if head[:4] in _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
    return None


@dataclass
class _Array:
    """One array found in the file: where it is and what its header says."""

    key: str
    open: Callable[[], IO[bytes]]
    shape: tuple[int, ...] = ()
    dtype: np.dtype[np.generic] | None = None
    fortran: bool = False
    size: int = -1  # bytes the file or archive member holds, header included (-1: unknown)


def _reader(path: Path) -> Callable[[], IO[bytes]]:
    """Opens `path` for reading each time it is called (the header, then the data)."""
    def opened() -> IO[bytes]:
        return path.open("rb")
    return opened


def load_npy_submission(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Submission:
    """Read a score-matrix submission from `.npz` or `.npy`; never raises on file content."""
    path = Path(path)
    log = FindingLog(str(path))
    kind = numpy_kind(path) or "npz"
    with contextlib.ExitStack() as stack:
        found = _locate(path, kind, log, max_bytes, stack)
        if found is None:
            return _empty(path, log)
        for role, arr in found.items():
            _read_header(arr, log, role)
        if log.counts.keys() & UNREADABLE_CODES or not _check_headers(found, log):
            return _empty(path, log)
        loaded = {role: _load(arr, log) for role, arr in found.items()}
    if any(a is None for a in loaded.values()):
        return _empty(path, log)
    scores, queries, files = loaded["scores"], loaded["queries"], loaded["file_names"]
    assert scores is not None and queries is not None and files is not None
    return _as_submission(path, scores, queries.tolist(), files.tolist(), log)


def _empty(path: Path, log: FindingLog) -> Submission:
    sub = Submission(str(path), "matrix", [], np.zeros(0, np.int64), [],
                     np.zeros((0, 1), np.int32), np.zeros(0, np.int32), header_line=0)
    return _finish(sub, log)


def _finish(sub: Submission, log: FindingLog) -> Submission:
    sub.findings = log.sorted()
    sub.finding_counts = dict(log.counts)
    return sub


def _size_ok(path: Path, log: FindingLog, max_bytes: int, name: str) -> bool:
    return regular_file_size(path, log, max_bytes, name=name, empty_hint=(
        "Write it with np.savez(path, scores=..., queries=..., file_names=...).")) is not None


def _locate(path: Path, kind: str, log: FindingLog, max_bytes: int,
            stack: contextlib.ExitStack) -> dict[str, _Array] | None:
    """The array of each role (scores, queries, file_names), or None with findings; an
    archive stays open on `stack` while the arrays are read."""
    if not _size_ok(path, log, max_bytes, "the file"):
        return None
    if kind == "npy":
        return _locate_npy(path, log, max_bytes)
    try:
        zf = stack.enter_context(zipfile.ZipFile(path))
        infos = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        log.add("M513", f"The file is not a readable .npz archive ({exc}).",
                hint="Write it with np.savez or np.savez_compressed.")
        return None
    keys = {name.removesuffix(".npy"): name for name in infos if name.endswith(".npy")}
    found: dict[str, _Array] = {}
    for role, aliases in KEYS.items():
        present = [k for k in aliases if k in keys]
        if not present:
            log.add("M509", f"The archive has no {role!r} array (keys: "
                    f"{', '.join(sorted(keys)[:8]) or 'none'}).",
                    hint=f"Save it as {aliases[0]}=...: np.savez(path, scores=S, queries=Q, "
                    f"file_names=F); accepted names: {', '.join(aliases)}.")
            continue
        if len(present) > 1:
            log.add("M509", f"The archive has {len(present)} arrays for {role!r} "
                    f"({', '.join(present)}).",
                    hint="Keep one of them: which one is meant cannot be guessed.")
            continue
        member = keys[present[0]]
        if sum(i.filename == member for i in zf.infolist()) > 1:
            log.add("M509", f"The archive holds {member!r} more than once.",
                    hint="Keep one of them: which one is meant cannot be guessed.")
            continue
        found[role] = _Array(present[0], partial(zf.open, member), size=infos[member].file_size)
    unpacked = sum(infos[keys[a.key]].file_size for a in found.values())
    if unpacked > max_bytes:
        log.add("F101", f"The arrays unpack to {unpacked:,} bytes, above the limit of "
                f"{max_bytes:,}.", hint="Raise the limit with --max-bytes if the file is "
                "genuine.")
        return None
    return found if len(found) == len(KEYS) else None


def _locate_npy(path: Path, log: FindingLog, max_bytes: int) -> dict[str, _Array] | None:
    found = {"scores": _Array(path.name, _reader(path), size=path.stat().st_size)}
    for role, side in zip(SIDECARS, sidecar_paths(path), strict=True):
        if not side.exists():
            log.add("M509", f"A .npy holds only the scores; its {role} belong in {side.name}, "
                    "which does not exist.",
                    hint=f"Save np.save({side.name!r}, {role}) beside it, or write one .npz: "
                    "np.savez(path, scores=S, queries=Q, file_names=F).")
            continue
        if not _size_ok(side, log, max_bytes, side.name):
            continue
        found[role] = _Array(side.name, _reader(side), size=side.stat().st_size)
    return found if len(found) == len(KEYS) else None


def _read_header(arr: _Array, log: FindingLog, role: str) -> None:
    """Shape and dtype from the .npy header, without reading the data; a header declaring
    more data than the file holds is refused here, before NumPy allocates what it declares."""
    try:
        with arr.open() as fh:
            version = np.lib.format.read_magic(fh)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            arr.shape, arr.fortran, arr.dtype = read(fh)
            held = arr.size - fh.tell()
    except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile, SyntaxError,
            tokenize.TokenError, RecursionError) as exc:
        arr.dtype = None
        log.add("M513", f"Array {arr.key!r} ({role}) is not a readable .npy array ({exc}).",
                hint="Write it with np.save / np.savez from a NumPy array.")
        return
    declared = math.prod(arr.shape) * arr.dtype.itemsize
    if arr.size >= 0 and not arr.dtype.hasobject and declared > held:
        log.add("M513", f"Array {arr.key!r} ({role}) declares shape {arr.shape} of "
                f"{arr.dtype} ({declared:,} bytes) but holds {max(held, 0):,} bytes of data.",
                hint="The file is truncated or its header is not NumPy's: save it again with "
                "np.save / np.savez.")


def _check_headers(found: dict[str, _Array], log: FindingLog) -> bool:
    """Pickled, mis-typed and mis-shaped arrays, all reported before any is loaded."""
    ok = True
    for role, arr in found.items():
        assert arr.dtype is not None
        if arr.dtype.hasobject:
            log.add("M508", f"Array {arr.key!r} ({role}) holds Python objects ({arr.dtype}): "
                    "reading it would need pickle, which is refused.",
                    hint="Convert it before saving: np.asarray(x, dtype=str) for names, "
                    "np.asarray(x, dtype=np.float32) for scores.")
            ok = False
            continue
        want = 2 if role == "scores" else 1
        if len(arr.shape) != want:
            log.add("M510", f"Array {arr.key!r} ({role}) has shape {arr.shape}; it must be "
                    f"{want}-D.", hint="scores: (queries, audio files); queries and "
                    "file_names: one name per row / column.")
            ok = False
        kind = arr.dtype.kind
        if role == "scores" and kind not in "fiu":
            log.add("M511", f"Array {arr.key!r} (scores) has dtype {arr.dtype}, not a real "
                    "number type.", hint="Save the scores as float32 or float64: "
                    "scores.astype(np.float32).")
            ok = False
        elif role != "scores" and kind != "U":
            hint = ("Decode the bytes: np.char.decode(x, 'utf-8')." if kind == "S" else
                    "Save the names as strings: np.asarray(names, dtype=str).")
            log.add("M512", f"Array {arr.key!r} ({role}) has dtype {arr.dtype}, not str.",
                    hint=hint)
            ok = False
    if not ok:
        return False
    rows, cols = found["scores"].shape
    for role, n, what in (("queries", rows, "rows"), ("file_names", cols, "columns")):
        got = found[role].shape[0]
        if got != n:
            log.add("M510", f"{got} {role.replace('_', ' ')} for {n} score {what} "
                    f"(scores {found['scores'].shape}).",
                    hint=f"Give one name per score {what[:-1]}, in the same order.")
            ok = False
    return ok


def _load(arr: _Array, log: FindingLog) -> npt.NDArray[np.generic] | None:
    try:
        with arr.open() as fh:
            data: npt.NDArray[np.generic] = np.load(fh, allow_pickle=False)
            return data
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        log.add("M513", f"Array {arr.key!r} cannot be read ({exc}).",
                hint="The file is truncated or damaged; save it again.")
        return None


def _as_submission(path: Path, matrix: npt.NDArray[np.generic], queries: list[str],
                   columns: list[str], log: FindingLog) -> Submission:
    """Names checked as the CSV header's cells are, then ranked by the CSV matrix's rule."""
    for row, query in enumerate(queries):
        if not query.strip():
            log.add("C206", "The query text is empty.", line=row + 1,
                    hint="Each row of scores needs its query text in `queries`.")
    seen: dict[str, int] = {}
    for col, name in enumerate(columns, start=1):
        if not name:
            log.add("C206", "An audio file name is empty.", column=col,
                    hint="Name every column's audio file in `file_names`.")
        elif name in seen:
            log.add("M503", f"Audio file {name!r} names two columns (first: column "
                    f"{seen[name]}).", column=col, hint="Each audio file gets exactly one "
                    "column.")
        else:
            seen[name] = col
    if not columns:
        log.add("M507", "The score matrix has no audio column.",
                hint="Give one column of scores per audio file of the evaluation set.")
    if not queries:
        log.add("C208", "The score matrix has no row.", hint="Give one row per query.")
    scores = np.asarray(matrix, dtype=np.float64)
    bad_rows, bad_cols = np.nonzero(~np.isfinite(scores))
    for r, c in zip(bad_rows[:_SHOWN].tolist(), bad_cols[:_SHOWN].tolist(), strict=True):
        log.add("M502", f"Score {float(scores[r, c])!r} is not finite.", line=r + 1, column=c + 1,
                hint="Replace NaN and infinity by finite scores.")
    if bad_rows.size > _SHOWN:
        log.counts["M502"] += int(bad_rows.size) - _SHOWN
    order = sorted(range(len(columns)), key=columns.__getitem__)
    names = [columns[j] for j in order]
    scores = scores[:, order] if order else scores
    safe = np.where(np.isfinite(scores), scores, -np.inf)
    ranks = np.argsort(-safe, axis=1, kind="stable").astype(np.int32)
    sub = Submission(str(path), "matrix", queries, np.arange(1, len(queries) + 1, dtype=np.int64),
                     names, ranks, np.full(len(queries), len(names), np.int32), scores=scores,
                     header_width=len(names) + 1, header_line=0, column_of=seen)
    return _finish(sub, log)

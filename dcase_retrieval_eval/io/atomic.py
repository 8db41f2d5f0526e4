"""Output safety: one guard for every output path, and atomic writes.

Every command that writes calls `guard_outputs` before it writes anything: an output that would
replace, delete or sit on top of an input (the same file, a file inside an input folder, a folder
holding an input) or that cannot be written at all is refused with an `OutputError`, which the CLI
turns into a one-line usage error (exit 2).

Files are then written atomically: the content goes to a hidden temporary file beside the target,
renamed over it once complete. The temporary name ends in `.dcase-eval-tmp`, never in the
target's suffix, so a run killed mid-write leaves nothing that a `*.csv` or `*.json` glob would
publish; the next write into that folder removes such leftovers whose process is gone. The result
gets the mode a plain `open()` would give (0666 less the umask), or keeps the mode of the file it
replaces. A set of files staged elsewhere is moved into place with `move_into_place` (a rename,
or a copy beside the target across file systems) inside `signals_deferred`, so that a SIGTERM or
Ctrl-C cannot leave half of the set moved.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from ..errors import OutputError as OutputError  # re-exported: the baseline catches it here

TMP_SUFFIX = ".dcase-eval-tmp"
_TMP_NAME = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}" + re.escape(TMP_SUFFIX) + "$")
#: errors of the output side (a full disk, a read-only place), reported as usage errors
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                  errno.EFBIG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                  errno.EEXIST, errno.EINVAL, errno.EXDEV}
_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _new_file_mode(path: Path) -> int:
    """The mode of the replaced file, or what `open()` would create (0666 less the umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def pid_alive(pid: int) -> bool:
    """Whether process `pid` runs (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # exists, owned by someone else (or not a pid at all)
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete this tool's temporary files in `folder` whose writing process has ended."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_writable(path: Path, *, folder: bool = False) -> None:
    """Raise `OutputError` unless `path` can be created or replaced (a file, or a folder).

    Writes nothing that stays: where the folder exists, a temporary file is created and removed,
    because permission bits do not tell (root ignores them, /proc refuses everyone).
    """
    path = Path(path)
    if str(path) in ("", "."):
        raise OutputError("cannot write to an empty path")
    if path.is_symlink() and not path.exists():
        raise OutputError(f"cannot write {path}: it is a dangling link")
    if path.exists():
        if folder and not path.is_dir():
            raise OutputError(f"cannot write into {path}: it is not a folder")
        if not folder and path.is_dir():
            raise OutputError(f"cannot write {path}: it is a folder")
        if not folder and not path.is_file():
            raise OutputError(f"cannot write {path}: it is not a regular file (a device, pipe "
                              "or socket); leave the option out to print to standard output")
    base = path if folder and path.is_dir() else _nearest_existing(path.parent)
    if not base.is_dir():
        raise OutputError(f"cannot write {path}: {base} is not a folder")
    name = f".probe.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        fd = os.open(base / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {base} is not writable "
                          f"({_describe(exc)})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(base / name)


def _resolved(paths: Iterable[Path | str | None]) -> list[tuple[Path, Path]]:
    return [(Path(p), Path(p).resolve()) for p in paths if p is not None and str(p) != ""]


def _same(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def guard_outputs(
    *,
    files: Iterable[Path | str | None] = (),
    folders: Iterable[Path | str | None] = (),
    inputs: Iterable[Path | str | None] = (),
) -> None:
    """Refuse (OutputError) any output that would replace, delete or sit on top of an input.

    `files` are output files, `folders` output folders (everything inside may be written or
    cleaned), `inputs` every file or folder the command reads. An output file may not be an
    input or lie inside an input folder; an output folder may not be an input, lie inside one,
    or hold one. Each output must also be writable. Nothing is written.
    """
    ins = _resolved(inputs)
    outs = _resolved(files)
    dirs = _resolved(folders)
    seen: dict[Path, Path] = {}
    for raw, out in outs:
        if str(raw) in ("", "."):
            raise OutputError("cannot write to an empty path")
        if out in seen:
            raise OutputError(f"{seen[out]} and {raw} name the same file: one output would "
                              "replace the other")
        seen[out] = raw
    for raw, out in [*outs, *dirs]:
        for src_raw, src in ins:
            if _same(out, src):
                raise OutputError(f"refusing to write {raw}: it is the input {src_raw}")
            if src in out.parents and src.is_dir():
                raise OutputError(f"refusing to write {raw}: it lies inside the input folder "
                                  f"{src_raw}; choose an output outside the inputs")
    for raw, out in dirs:
        for src_raw, src in ins:
            if out in src.parents:
                raise OutputError(f"refusing to write into {raw}: it holds the input {src_raw}, "
                                  "which the output could replace or delete; choose another "
                                  "folder")
    for raw, _ in outs:
        check_writable(raw)
    for raw, _ in dirs:
        check_writable(raw, folder=True)


def output_error(exc: OSError, path: Path) -> OutputError:
    """An `OutputError` naming `path` and the system's reason."""
    return OutputError(f"cannot write {path}: {_describe(exc)}")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed over `path` when the block succeeds.

    The temporary name does not end in `path`'s suffix: writers that pick a format from the name
    must be told it (`savefig(format=...)`, `np.savez` on an open file). A failed block leaves the
    previous file (if any) untouched and no partial file behind; an OSError of the output side
    (full disk, read-only folder) becomes an `OutputError`.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, path) from None
    remove_stale_temporaries(path.parent)
    mode = _new_file_mode(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _OUTPUT_ERRNOS and (
                exc.filename is None or Path(exc.filename) in (tmp, path)):
            raise output_error(exc, path) from None
        raise


@contextlib.contextmanager
def atomic_writer(path: Path, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file handle whose content replaces `path` only once it is completely written.
    A lone surrogate (a non-UTF-8 file name that escaped `findings.shown_text`) is written as
    its escape, never a crash halfway through an output."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding, newline="",
                                        errors="backslashreplace") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT held back for the block (a few renames that belong together), then
    delivered to the handlers that were in place. The handlers are swapped rather than the
    signals masked: a process-wide signal reaches any thread that does not mask it (NumPy's
    BLAS threads), and Python runs its handler in the main thread all the same. Outside the main
    thread the block runs as is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {signum: signal.signal(signum, lambda n, _f: arrived.append(n))
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)


def move_into_place(source: Path, target: Path) -> None:
    """Rename `source` over `target`; across file systems (a subfolder linked to another
    disk), copy it beside `target` first, so the target is still replaced in one step."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        with contextlib.suppress(OSError):
            os.unlink(source)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)

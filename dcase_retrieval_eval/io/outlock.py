"""One writer per output folder: an exclusive lock on a file inside it.

Two `rank --out OUT` at once would otherwise interleave their files (one run's results.json
beside the other's page and tables) and each keep a record of its own files only. A run holds
`OUT/.dcase-eval.lock` (`fcntl.flock`, released by the system when the process ends, however it
ends) from before its work until its files are in place; a second run refuses at once, as a
usage error naming the holder's pid, rather than waiting for a ranking that may take minutes.
Within one process the lock is re-entrant (the command and the writer it calls both take it).
The lock file stays: removing it would let two runs lock two different files of one name. On a
file system without locks (some network mounts) a run goes ahead unlocked, as before.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError
from .atomic import output_error

LOCK_NAME = ".dcase-eval.lock"
#: what flock says on a file system that has no locks (some network mounts)
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS}
_held: dict[Path, int] = {}
_held_guard = threading.Lock()


class OutputBusy(OutputError):
    """Another run holds the output folder's lock."""


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""


def _acquire(folder: Path) -> int:
    """The descriptor of the locked lock file of `folder` (created when missing)."""
    lock = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                         | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError as exc:
            raise output_error(exc, lock) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(fd)
            os.close(fd)
            raise OutputBusy(f"another dcase-eval run{who} is writing {folder}; wait until it "
                             "has finished, or choose another output folder") from None
        except OSError as exc:
            if exc.errno in _NO_LOCKS:  # a file system without locks: run as before, unlocked
                return fd
            os.close(fd)
            raise output_error(exc, lock) from None
        try:  # the file locked must still be the one of that name
            same = os.path.samestat(os.fstat(fd), os.stat(lock, follow_symlinks=False))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


@contextlib.contextmanager
def output_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the lock of output folder `folder` (created when missing) for the block; raises
    `OutputBusy` at once when another process holds it. Yields the folder."""
    folder = Path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, folder) from None
    key = folder.resolve()
    with _held_guard:
        if key in _held:
            _held[key] += 1
            fd = None
        else:
            fd = _acquire(folder)
            _held[key] = 1
    try:
        yield folder
    finally:
        with _held_guard:
            _held[key] -= 1
            if _held[key] == 0:
                del _held[key]
            if fd is not None:
                if created:
                    _remove_if_unused(folder)
                os.close(fd)


def _remove_if_unused(folder: Path) -> None:
    """A folder this run created and left holding nothing but the lock (a run that failed
    before writing) is removed, lock file first, while the lock is still held."""
    with contextlib.suppress(OSError):
        if [e.name for e in os.scandir(folder)] == [LOCK_NAME]:
            os.unlink(folder / LOCK_NAME)
            folder.rmdir()

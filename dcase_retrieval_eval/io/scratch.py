"""Temporary folders named after the process that owns them, and the removal of dead ones.

A run killed by `kill -9` (or power loss) cannot clean up after itself: an extracted package
(up to the 2 GiB extraction limit) would stay in `$TMPDIR` for ever, and a half-written staging
folder beside an output. Every temporary folder of the toolkit is therefore named
`<prefix><pid>-<random><suffix>`; a later run removes those whose process no longer runs, and
leaves alone those of a live process (a concurrent run), as `atomic.py` does for temporary
files. Only folders of this user are considered, and links are never followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from .atomic import pid_alive


def _pattern(prefix: str, suffix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix) + r"(\d+)-[0-9a-f]{8}" + re.escape(suffix) + "$")


def make_scratch_dir(parent: str | Path, prefix: str, suffix: str = "") -> Path:
    """A new, private (0700) folder in `parent` named after this process; stale folders of the
    same `prefix` left by dead processes are removed first."""
    parent = Path(parent)
    remove_dead_scratch(parent, prefix, suffix)
    while True:
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return path


@contextlib.contextmanager
def scratch_dir(parent: str | Path, prefix: str, suffix: str = "") -> Iterator[Path]:
    """`make_scratch_dir` for the length of a block, removed with its content afterwards."""
    path = make_scratch_dir(parent, prefix, suffix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def scratch_owners(parent: str | Path, prefix: str, suffix: str = "") -> dict[Path, int]:
    """Every scratch folder of `prefix` in `parent` with the pid named in it."""
    pattern = _pattern(prefix, suffix)
    found: dict[Path, int] = {}
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return found
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
            found[Path(entry.path)] = int(match.group(1))
    return found


def live_scratch(parent: str | Path, prefix: str, suffix: str = "") -> dict[Path, int]:
    """The scratch folders of `prefix` whose process still runs (this one excluded)."""
    return {path: pid for path, pid in scratch_owners(parent, prefix, suffix).items()
            if pid != os.getpid() and pid_alive(pid)}


def remove_dead_scratch(parent: str | Path, prefix: str, suffix: str = "") -> list[Path]:
    """Delete the scratch folders of `prefix` in `parent` whose process has ended."""
    removed: list[Path] = []
    for path, pid in scratch_owners(parent, prefix, suffix).items():
        if pid == os.getpid() or pid_alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            if not path.exists():
                removed.append(path)
    return removed

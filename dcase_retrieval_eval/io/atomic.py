"""Output safety: atomic writes, and refusing to write over an input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from ..errors import InputError


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed over `path` when the block succeeds.

    It keeps `path`'s suffix, so writers that pick a format from the name (NumPy's savez,
    matplotlib's savefig) write the right thing. A crash or an exception leaves the previous
    file (if any) untouched and no partial file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_writer(path: Path, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file handle whose content replaces `path` only once it is completely written."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)


def refuse_overwriting_inputs(
    outputs: Iterable[Path | None], inputs: Iterable[Path | None]
) -> None:
    """Raise if an output path is one of the inputs (same file, even through a link)."""
    ins = [Path(p).resolve() for p in inputs if p is not None]
    for out in outputs:
        if out is None:
            continue
        target = Path(out).resolve()
        for src in ins:
            same = target == src or (
                target.exists() and src.exists() and os.path.samefile(target, src)
            )
            if same:
                raise InputError(f"refusing to write {out}: it is an input file")

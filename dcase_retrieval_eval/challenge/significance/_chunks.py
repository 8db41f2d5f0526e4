"""Shared helpers: input checks and the chunking of rounds that bounds memory."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

#: Cells (rounds x queries) of one random block; about 64 MB of float64.
BLOCK_CELLS = 8_000_000


def as_differences(diffs: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A (queries x pairs) float matrix; a 1-d vector is one pair."""
    d = np.asarray(diffs, dtype=np.float64)
    if d.ndim == 1:
        d = d[:, None]
    if d.ndim != 2 or d.shape[0] < 1:
        raise ValueError("differences must be a (queries x pairs) matrix with at least one query")
    if not np.isfinite(d).all():
        raise ValueError("differences must be finite")
    return d


def check_rounds(rounds: int) -> None:
    if rounds < 1:
        raise ValueError("rounds must be at least 1")


def blocks(rounds: int, n: int) -> Iterator[int]:
    """Sizes of successive blocks of rounds, each at most BLOCK_CELLS cells."""
    size = max(1, BLOCK_CELLS // max(n, 1))
    done = 0
    while done < rounds:
        step = min(size, rounds - done)
        yield step
        done += step

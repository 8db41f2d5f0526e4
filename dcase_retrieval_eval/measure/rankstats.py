"""Rank statistics of the judged items from similarity rows, a block of rows at a time.

Works on NumPy arrays and, by duck-typing, on torch tensors (the core never imports torch: a
tensor's own module is taken from `sys.modules`, where the caller's import put it). A tensor
stays on its device; only per-pair counts and one flag per query come back to the host.
Memory: one block of rows plus one boolean array of the block's shape per comparison.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError

Block = Any  # a 2-D NumPy array or torch tensor


def is_tensor(x: object) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def to_numpy(x: Any) -> npt.NDArray[Any]:
    """A host NumPy copy of a NumPy array or (duck-typed) torch tensor."""
    if is_tensor(x):
        return np.asarray(x.detach().cpu().numpy())
    return np.asarray(x)


def _like(block: Block, arr: npt.NDArray[Any]) -> Any:
    """`arr` on the block's device, as the block's array type."""
    if is_tensor(block):
        return sys.modules["torch"].from_numpy(np.ascontiguousarray(arr)).to(block.device)
    return arr


def _any_nan(block: Block) -> bool:
    if is_tensor(block):
        return bool(block.isnan().any())
    return bool(np.isnan(block).any())


def boundary_ties(block: Block, cuts: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """ties[r, c]: row r's scores at positions cuts[c] and cuts[c] + 1 are equal (every cut
    must be below the number of items)."""
    if not cuts:
        return np.zeros((block.shape[0], 0), bool)
    if is_tensor(block):
        top = to_numpy(block.topk(max(cuts) + 1, dim=1).values)
        return np.stack([top[:, k - 1] == top[:, k] for k in cuts], axis=1)
    n = block.shape[1]
    kth = sorted({n - k for k in cuts} | {n - k - 1 for k in cuts})
    part = np.partition(block, kth, axis=1)
    return np.stack([part[:, n - k] == part[:, n - k - 1] for k in cuts], axis=1)


def block_stats(block: Block, slots: npt.NDArray[np.int64], cuts: tuple[int, ...],
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                           npt.NDArray[np.bool_]]:
    """Counts for the judged items of a block of rows.

    `slots` (rows x width): the judged item indices of each row, -1 padding. Returns `above`,
    `tied_before`, `tied` (rows x width, undefined at padding) and the ties across each cut-off
    (rows x cuts, see `boundary_ties`)."""
    if _any_nan(block):
        raise InputError("the similarity matrix holds NaN; a NaN score has no rank")
    rows, n_items = block.shape
    width = slots.shape[1]
    above = np.zeros((rows, width), np.int64)
    before = np.zeros((rows, width), np.int64)
    tied = np.zeros((rows, width), np.int64)
    index = _like(block, np.arange(n_items, dtype=np.int64)[None, :])
    row_ids = np.arange(rows)
    for j in range(width):
        items = slots[:, j]
        live = items >= 0
        if not live.any():
            continue
        safe = np.where(live, items, 0)
        own = block[_like(block, row_ids), _like(block, safe)][:, None]
        above[:, j] = to_numpy((block > own).sum(1))
        equal = block == own
        tied[:, j] = to_numpy(equal.sum(1)) - 1
        before[:, j] = to_numpy((equal & (index < _like(block, safe[:, None]))).sum(1))
    return above, before, tied, boundary_ties(block, tuple(k for k in cuts if 0 < k < n_items))


def collect(blocks: Callable[[int, int], Block], n_queries: int, rows_per_block: int,
            indptr: npt.NDArray[np.int64], items: npt.NDArray[np.int32], cuts: tuple[int, ...],
            ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                       npt.NDArray[np.bool_]]:
    """`block_stats` over row blocks `blocks(lo, hi)`, flattened back to the CSR pair order;
    the boundary ties have one column per cut-off below the number of items."""
    counts = np.diff(indptr)
    width = int(counts.max()) if counts.size else 0
    slot_of = np.arange(items.size, dtype=np.int64) - np.repeat(indptr[:-1], counts)
    owner = np.repeat(np.arange(n_queries, dtype=np.int64), counts)
    slots = np.full((n_queries, max(width, 1)), -1, np.int64)
    slots[owner, slot_of] = items
    out = [np.zeros(items.size, np.int64) for _ in range(3)]
    parts: list[npt.NDArray[np.bool_]] = []
    live = tuple(sorted({k for k in cuts if k > 0}))
    n_items = 0
    for lo in range(0, n_queries, rows_per_block):
        hi = min(n_queries, lo + rows_per_block)
        block = blocks(lo, hi)
        n_items = int(block.shape[1])
        a, b, t, ties = block_stats(block, slots[lo:hi], live)
        parts.append(ties)
        sel = slice(int(indptr[lo]), int(indptr[hi]))
        r, c = owner[sel] - lo, slot_of[sel]
        out[0][sel], out[1][sel], out[2][sel] = a[r, c], b[r, c], t[r, c]
    kept = [k for k in live if k < n_items]
    boundary = np.concatenate(parts) if parts else np.zeros((0, len(kept)), bool)
    return out[0], out[1], out[2], boundary

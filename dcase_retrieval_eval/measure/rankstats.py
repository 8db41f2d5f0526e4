"""Rank statistics of the judged items from similarity rows, a block of rows at a time.

No row is sorted: each row's top is found as a few candidates (`topk`), the judged items
placed within the depth are compared with those, and only a full-ranking measure (mean or
median rank) or a row with many equal scores near its top is counted over the whole row.

Works on NumPy arrays and, by duck-typing, on torch tensors (the core never imports torch: a
tensor's own module is taken from `sys.modules`, where the caller's import put it). A CPU
tensor is read as a NumPy view; any other stays on its device, where its own `topk` finds the
top, and only the top scores and indices, the judged scores and per-pair counts come back.
Memory: one block of rows plus at most three boolean arrays of the block's shape.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .topk import NAN_MESSAGE, Candidates, host_candidates, judged_counts, top_values

Block = Any  # a 2-D NumPy array or torch tensor

#: tensors on these devices are read as NumPy views (no copy); others stay on their device
HOST_DEVICES: tuple[str, ...] = ("cpu",)


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
    must be below the number of items), from a partition of the whole rows."""
    if not cuts:
        return np.zeros((block.shape[0], 0), bool)
    if is_tensor(block):
        top = to_numpy(block.topk(max(cuts) + 1, dim=1).values)
        return np.stack([top[:, k - 1] == top[:, k] for k in cuts], axis=1)
    n = block.shape[1]
    kth = sorted({n - k for k in cuts} | {n - k - 1 for k in cuts})
    part = np.partition(block, kth, axis=1)
    return np.stack([part[:, n - k] == part[:, n - k - 1] for k in cuts], axis=1)


def full_counts(block: Block, slots: npt.NDArray[np.int64],
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`above`, `tied_before`, `tied` of the judged items `slots` (rows x width, -1 padding:
    undefined there), each counted over the whole row: one comparison of the block per judged
    column. On the block's own device for a tensor."""
    if not is_tensor(block):
        return _host_full_counts(np.ascontiguousarray(block), slots)
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
    return above, before, tied


def _host_full_counts(block: npt.NDArray[np.floating], slots: npt.NDArray[np.int64],
                      ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                 npt.NDArray[np.int64]]:
    """`full_counts` of a NumPy block: each comparison is written into one zero-padded
    boolean buffer whose rows are counted as 64-bit words of 0/1 bytes (a tenth of the time
    of counting booleans along a row), and equal scores by index only in rows that have
    any."""
    rows, n = block.shape
    width = slots.shape[1]
    above, before, tied = (np.zeros((rows, width), np.int64) for _ in range(3))
    buf = np.zeros((rows, -(-n // 8) * 8), bool)
    words = buf.view(np.uint64)
    flat_rows = (np.arange(rows, dtype=np.int64) * n)[:, None]
    for j in range(width):
        live = slots[:, j] >= 0
        if not live.any():
            continue
        safe = np.where(live, slots[:, j], 0)
        own = block.reshape(-1)[flat_rows[:, 0] + safe][:, None]
        np.greater(block, own, out=buf[:, :n])
        above[:, j] = _word_counts(words)
        np.equal(block, own, out=buf[:, :n])
        tied[:, j] = _word_counts(words) - 1
        some = np.flatnonzero(live & (tied[:, j] > 0))
        if some.size:
            index = np.arange(n)[None, :] < safe[some, None]
            before[some, j] = np.count_nonzero(buf[some, :n] & index, axis=1)
    return above, before, tied


def _word_counts(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Set bytes per row of 0/1 bytes viewed as words: lanes summed 255 words at a time (a
    byte lane cannot overflow), then the 8 lanes of each sum added."""
    rows = words.shape[0]
    total = np.zeros(rows, np.int64)
    for lo in range(0, words.shape[1], 255):
        lanes = words[:, lo:lo + 255].sum(axis=1, dtype=np.uint64)
        total += lanes.view(np.uint8).reshape(rows, 8).sum(axis=1, dtype=np.int64)
    return total


def _candidates(block: Block, slots: npt.NDArray[np.int64], need: int,
                ) -> tuple[Block, Candidates, npt.NDArray[Any]]:
    """The block (host blocks made C-contiguous), its candidates and the judged scores: a
    NumPy array or CPU tensor on the host (`topk.host_candidates`), any other tensor by its
    own `topk` on its device, only the top `need` scores and indices coming back."""
    safe = np.where(slots >= 0, slots, 0)
    if is_tensor(block):
        if str(block.dtype) == "torch.bfloat16":
            block = block.float()  # exact: NumPy has no bfloat16
        if block.device.type in HOST_DEVICES:
            block = block.detach().numpy()
    if not is_tensor(block):
        block = np.ascontiguousarray(block)
        n = block.shape[1]
        own = block.reshape(-1)[safe + (np.arange(block.shape[0]) * n)[:, None]]
        return block, host_candidates(block, need), own
    if _any_nan(block):
        raise InputError(NAN_MESSAGE)
    n = int(block.shape[1])
    top = block.topk(min(need, n), dim=1)
    values, columns = to_numpy(top.values), to_numpy(top.indices).astype(np.int64)
    own = to_numpy(block.gather(1, _like(block, safe)))
    every = need >= n  # the whole row came back: every item is known
    tau = values[:, -1] if not every else np.full(values.shape[0], -np.inf, values.dtype)
    cand = Candidates(values, columns, tau, every, np.zeros(0, np.int64), n)
    return block, cand, own


def block_stats(block: Block, slots: npt.NDArray[np.int64], cuts: tuple[int, ...],
                depth: int, full: bool = True,
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                           npt.NDArray[np.bool_]]:
    """Counts for the judged items of a block of rows.

    `slots` (rows x width): the judged item indices of each row, -1 padding. Returns `above`,
    `tied_before`, `tied` (rows x width, undefined at padding) and the ties across each cut-off
    below the number of items (rows x cuts). The counts are exact for every item placed within
    `depth`; with `full` for every item, else an item placed beyond gets a lower bound of at
    least `depth` for `above` and zero ties. A large host block is cut into row slices counted
    side by side on the CPUs (NumPy releases the GIL in its loops; the slices' temporaries
    together are the block's)."""
    if is_tensor(block) and block.device.type in HOST_DEVICES:
        block = block.float() if str(block.dtype) == "torch.bfloat16" else block
        block = block.detach().numpy()  # exact: NumPy has no bfloat16
    rows = int(block.shape[0])
    parts = min(_workers(), rows)
    if is_tensor(block) or parts < 2 or rows * int(block.shape[1]) < PARALLEL_CELLS:
        return _block_stats(block, slots, cuts, depth, full)
    edges = [rows * i // parts for i in range(parts + 1)]
    done = list(_pool().map(lambda i: _block_stats(block[edges[i]:edges[i + 1]],
                                                   slots[edges[i]:edges[i + 1]], cuts, depth,
                                                   full), range(parts)))
    a, b, t, ties = (np.concatenate([d[j] for d in done]) for j in range(4))
    return a, b, t, ties


#: a host block of at least this many cells is counted in row slices on several CPUs
PARALLEL_CELLS = 1 << 20
_POOL: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked child has no threads


def _workers() -> int:
    """The CPUs this process may run on, at most four."""
    try:
        return min(4, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return min(4, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    """This process's pool: a forked child (a DataLoader worker) makes its own rather than
    lean on threads that were its parent's."""
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(max_workers=_workers(),
                                        thread_name_prefix="dcase-eval-rank")
    return _POOL[pid]


def _block_stats(block: Block, slots: npt.NDArray[np.int64], cuts: tuple[int, ...],
                 depth: int, full: bool,
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                            npt.NDArray[np.bool_]]:
    """`block_stats` of one block or row slice, in the calling thread."""
    rows, n_items = (int(d) for d in block.shape)
    live_cuts = tuple(k for k in cuts if 0 < k < n_items)
    need = min(n_items, max([depth, *(k + 1 for k in live_cuts)]))
    block, cand, own = _candidates(block, slots, need)
    above, before, tied, known = judged_counts(cand, own, slots)
    redo = ~known & (slots >= 0)
    redo[cand.dense] = slots[cand.dense] >= 0
    if not full:
        beyond = redo & (own < cand.tau[:, None])
        beyond[cand.dense] = False
        above[beyond], before[beyond], tied[beyond] = need, 0, 0
        redo &= ~beyond
    again = np.flatnonzero(redo.any(axis=1))
    if again.size:  # rows with ties at the threshold, too many candidates, or full ranks
        sub = block if again.size == rows else (
            block[_like(block, again)] if is_tensor(block) else block[again])
        a, b, t = full_counts(sub, np.where(redo[again], slots[again], -1))
        hit = redo[again]
        above[again] = np.where(hit, a, above[again])
        before[again] = np.where(hit, b, before[again])
        tied[again] = np.where(hit, t, tied[again])
    if not live_cuts:
        return above, before, tied, np.zeros((rows, 0), bool)
    top = top_values(cand, max(live_cuts) + 1)
    ties = np.stack([top[:, k - 1] == top[:, k] for k in live_cuts], axis=1)
    if cand.dense.size:
        sub = block[cand.dense] if not is_tensor(block) else block[_like(block, cand.dense)]
        ties[cand.dense] = boundary_ties(sub, live_cuts)
    return above, before, tied, ties


def collect(blocks: Callable[[int, int], Block], n_queries: int, rows_per_block: int,
            indptr: npt.NDArray[np.int64], items: npt.NDArray[np.int32], cuts: tuple[int, ...],
            depth: int, full: bool = True,
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
        a, b, t, ties = block_stats(block, slots[lo:hi], live, depth, full)
        parts.append(ties)
        sel = slice(int(indptr[lo]), int(indptr[hi]))
        r, c = owner[sel] - lo, slot_of[sel]
        out[0][sel], out[1][sel], out[2][sel] = a[r, c], b[r, c], t[r, c]
    kept = [k for k in live if k < n_items]
    boundary = np.concatenate(parts) if parts else np.zeros((0, len(kept)), bool)
    return out[0], out[1], out[2], boundary

"""The top of each similarity row without sorting it: a few candidates per row, found in a few
passes over the block, from which the judged items' positions and the cut-off ties follow.

A row's `need` best scores lie among its candidates, the items scoring at least a threshold
tau. tau comes from the maxima of G >= need disjoint column groups (one `maximum.reduceat`
pass): the need-th largest group maximum leaves at least `need` items at or above it (each of
the need groups holds one), and on real rows only a few more, so the candidates are about
1.5 x need per row. A judged item scoring below tau has at least `need` items above it: it is
beyond the top `need - 1` and its exact rank is only counted when a full-ranking measure asks
for it. A judged item at or above tau is compared with its row's candidates only (every item
scoring at least as high is one of them), with the same rule as a full count: items scoring
higher, then equal scores by index. Nothing here looks at the relevance; every comparison is
made in the matrix's own dtype, so the counts equal a full count exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import InputError

IntArray = npt.NDArray[np.int64]

#: a row with more candidates than this (many equal scores near its top) is counted in full
MAX_CANDIDATES = 96
#: rows of at most this many items take every item as a candidate
SMALL_ROW = 96
NAN_MESSAGE = "the similarity matrix holds NaN; a NaN score has no rank"


@dataclass(frozen=True)
class Candidates:
    """values[r, c] and columns[r, c]: the candidates of row r (padding: -inf at column
    `n_items`, never counted), at least `need` real ones per row; `tau[r]` the threshold (an
    item scoring at least tau is a candidate when `inclusive`, else only one scoring above it);
    `dense` the rows left out (too many candidates), which the caller counts in full."""

    values: npt.NDArray[np.floating]
    columns: IntArray
    tau: npt.NDArray[np.floating]
    inclusive: bool
    dense: IntArray
    n_items: int


def groups_for(n_items: int, need: int) -> int:
    """Column groups for the threshold: at least `need`, half as many again for a tight
    threshold (about 1.5 x need candidates), never fewer than 16."""
    return min(n_items, max(16, need + need // 2))


def host_candidates(block: npt.NDArray[np.floating], need: int) -> Candidates:
    """The candidates of every row of a C-contiguous NumPy block without NaN (the caller
    checks) for its best `need` scores, need < n_items."""
    rows, n = block.shape
    if n <= max(SMALL_ROW, 2 * need):
        if np.isnan(block).any():
            raise InputError(NAN_MESSAGE)
        columns = np.broadcast_to(np.arange(n, dtype=np.int64), (rows, n))
        tau = np.full(rows, -np.inf, block.dtype)
        return Candidates(block, columns, tau, True, np.zeros(0, np.int64), n)
    g = groups_for(n, need)
    starts = (np.arange(g, dtype=np.int64) * n) // g
    group_max = np.maximum.reduceat(block, starts, axis=1)
    if np.isnan(group_max).any():  # a maximum propagates NaN: every item is in one group
        raise InputError(NAN_MESSAGE)
    tau = np.partition(group_max, g - need, axis=1)[:, g - need]
    flat = np.flatnonzero(block >= tau[:, None])
    owner = flat // n
    count = np.bincount(owner, minlength=rows)
    dense = np.flatnonzero(count > MAX_CANDIDATES)
    if dense.size:  # those rows leave the padded table
        keep = count[owner] <= MAX_CANDIDATES
        flat, owner = flat[keep], owner[keep]
        count[dense] = 0
    width = max(int(count.max()), 1)
    slot = np.arange(width, dtype=np.int64)[None, :] < count[:, None]
    values = np.full((rows, width), -np.inf, block.dtype)
    columns = np.full((rows, width), n, np.int64)
    column = flat - owner * n
    values[slot] = block.reshape(-1)[flat]  # the block is C-contiguous: 8x faster than 2-D
    columns[slot] = column
    return Candidates(values, columns, tau, True, dense, n)


def top_values(cand: Candidates, need: int) -> npt.NDArray[np.floating]:
    """The `need` best scores of each row, best first (rows in `dense`: meaningless)."""
    width = cand.values.shape[1]
    if width > 2 * need:
        part = np.partition(cand.values, width - need, axis=1)[:, width - need:]
    else:
        part = cand.values
    return np.sort(part, axis=1)[:, ::-1][:, :need]


def judged_counts(cand: Candidates, own: npt.NDArray[np.floating], slots: IntArray,
                  ) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """For judged items (rows x width: scores `own`, columns `slots`, -1 padding): `above`
    (items scoring higher), `before` (equal, lower column), `tied` (equal, the others) and
    `known`, whether these are the full row's counts: the item is a candidate. An unknown
    item has at least `need` items above it."""
    known = own >= cand.tau[:, None] if cand.inclusive else own > cand.tau[:, None]
    known &= slots >= 0
    vals, cols, mine = cand.values[:, None, :], cand.columns[:, None, :], own[:, :, None]
    above = np.count_nonzero(vals > mine, axis=2).astype(np.int64)
    equal = vals == mine
    tied = np.count_nonzero(equal & (cols < cand.n_items), axis=2).astype(np.int64) - 1
    before = np.zeros_like(tied)
    some = np.flatnonzero((tied > 0).any(axis=1))  # only rows with equal scores have any
    if some.size:
        before[some] = np.count_nonzero(equal[some] & (cols[some] < slots[some, :, None]),
                                        axis=2)
    return above, before, tied, known

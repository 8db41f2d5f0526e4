"""The 0-based rank of every relevant item of every query, from scores alone.

The named conventions need the position of each relevant item in its query's ranking, not only
the top k: LAION-CLAP and the audio-retrieval-benchmark report median and mean ranks over the
whole list. A rank is a count over the query's row, so no full sort is needed:

    stable    r_j = #{i : s_i > s_j} + #{i < j : s_i == s_j}      (equal scores: lower index first,
                                                                  what a stable sort of -s gives)
    average   a_j = #{i : s_i > s_j} + (#{i : s_i == s_j} - 1) / 2   (the mean position of the
                                                                  tie block, McSherry & Najork 2008)

Neither looks at the relevance: the index order and the tie block are properties of the scores.
Relevance comes as CSR arrays (`indptr`, `indices`), the items of a query in ascending order.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
TieRule = Literal["stable", "average"]

#: compared cells per step (a block of pairs x items), about 32 MB of booleans and scores
_CELLS = 1 << 22


def pair_queries(indptr: IntArray) -> IntArray:
    """The query of each CSR entry."""
    counts = np.diff(indptr)
    return np.repeat(np.arange(counts.size, dtype=np.int64), counts)


def relevant_ranks(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
                   ties: TieRule) -> FloatArray:
    """0-based rank of each (query, relevant item) entry of the CSR relevance, in CSR order."""
    sim = np.ascontiguousarray(sim)  # rows gathered from a transposed view are 4x slower
    n_items = sim.shape[1]
    queries = pair_queries(indptr)
    items = np.asarray(indices, dtype=np.int64)
    out = np.empty(items.size, dtype=np.float64)
    step = max(1, _CELLS // max(n_items, 1))
    columns = np.arange(n_items, dtype=np.int64)
    for start in range(0, items.size, step):
        q = queries[start:start + step]
        j = items[start:start + step]
        rows = sim[q]
        value = rows[np.arange(q.size), j][:, None]
        greater = np.count_nonzero(rows > value, axis=1).astype(np.float64)
        equal = rows == value
        tied = np.count_nonzero(equal, axis=1) - 1
        if ties == "average":
            greater += tied / 2.0
        else:  # only tied pairs need the equal scores at lower indices
            some = np.flatnonzero(tied)
            if some.size:
                greater[some] += np.count_nonzero(
                    equal[some] & (columns[None, :] < j[some, None]), axis=1)
        out[start:start + step] = greater
    return out


def segment_min(values: FloatArray, indptr: IntArray) -> FloatArray:
    """Minimum of each query's entries (every query must have at least one)."""
    if not values.size:
        return np.empty(0, dtype=np.float64)
    out: FloatArray = np.minimum.reduceat(values, indptr[:-1])
    return out


def segment_sum(values: FloatArray, indptr: IntArray) -> FloatArray:
    """Sum of each query's entries (0 for a query without entries)."""
    n = indptr.size - 1
    return np.bincount(pair_queries(indptr), weights=values, minlength=n).astype(np.float64)


def position_in_query(mask: npt.NDArray[np.bool_], indptr: IntArray) -> FloatArray:
    """For each entry, how many entries of its query up to and including it have `mask` set,
    in CSR order (1, 2, ... over the masked ones)."""
    running = np.cumsum(mask, dtype=np.int64)
    before = np.concatenate((np.zeros(1, np.int64), running))[indptr[:-1]]
    out: FloatArray = (running - np.repeat(before, np.diff(indptr))).astype(np.float64)
    return out


def sort_within_queries(ranks: FloatArray, indptr: IntArray) -> npt.NDArray[np.intp]:
    """Permutation that sorts each query's entries by rank, keeping queries in place."""
    return np.lexsort((ranks, pair_queries(indptr)))

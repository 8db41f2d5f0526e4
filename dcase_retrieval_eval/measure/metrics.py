"""Per-query retrieval metrics, vectorised over all queries.

Inputs are a ranking matrix `ranks` (queries x depth, audio indices, -1 = no file at that position)
and the relevant files as CSR arrays. Definitions (TASK.md; Xie et al., DCASE 2022):
    hits[q, p]  = ranks[q, p] is relevant to q
    R@k         = |G ∩ L[:k]| / R
    AP@k        = (1/R or 1) * sum_{p <= k, hits[q,p]} (hits in L[:p]) / p
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..editions import APNormalization

IntArray = npt.NDArray[np.int64] | npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def hit_matrix(
    ranks: npt.NDArray[np.int32], rel_indptr: npt.NDArray[np.int64], rel_indices: IntArray,
    n_audio: int,
) -> BoolArray:
    """hits[q, p]: whether the file at position p of query q is relevant to q."""
    n = ranks.shape[0]
    n_rel = np.diff(rel_indptr)
    if n and np.all(n_rel == 1):
        exact: BoolArray = (ranks == rel_indices[:, None]) & (ranks >= 0)
        return exact
    rel_q = np.repeat(np.arange(n, dtype=np.int64), n_rel)
    rel_keys = np.sort(rel_q * n_audio + rel_indices)
    keys = np.arange(n, dtype=np.int64)[:, None] * n_audio + ranks
    pos = np.searchsorted(rel_keys, keys)
    pos[pos == rel_keys.size] = 0
    found = rel_keys[pos] == keys if rel_keys.size else np.zeros(keys.shape, bool)
    hits: BoolArray = found & (ranks >= 0)
    return hits


def average_precision(
    hits: BoolArray, n_relevant: IntArray, k: int, normalization: APNormalization
) -> FloatArray:
    """AP@k per query. "relevant" divides by R (not min(R, k)); "none" does not divide."""
    h = hits[:, :k]
    if h.shape[1] and bool(np.all(np.asarray(n_relevant) == 1)):
        # one relevant file (counted once): AP is 1/rank of the hit, the same float as below
        first = h.argmax(axis=1)
        found = h[np.arange(h.shape[0]), first]
        single: FloatArray = np.where(found, 1.0 / (first + 1.0), 0.0)
        return single
    cum = np.cumsum(h, axis=1, dtype=np.float64)
    positions = np.arange(1, h.shape[1] + 1, dtype=np.float64)
    ap: FloatArray = np.sum(np.where(h, cum / positions, 0.0), axis=1)
    if normalization == "relevant":
        ap = ap / np.maximum(np.asarray(n_relevant, np.float64), 1.0)
    return ap


def recall_at(hits: BoolArray, n_relevant: IntArray, k: int) -> FloatArray:
    """R@k per query: relevant files in the top k over all relevant files of the query."""
    found = np.count_nonzero(hits[:, :k], axis=1).astype(np.float64)
    recall: FloatArray = found / np.maximum(np.asarray(n_relevant, np.float64), 1.0)
    return recall


def recall_at_each(hits: BoolArray, n_relevant: IntArray, ks: tuple[int, ...] | list[int],
                   ) -> dict[int, FloatArray]:
    """`recall_at` for every k in `ks`, from one running count of the hits."""
    if not ks:
        return {}
    width = min(max(ks), hits.shape[1])
    if width == 0:
        return {k: recall_at(hits, n_relevant, k) for k in ks}
    # a column at a time: NumPy's cumsum along a row of ten is a tenth of this speed
    found = hits[:, 0].astype(np.int32)
    at: dict[int, npt.NDArray[np.int32]] = {}
    for p in range(width):
        if p:
            found += hits[:, p]
        if p + 1 in ks or p + 1 == width:
            at[p + 1] = found.copy()
    denominator = np.maximum(np.asarray(n_relevant, np.float64), 1.0)
    return {k: at[min(k, width)] / denominator for k in ks}


def first_positions(hits: BoolArray) -> list[list[int]]:
    """1-based positions of the hits of each query (for per-query reports)."""
    rows, cols = np.nonzero(hits)
    out: list[list[int]] = [[] for _ in range(hits.shape[0])]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out[r].append(c + 1)
    return out

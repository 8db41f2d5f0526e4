"""nDCG@k over graded relevance, vectorised over queries, exactly as trec_eval's `ndcg_cut`.

For a query with judged grades g(d) >= 0 and a ranked list L:
    DCG@k  = sum_{p <= k} g(L[p]) / log2(p + 1)        (g = 0 for an unjudged file)
    IDCG@k = the DCG@k of all judged grades of the query sorted descending
    nDCG@k = DCG@k / IDCG@k, and 0 when IDCG@k = 0 (no grade above zero)
Gain = the grade itself, as trec_eval does without a gain file (Järvelin and Kekäläinen 2002).
The value does not change when every grade is multiplied by the same positive number, so each
query's grades are first divided by that query's largest grade (`per_query_scaled`): every sum is
then at most k, and any finite grades (1.7e308 included) give a finite nDCG.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64] | npt.NDArray[np.int32]


def discounts(k: int) -> FloatArray:
    """1 / log2(p + 1) for positions p = 1..k."""
    out: FloatArray = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    return out


def per_query_scaled(judged_indptr: npt.NDArray[np.int64], grades: FloatArray) -> FloatArray:
    """Each query's grades divided by its largest grade (grades of a query without a grade
    above zero are left as they are); nDCG is unchanged, and no sum can overflow."""
    if grades.size == 0:
        return grades
    counts = np.diff(judged_indptr)
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    top = np.zeros(counts.size, np.float64)
    np.maximum.at(top, owner, grades)
    scale = np.where(top > 0, top, 1.0)[owner]
    scaled: FloatArray = grades / scale
    return scaled


def gain_matrix(ranks: npt.NDArray[np.int32], judged_indptr: npt.NDArray[np.int64],
                judged_indices: IntArray, grades: FloatArray, n_audio: int) -> FloatArray:
    """gains[q, p]: the grade of the file at position p of query q (0 if unjudged or empty)."""
    n = ranks.shape[0]
    if judged_indices.size == 0:
        return np.zeros(ranks.shape, np.float64)
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(judged_indptr))
    unsorted = owner * n_audio + judged_indices.astype(np.int64)
    order = np.argsort(unsorted, kind="stable")
    keys, sorted_grades = unsorted[order], grades[order]
    wanted = np.arange(n, dtype=np.int64)[:, None] * n_audio + ranks
    pos = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    found = (keys[pos] == wanted) & (ranks >= 0)
    gains: FloatArray = np.where(found, sorted_grades[pos], 0.0)
    return gains


def ideal_dcg(judged_indptr: npt.NDArray[np.int64], grades: FloatArray, k: int) -> FloatArray:
    """IDCG@k per query: its judged grades sorted descending, cut at k, discounted."""
    n = judged_indptr.size - 1
    counts = np.diff(judged_indptr)
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    order = np.lexsort((-grades, owner))  # by query, then grade descending
    place = np.arange(owner.size, dtype=np.int64) - judged_indptr[owner[order]]
    keep = place < k
    weights = grades[order][keep] * discounts(min(k, int(counts.max(initial=0))))[place[keep]]
    ideal: FloatArray = np.bincount(owner[order][keep], weights=weights,
                                    minlength=n).astype(np.float64)
    return ideal


def ndcg_at(gains: FloatArray, ideal: FloatArray, k: int) -> FloatArray:
    """nDCG@k per query from the gain matrix and the ideal DCG@k."""
    g = gains[:, :k]
    dcg = g @ discounts(g.shape[1])  # g is at most k wide
    out: FloatArray = np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)
    return out

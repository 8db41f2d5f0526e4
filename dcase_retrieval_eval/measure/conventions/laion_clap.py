"""`laion-clap`: LAION-CLAP's Clotho / AudioCaps retrieval metrics, both directions.

Source: LAION-AI/CLAP, commit 1fd4c37, `src/laion_clap/training/train.py`,
`evaluate_clotho_audiocaps` (5 captions per clip). With r the 0-based rank under
`torch.argsort(logits, descending=True)`:
- text-to-audio, one relevant clip per caption (all caption slots pooled):
  R@k = [r < k], mAP@10 = 1/(r+1) if r < 10 else 0, mean rank = mean(r) + 1,
  median rank = floor(median(r)) + 1.
- audio-to-text, a clip's captions f_1..f_C in caption order (ascending item index):
  R@k = [min_j f_j < k] (a hit among the captions, not a fraction);
  mAP@10 = sum_m m / (g_m + 1) / C, g = the ranks f_j < 10 kept in caption order, unsorted.
  C is 5 in the code (its reshape needs 5 captions per clip). Unsorted, the sum pairs the
  numerators 1, 2, ... with the captions' order, not their ranks: by the rearrangement
  inequality it is never below the true AP@10 and it can exceed 1 (ranks 4, 3, 2, 1, 0 give
  1.74). This convention reproduces it and warns. No audio-to-text mean or median rank.
Ties: `torch.argsort` leaves equal scores' order unspecified; here the lower index comes first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .base import Convention, ConventionResult, Direction, Metric, check_relevance
from .ranks import (
    IntArray,
    position_in_query,
    relevant_ranks,
    segment_min,
    segment_sum,
    sort_within_queries,
)

NAME = "laion-clap"
TIE_RULE = "score descending, equal scores by item index ascending (stable sort)"
UNSORTED_WARNING = (
    "laion-clap audio-to-text mAP@{k} is not an average precision: LAION-CLAP takes a clip's "
    "caption ranks in caption order, unsorted, so the value is never below the true AP@{k} and "
    "can exceed 1 ({above} of {n} clips above their true AP@{k}, {over} above 1, largest {top:.4f})"
)


def compute(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
            direction: Direction, recall_ks: tuple[int, ...] = (1, 5, 10),
            map_k: int = 10) -> ConventionResult:
    t2a = direction == "text-to-audio"
    check_relevance(indptr, NAME, single=t2a)
    ranks = relevant_ranks(sim, indptr, indices, "stable")
    counts = np.diff(indptr).astype(np.float64)
    if t2a:
        metrics = {f"R@{k}": Metric((ranks < k).astype(np.float64)) for k in recall_ks}
        metrics[f"mAP@{map_k}"] = Metric(np.where(ranks < map_k, 1.0 / (ranks + 1.0), 0.0))
        metrics["mean rank"] = Metric(ranks + 1.0)
        metrics["median rank"] = Metric(ranks + 1.0, "median-floor")
        return ConventionResult(metrics)
    best = segment_min(ranks, indptr)
    metrics = {f"R@{k}": Metric((best < k).astype(np.float64)) for k in recall_ks}
    inside = ranks < map_k
    numerator = position_in_query(inside, indptr)
    ap = segment_sum(np.where(inside, numerator / (ranks + 1.0), 0.0), indptr) / counts
    metrics[f"mAP@{map_k}"] = Metric(ap)
    ordered = ranks[sort_within_queries(ranks, indptr)]
    true_ap = segment_sum(np.where(ordered < map_k, position_in_query(ordered < map_k, indptr)
                                   / (ordered + 1.0), 0.0), indptr) / counts
    warning = UNSORTED_WARNING.format(
        k=map_k, above=int(np.count_nonzero(ap > true_ap * (1 + 1e-12))), n=ap.size,
        over=int(np.count_nonzero(ap > 1.0)), top=float(ap.max()) if ap.size else 0.0)
    return ConventionResult(metrics, [warning])


CONVENTION = Convention(
    name=NAME,
    source="LAION-AI/CLAP 1fd4c37, src/laion_clap/training/train.py (evaluate_clotho_audiocaps)",
    tie_rule=TIE_RULE, directions=("text-to-audio", "audio-to-text"), compute=compute)

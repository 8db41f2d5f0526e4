"""`audio-retrieval-benchmark`: akoepke/audio-retrieval-benchmark's retrieval metrics.

Source: akoepke/audio-retrieval-benchmark, commit 55dce73, `model/metric.py`: `t2v_metrics`,
`v2t_metrics` and `cols2metrics`. A relevant item's rank is the mean position of its tie block
("averaging", 0-based): a = #{greater} + (#{equal} - 1) / 2, found by comparing the sorted row
with the item's score. A query's rank c is the best (smallest) over its relevant items: its
v2t takes the minimum over a video's captions, its t2v has one video per caption. Then
    R@1 = 100 * [c == 0]   (a tie at the top averages above 0 and is a miss)
    R@k = 100 * [c < k]    (k = 5, 10, 50)
    median rank = median(c) + 1  (np.median, no floor: can be fractional)
    mean rank   = mean(c) + 1
all in percent, as its output prints them. Its model-selection number
`geometric_mean_R1-R5-R10` is the geometric mean of the three aggregated recalls.
Ties: averaged, deterministic, and symmetric in the tied items.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .base import Convention, ConventionResult, Direction, Metric, check_relevance
from .ranks import IntArray, relevant_ranks, segment_min

NAME = "audio-retrieval-benchmark"
TIE_RULE = "tied scores share the mean of their positions (averaged ranks)"


def compute(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
            direction: Direction, recall_ks: tuple[int, ...] = (1, 5, 10, 50),
            map_k: int = 10) -> ConventionResult:
    del map_k  # the benchmark reports no mAP for retrieval
    check_relevance(indptr, NAME)
    best = segment_min(relevant_ranks(sim, indptr, indices, "average"), indptr)
    metrics = {}
    for k in recall_ks:
        hit = best == 0 if k == 1 else best < k
        metrics[f"R@{k}"] = Metric(np.where(hit, 100.0, 0.0))
    metrics["median rank"] = Metric(best + 1.0, "median")
    metrics["mean rank"] = Metric(best + 1.0)
    return ConventionResult(metrics)


CONVENTION = Convention(
    name=NAME,
    source="akoepke/audio-retrieval-benchmark 55dce73, model/metric.py "
           "(t2v_metrics, v2t_metrics, cols2metrics)",
    tie_rule=TIE_RULE, directions=("text-to-audio", "audio-to-text"), compute=compute)

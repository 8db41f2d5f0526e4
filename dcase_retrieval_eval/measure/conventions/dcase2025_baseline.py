"""`dcase2025-baseline`: the DCASE 2025 task 6 baseline's validation and test metrics.

Source: CPJKU/dcase2025_task6_baseline, commit c78422f, `d25_t6/retrieval_module.py`,
`AudioRetrievalModel.on_validation_epoch_end`. Text-to-audio only. With one relevant clip per
caption (its one-to-one pairs) the hook takes `C.topk(10)` and logs, with r the 0-based rank of
the caption's clip,
    R@k = [r < k]            (k = 1, 5, 10)
    mAP@10 = 1 / (r + 1) if r < 10 else 0
With several relevant clips (`resources/metadata_eval.csv`, its `*_multiple_positives/mAP@10`)
it sorts the relevant clips' ranks r_(1) < ... < r_(R) and logs
    AP@10 = sum over i with r_(i) < 10 of i / (r_(i) + 1), divided by R (not min(R, 10));
it computes no R@k there, and neither does this convention. Both are the same formula when R = 1.
Ties: the code's `torch.topk` / `torch.argsort` leave the order of equal scores unspecified
(torch 2.13 on CPU: `topk` leaves index order on four items, `argsort` past a few dozen);
here equal scores rank the lower item index first, as `torch.argsort(-c, stable=True)` does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .base import Convention, ConventionResult, Direction, Metric, check_relevance
from .ranks import IntArray, position_in_query, relevant_ranks, segment_sum, sort_within_queries

NAME = "dcase2025-baseline"
TIE_RULE = "score descending, equal scores by item index ascending (stable sort)"


def compute(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
            direction: Direction, recall_ks: tuple[int, ...] = (1, 5, 10),
            map_k: int = 10) -> ConventionResult:
    check_relevance(indptr, NAME)
    counts = np.diff(indptr).astype(np.float64)
    ranks = relevant_ranks(sim, indptr, indices, "stable")
    order = sort_within_queries(ranks, indptr)
    ordered = ranks[order]
    position = position_in_query(np.ones(ordered.size, bool), indptr)
    precision = np.where(ordered < map_k, position / (ordered + 1.0), 0.0)
    metrics = {f"mAP@{map_k}": Metric(segment_sum(precision, indptr) / counts)}
    if counts.size and counts.max() == 1:
        for k in recall_ks:
            metrics[f"R@{k}"] = Metric((ranks < k).astype(np.float64))
    return ConventionResult(metrics)


CONVENTION = Convention(
    name=NAME,
    source="CPJKU/dcase2025_task6_baseline c78422f, d25_t6/retrieval_module.py "
           "(on_validation_epoch_end)",
    tie_rule=TIE_RULE, directions=("text-to-audio",), compute=compute)

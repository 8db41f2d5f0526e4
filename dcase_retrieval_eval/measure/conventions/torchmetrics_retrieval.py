"""`torchmetrics` / `torchmetrics-1.7.3`: TorchMetrics' RetrievalRecall, RetrievalHitRate and
RetrievalMAP on a score matrix, each query one `indexes` group.

Source: Lightning-AI/torchmetrics v1.9.0 (commit 700261d), `functional/retrieval/recall.py`,
`hit_rate.py`, `average_precision.py` and `retrieval/base.py` (`RetrievalMetric.compute`).
With r the 0-based rank and G the relevant items (R = |G|) of a query:
    R@k (RetrievalRecall(top_k=k))      = |{j in G : r_j < k, s_j > 0}| / R
    Success@k (RetrievalHitRate(top_k=k)) = [some j in G has r_j < k]     (no score filter)
    mAP@k (RetrievalMAP(top_k=k))      = mean over the M items of H = {j in G : r_j < k, s_j > 0},
                                          in rank order, of m / (r_(m) + 1); 0 when M = 0.
MAP divides by M, the relevant items retrieved in the top k, not by R. The filter s_j > 0 (a
relevant item whose score is at most 0 never counts) came with 1.7.4 (commit 4bc8f5b, PR #3160)
and holds to 1.9.0; `torchmetrics-1.7.3` is the same without it (1.0.0 to 1.7.3; before 1.0
RetrievalMAP had no top_k). A query without relevant items follows `empty_target_action`:
"neg" (default) scores 0, "pos" 1, "skip" leaves it out of the mean, "error" refuses; every
query skipped gives 0.
Ties: Recall and HitRate order by `torch.argsort`, MAP by `torch.topk`, and `compute` regroups
the rows with an unstable `torch.sort(indexes)`: the order of equal scores is unspecified.
Here equal scores rank the lower item index first.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from .base import Convention, ConventionError, ConventionResult, Direction, Metric
from .ranks import (
    IntArray,
    pair_queries,
    position_in_query,
    relevant_ranks,
    segment_sum,
    sort_within_queries,
)

EmptyTargetAction = Literal["neg", "pos", "skip", "error"]
TIE_RULE = "score descending, equal scores by item index ascending (stable sort)"


def _compute(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
             positive_only: bool, recall_ks: tuple[int, ...], map_k: int,
             empty_target_action: EmptyTargetAction) -> ConventionResult:
    if empty_target_action not in ("neg", "pos", "skip", "error"):
        raise ConventionError(
            f"empty_target_action must be neg, pos, skip or error, not {empty_target_action!r}")
    counts = np.diff(indptr)
    empty = counts == 0
    if empty.any() and empty_target_action == "error":
        raise ConventionError(
            f"torchmetrics: query {int(np.flatnonzero(empty)[0])} has no relevant item "
            "(empty_target_action='error')")
    ranks = relevant_ranks(sim, indptr, indices, "stable")
    items = np.asarray(indices, dtype=np.int64)
    counts_f = np.maximum(counts, 1).astype(np.float64)
    if positive_only:
        scores = np.asarray(sim[pair_queries(indptr), items], dtype=np.float64)
        counted = scores > 0
    else:
        counted = np.ones(ranks.size, bool)
    per_query: dict[str, npt.NDArray[np.float64]] = {}
    for k in recall_ks:
        per_query[f"R@{k}"] = segment_sum(((ranks < k) & counted).astype(np.float64),
                                          indptr) / counts_f
        per_query[f"Success@{k}"] = (segment_sum((ranks < k).astype(np.float64), indptr)
                                     > 0).astype(np.float64)
    order = sort_within_queries(ranks, indptr)
    ordered, kept_hit = ranks[order], ((ranks < map_k) & counted)[order]
    retrieved = segment_sum(kept_hit.astype(np.float64), indptr)
    precision = np.where(kept_hit, position_in_query(kept_hit, indptr) / (ordered + 1.0), 0.0)
    per_query[f"mAP@{map_k}"] = np.where(
        retrieved > 0, segment_sum(precision, indptr) / np.maximum(retrieved, 1.0), 0.0)
    kept: npt.NDArray[np.bool_] | None = None
    for values in per_query.values():
        values[empty] = 1.0 if empty_target_action == "pos" else 0.0
    if empty_target_action == "skip" and empty.any():
        kept = ~empty
        per_query = {name: values[kept] for name, values in per_query.items()}
    return ConventionResult({name: Metric(v) for name, v in per_query.items()}, kept=kept)


def compute(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
            direction: Direction, recall_ks: tuple[int, ...] = (1, 5, 10), map_k: int = 10,
            empty_target_action: EmptyTargetAction = "neg") -> ConventionResult:
    """TorchMetrics 1.7.4 to 1.9.0."""
    return _compute(sim, indptr, indices, True, recall_ks, map_k, empty_target_action)


def compute_1_7_3(sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
                  direction: Direction, recall_ks: tuple[int, ...] = (1, 5, 10),
                  map_k: int = 10, empty_target_action: EmptyTargetAction = "neg",
                  ) -> ConventionResult:
    """TorchMetrics 1.0.0 to 1.7.3: no score filter."""
    return _compute(sim, indptr, indices, False, recall_ks, map_k, empty_target_action)


_SOURCE = ("Lightning-AI/torchmetrics {tag}, src/torchmetrics/functional/retrieval/"
           "{{recall,hit_rate,average_precision}}.py, src/torchmetrics/retrieval/base.py")
CONVENTION = Convention(
    name="torchmetrics", source=_SOURCE.format(tag="v1.9.0 (700261d); rule since v1.7.4"),
    tie_rule=TIE_RULE, directions=("text-to-audio", "audio-to-text"), compute=compute,
    options=("empty_target_action",))
CONVENTION_1_7_3 = Convention(
    name="torchmetrics-1.7.3", source=_SOURCE.format(tag="v1.7.3 (1.0.0 to 1.7.3)"),
    tie_rule=TIE_RULE, directions=("text-to-audio", "audio-to-text"), compute=compute_1_7_3,
    options=("empty_target_action",))

"""The `dcase` convention: the edition's official definitions (TASK.md), computed with the same
kernels as `score` on the top-k list that a submission of this matrix would hold.

Ties: score descending, then item index ascending (a stable sort; never looks at relevance).
Text-to-audio follows the edition exactly (AP normalisation, relevance rule, cut-offs).
Audio-to-text uses the same AP@k and R@k definitions with the clip's captions as its relevant
set, AP divided by R (the 2022 "none" normalisation equals dividing by R only when R = 1).
Extra measures: P@k = hits in the top k / k; MRR@k = 1/position of the first relevant item
if within k, else 0; Success@k = 1 when any relevant item is within k; mean_rank and
median_rank = the full 1-based position of the first relevant item in the whole ranking
(not cut at k), NaN for a query without a relevant item (left out of the mean and median).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..metrics import average_precision, hit_matrix, recall_at_each
from ..ndcg import gain_matrix, ideal_dcg, ndcg_at, per_query_scaled
from .spec import Context, MetricSpec, RankStats, StatsResult

TIE_RULE = "score descending, then item index ascending (stable; relevance never consulted)"


def ranking_matrix(stats: RankStats, depth: int) -> npt.NDArray[np.int32]:
    """ranks[q, p]: the judged item at position p + 1 of query q under the stable rule, -1
    where the position holds an unjudged item (all that the kernels need to know of it)."""
    ranks = np.full((stats.n_queries, depth), -1, np.int32)
    pos = stats.above + stats.tied_before  # 0-based, distinct within a query
    keep = pos < depth
    ranks[stats.owner[keep], pos[keep]] = stats.items[keep]
    return ranks


def first_relevant_rank(stats: RankStats) -> npt.NDArray[np.float64]:
    """Full 1-based stable position of each query's best-placed relevant item (NaN: none);
    past the depth a lower bound unless the statistics are complete."""
    out = np.full(stats.n_queries, np.inf)
    pos = stats.positions("stable")
    np.minimum.at(out, stats.owner[stats.relevant], pos[stats.relevant])
    out[np.isinf(out)] = np.nan
    return out


class Dcase:
    name = "dcase"
    tie_rule = TIE_RULE

    def default_metrics(self, ctx: Context) -> list[MetricSpec]:
        e = ctx.edition
        return ([MetricSpec("nDCG", k) for k in e.ndcg_ks]
                + [MetricSpec("mAP", k) for k in e.map_ks]
                + [MetricSpec("R", k) for k in e.recall_ks])

    def compute(self, stats: RankStats, metrics: list[MetricSpec],
                ctx: Context) -> StatsResult:
        ks = [m.k for m in metrics if m.k is not None]
        depth = min(max([*ks, 1]), stats.n_items)  # a deeper k has nothing more to rank
        ranks = ranking_matrix(stats, depth)
        rel = stats.relevant
        rel_indptr = np.zeros(stats.n_queries + 1, np.int64)
        rel_indptr[1:] = np.cumsum(np.bincount(stats.owner[rel], minlength=stats.n_queries))
        rel_items = stats.items[rel]
        hits = hit_matrix(ranks, rel_indptr, rel_items, stats.n_items)
        n_rel = np.diff(rel_indptr)
        norm = ctx.edition.ap_normalization if ctx.direction == "text-to-audio" else "relevant"
        warnings: list[str] = []
        if norm == "none" and bool((n_rel > 1).any()):
            warnings.append(f"edition {ctx.edition.name} sums AP's precisions without dividing "
                            "by R, and some queries have several relevant items: AP can exceed "
                            "1; evaluate with edition='2025' to divide by R")
        recall = recall_at_each(hits, n_rel, sorted({m.k for m in metrics
                                                     if m.kind == "R" and m.k is not None}))
        values: dict[str, npt.NDArray[np.float64]] = {}
        first = (first_relevant_rank(stats)
                 if any(m.kind in ("MRR", "mean_rank", "median_rank") for m in metrics)
                 else np.zeros(0))
        for m in metrics:
            k = m.k or depth
            h = hits[:, :k]
            if m.kind == "mAP":
                values[m.name] = average_precision(hits, n_rel, k, norm)
            elif m.kind == "R":
                values[m.name] = recall[k]
            elif m.kind == "P":
                values[m.name] = np.asarray(np.count_nonzero(h, axis=1) / float(k), np.float64)
            elif m.kind == "Success":
                values[m.name] = np.asarray(h.any(axis=1), np.float64)
            elif m.kind == "MRR":
                values[m.name] = np.where(first <= k, 1.0 / np.nan_to_num(first, nan=1.0), 0.0)
            elif m.kind == "nDCG":
                grades = per_query_scaled(stats.indptr, stats.grades)  # finite for any grades
                gains = gain_matrix(ranks, stats.indptr, stats.items, grades, stats.n_items)
                values[m.name] = ndcg_at(gains, ideal_dcg(stats.indptr, grades, k), k)
            else:
                if not stats.complete:
                    raise ValueError(f"{m.name} needs complete rank statistics")
                values[m.name] = first
        return StatsResult(values=values, hits=hits, warnings=warnings)


CONVENTION = Dcase()

"""`evaluate`: the official metrics (or a named codebase's) on a similarity matrix in memory.

The same `ScoreReport` as `score`, with the same kernels and jackknife CIs. The matrix is read a
block of rows at a time (`rankstats`), so a torch tensor on a GPU stays there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..editions import Edition, get_edition
from ..errors import InputError
from ..formats.ground_truth import GroundTruth, QuerySet
from .arguments import (
    check_confidence,
    check_threshold,
    memory_budget_bytes,
    metric_names,
    no_torch_lookalike,
    score_array,
)
from .conventions.dcase import CONVENTION as DCASE
from .conventions.spec import Context, Direction, MetricSpec, RankStats, parse_metric
from .in_memory import in_memory_report, relevance_csr
from .jackknife import JackknifeStats, jackknife_mean, jackknife_means
from .named import named_relevance, padded_block, padded_matrix, with_name_warnings
from .other_conventions import evaluate_other
from .rankstats import collect, is_tensor, to_numpy
from .scoring import ScoreReport

#: default memory budget of one block of similarity rows (and its comparison temporaries)
DEFAULT_MEMORY_BUDGET = 256 * 2**20
#: boolean arrays of a block's shape alive at once in the kernels (`rankstats.full_counts`)
BOOL_TEMPORARIES = 3


def rows_per_block(n_items: int, itemsize: int, memory_budget: int) -> int:
    """Rows whose block (or its C-contiguous copy) and three boolean temporaries of its shape
    (the kernels' most at once) fit the budget; at least one."""
    per_row = n_items * (itemsize + BOOL_TEMPORARIES)
    return max(1, int(memory_budget // max(per_row, 1)))


def _dtype_size(sim: Any) -> int:
    size = getattr(sim, "itemsize", None)
    if size is None:
        size = sim.element_size() if is_tensor(sim) else np.asarray(sim).itemsize
    return int(size)


def evaluate_blocks(blocks: Callable[[int, int], Any], n_queries: int, n_items: int,
                    relevance: Any, *, edition: str | Edition, direction: Direction,
                    convention: str, metrics: Sequence[str] | None, confidence: float,
                    block_rows: int, relevance_threshold: float = 1.0,
                    scored_items: int | None = None) -> ScoreReport:
    """The report of a similarity matrix given as row blocks `blocks(lo, hi)`. `scored_items`:
    the columns holding scores when others are appended (a named matrix's -inf columns, tied by
    construction: no cut-off among them is a tie to warn about)."""
    if direction not in ("text-to-audio", "audio-to-text"):
        raise ValueError("direction is 'text-to-audio' or 'audio-to-text'")
    if n_queries < 1 or n_items < 1:
        raise InputError("the similarity matrix is empty")
    ed = edition if isinstance(edition, Edition) else get_edition(edition)
    if convention != "dcase":
        return evaluate_other(to_numpy(blocks(0, n_queries)), relevance, ed, direction,
                              convention, metrics, confidence, relevance_threshold)
    conv = DCASE
    ctx = Context(edition=ed, direction=direction)
    specs = conv.default_metrics(ctx) if metrics is None else [parse_metric(m) for m in metrics]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"a metric is asked for twice: {names}")
    depth = max([s.k for s in specs if s.k is not None] + [1])
    indptr, items, grades, relevant = relevance_csr(relevance, n_queries, n_items,
                                                    relevance_threshold)
    scored = n_items if scored_items is None else scored_items
    cuts = tuple(sorted({s.k for s in specs if s.k is not None and s.k < scored}))
    full = any(s.kind in ("mean_rank", "median_rank") for s in specs)
    reach = min(depth, n_items)  # no ranking is deeper than its items, whatever k is asked
    above, before, tied, ties = collect(blocks, n_queries, block_rows, indptr, items, cuts,
                                        reach, full)
    boundary = np.asarray(ties.any(axis=1), bool) if ties.shape[1] else np.zeros(n_queries, bool)
    stats = RankStats(indptr=indptr, items=items, grades=grades, relevant=relevant,
                      above=above, tied_before=before, tied=tied, boundary_tie=boundary,
                      n_items=n_items, depth=reach, complete=full)
    result = conv.compute(stats, specs, ctx)
    warnings = list(result.warnings)
    per_cut = [f"top-{k}: {int(n)}" for k, n in zip(cuts, ties.sum(axis=0), strict=True) if n]
    if per_cut:
        warnings.append(f"{int(boundary.sum())} of {n_queries} queries have tied scores across "
                        f"a cut-off ({', '.join(per_cut)}); broken by {conv.tie_rule}")
    no_rel = int((np.bincount(stats.owner[relevant], minlength=n_queries) == 0).sum())
    if no_rel:
        warnings.append(f"{no_rel} queries have no relevant item (they score 0; ranks NaN)")
    stats_by_name = _summaries(result.values, specs, confidence)
    rel_indptr = np.zeros(n_queries + 1, np.int64)
    rel_indptr[1:] = np.cumsum(np.bincount(stats.owner[relevant], minlength=n_queries))
    return in_memory_report(stats_by_name, result.values, result.hits, depth,
                            (rel_indptr, items[relevant]), ed, conv.name, conv.tie_rule,
                            direction, warnings)


def _summaries(values: dict[str, npt.NDArray[np.float64]], specs: list[MetricSpec],
               confidence: float) -> dict[str, JackknifeStats]:
    """Each metric's summary (`_summary`), the means over every query in one jackknife pass."""
    plain = [s.name for s in specs
             if s.kind != "median_rank" and not np.isnan(values[s.name]).any()]
    done = dict(zip(plain, jackknife_means(np.stack([values[n] for n in plain]), confidence),
                    strict=True)) if plain else {}
    return {s.name: done[s.name] if s.name in done else _summary(values[s.name], s, confidence)
            for s in specs}


def _summary(values: npt.NDArray[np.float64], spec: MetricSpec,
             confidence: float) -> JackknifeStats:
    """The jackknife mean; for median_rank the median (no interval: the jackknife of a median
    is not consistent). NaN values (queries without a relevant item) are left out."""
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        nan = float("nan")
        return JackknifeStats(value=nan, jackknife_estimate=nan, bias=nan, std_err=nan,
                              ci_low=nan, ci_high=nan)
    if spec.kind == "median_rank":
        med, nan = float(np.median(finite)), float("nan")
        return JackknifeStats(value=med, jackknife_estimate=nan, bias=nan, std_err=nan,
                              ci_low=nan, ci_high=nan)
    return jackknife_mean(finite, confidence)


def _deepest(metrics: Sequence[str] | None) -> int:
    """The largest cut-off asked; without a list, that of any convention's defaults (R@50)."""
    if metrics is None:
        return 50
    return max([k for k in (parse_metric(m).k for m in metrics) if k is not None] + [1])


def evaluate(sim: Any, relevance: Any, edition: str | Edition = "2022",
             direction: Direction = "text-to-audio", convention: str = "dcase",
             metrics: Sequence[str] | None = None, *, confidence: float = 0.95,
             relevance_threshold: float | None = None,
             memory_budget: int = DEFAULT_MEMORY_BUDGET, query_names: Any = None,
             item_names: Any = None) -> ScoreReport:
    """Metrics with jackknife CIs of a similarity matrix `sim` (queries x items; NumPy array or
    torch tensor, float16/32/64) against `relevance` (see `relevance_csr`), or against a
    `GroundTruth` with the names of the rows (`query_names`) and columns (`item_names`),
    checked as `validate` checks a file (`measure.named`). `metrics`: names such as "mAP@10",
    "AP@10", "R@5", "nDCG@10", "RR@10", "P@10", "Success@5", "mean_rank", "median_rank";
    None: the convention's defaults for the edition. `relevance_threshold`: the grade from
    which an item counts as relevant (default 1; a GroundTruth's own threshold)."""
    sim = score_array(sim, "sim")
    if len(sim.shape) != 2:
        raise InputError("the similarity matrix must be 2-D (queries x items), not of shape "
                         f"{tuple(int(d) for d in sim.shape)}")
    if direction not in ("text-to-audio", "audio-to-text"):
        raise ValueError("direction is 'text-to-audio' or 'audio-to-text'")
    no_torch_lookalike(relevance, "relevance")
    metrics = metric_names(metrics)
    check_confidence(confidence)
    check_threshold(relevance_threshold)
    memory_budget = memory_budget_bytes(memory_budget)
    n_q, n_items = (int(d) for d in sim.shape)
    named = None
    threshold = 1.0 if relevance_threshold is None else relevance_threshold
    if isinstance(relevance, QuerySet) and not isinstance(relevance, GroundTruth):
        raise ValueError("a QuerySet holds no relevance: give a GroundTruth")
    if isinstance(relevance, GroundTruth):
        if query_names is None or item_names is None:
            raise ValueError("a GroundTruth relevance needs query_names (one per row of sim) "
                             "and item_names (one per column)")
        named = named_relevance(relevance, query_names, item_names, (n_q, n_items),
                                direction, relevance_threshold, _deepest(metrics))
        relevance, threshold = named.relevance, named.threshold
    elif query_names is not None or item_names is not None:
        raise ValueError("query_names and item_names name the matrix for a GroundTruth "
                         "relevance; this relevance is given by index")
    n_pad = named.n_pad if named is not None else 0
    if n_pad and convention != "dcase":
        sim, n_pad = padded_matrix(sim, n_pad), 0
    block = rows_per_block(n_items + n_pad, _dtype_size(sim), memory_budget)
    report = evaluate_blocks(lambda lo, hi: padded_block(sim[lo:hi], n_pad), n_q,
                             n_items + n_pad, relevance, edition=edition, direction=direction,
                             convention=convention, metrics=metrics, confidence=confidence,
                             block_rows=block, relevance_threshold=threshold,
                             scored_items=n_items)
    return report if named is None else with_name_warnings(report, named.check)

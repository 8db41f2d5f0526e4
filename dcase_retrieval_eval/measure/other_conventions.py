"""`evaluate(..., convention=...)` for the other codebases' presets (`measure.conventions`):
their per-query values in the same `ScoreReport` as the `dcase` convention, a mean with its
jackknife interval, a median with its plain value. These presets read the whole matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..editions import Edition
from ..errors import InputError
from .conventions import CONVENTIONS, ConventionError
from .conventions.spec import Direction, parse_metric
from .in_memory import in_memory_report, relevance_csr
from .jackknife import JackknifeStats, jackknife_mean
from .scoring import ScoreReport


def evaluate_other(sim: npt.NDArray[np.floating], relevance: object, ed: Edition,
                   direction: Direction, convention: str, metrics: Sequence[str] | None,
                   confidence: float, relevance_threshold: float = 1.0) -> ScoreReport:
    conv = CONVENTIONS.get(convention)
    if conv is None:
        raise ValueError(f"unknown convention {convention!r}; choose from dcase, "
                         f"{', '.join(CONVENTIONS)}")
    if not np.isfinite(sim).all():
        raise InputError("the similarity matrix holds NaN or infinite scores; they have no rank")
    n_q, n_items = sim.shape
    indptr, items, _, relevant = relevance_csr(relevance, n_q, n_items, relevance_threshold)
    owner = np.repeat(np.arange(n_q), np.diff(indptr))[relevant]
    rel_indptr = np.zeros(n_q + 1, np.int64)
    rel_indptr[1:] = np.cumsum(np.bincount(owner, minlength=n_q))
    rel_items = items[relevant].astype(np.int64)
    wanted = None if metrics is None else [parse_metric(m).name for m in metrics]
    recall_ks = None if wanted is None else tuple(
        int(n.split("@")[1]) for n in wanted if n.startswith("R@"))
    map_ks = [int(n.split("@")[1]) for n in wanted or [] if n.startswith("mAP@")]
    try:
        result = conv.run(sim, rel_indptr, rel_items, direction, recall_ks=recall_ks or None,
                          map_k=map_ks[0] if map_ks else 10)
    except ConventionError as exc:
        raise InputError(str(exc)) from None
    # the codebases' own names ("median rank") -> the names `evaluate` reports
    renamed = {n.replace(" ", "_"): m for n, m in result.metrics.items()}
    names = list(renamed) if wanted is None else wanted
    missing = [n for n in names if n not in renamed]
    if missing:
        raise ValueError(f"{convention} does not report {missing[0]}; it reports "
                         f"{', '.join(renamed)}")
    values: dict[str, npt.NDArray[np.float64]] = {}
    summary: dict[str, JackknifeStats] = {}
    nan = float("nan")
    for name in names:
        metric = renamed[name]
        full = np.full(n_q, np.nan)
        if result.kept is None:
            full[:] = metric.values
        else:
            full[result.kept] = metric.values
        values[name] = full
        if metric.aggregate == "mean" and metric.values.size:
            summary[name] = jackknife_mean(metric.values, confidence)
        else:
            summary[name] = JackknifeStats(value=metric.value(), jackknife_estimate=nan,
                                           bias=nan, std_err=nan, ci_low=nan, ci_high=nan)
    return in_memory_report(summary, values, None, max(n_items, 1),
                            (rel_indptr, rel_items.astype(np.int32)), ed, conv.name,
                            conv.tie_rule, direction, list(result.warnings))

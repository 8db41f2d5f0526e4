"""A similarity matrix in memory, scored under a named convention of another codebase.

`evaluate_convention` is the public door to `measure.conventions`: it accepts what a training
loop holds (a NumPy array or a torch tensor, duck-typed, and the relevance as a query -> item
index array, a boolean matrix or a SciPy CSR matrix), and reports every metric of the
convention with its jackknife interval (means) or its plain value (medians), the tie rule, the
source and the convention's warnings, which are also raised as `UserWarning`s.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from ..errors import InputError
from .arguments import check_confidence, cut_off
from .arguments import cut_offs as checked_cut_offs
from .conventions import CONVENTIONS, ConventionError
from .conventions.base import Direction
from .jackknife import JackknifeStats, jackknife_mean

DIRECTIONS = ("text-to-audio", "audio-to-text")


class ConventionMetric(BaseModel):
    """One number as the codebase aggregates it; `ci` only for a mean (the jackknife of a
    median is not the organizers' interval)."""

    value: float
    aggregate: str
    ci: JackknifeStats | None = None


class ConventionReport(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    convention: str
    source: str
    tie_rule: str
    direction: str
    n_queries: int
    metrics: dict[str, ConventionMetric]
    warnings: list[str]
    per_query: dict[str, npt.NDArray[np.float64]]

    def to_dict(self) -> dict[str, object]:
        """Everything but the per-query arrays, for a logger or JSON."""
        return {
            "convention": self.convention, "source": self.source, "tie_rule": self.tie_rule,
            "direction": self.direction, "n_queries": self.n_queries,
            "metrics": {name: m.model_dump() for name, m in self.metrics.items()},
            "warnings": self.warnings,
        }

    def __str__(self) -> str:
        values = " ".join(f"{name}={m.value:.4f}" for name, m in self.metrics.items())
        return f"[{self.convention} {self.direction}] {values}"


def as_numpy(sim: Any) -> npt.NDArray[np.floating]:
    """A 2-D float array from a NumPy array or a torch tensor (never importing torch)."""
    if hasattr(sim, "detach") and hasattr(sim, "cpu"):
        sim = sim.detach().cpu().numpy()
    array = np.asarray(sim)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"sim must be a non-empty 2-D matrix (queries x items), got shape "
                         f"{array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        if not np.issubdtype(array.dtype, np.integer) and array.dtype != np.bool_:
            raise InputError(f"sim must hold numbers, got dtype {array.dtype}")
        array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        q, j = (int(x) for x in np.argwhere(bad)[0])
        raise InputError(f"sim holds {int(bad.sum())} non-finite scores (first at query {q}, "
                         f"item {j}); a ranking needs finite scores")
    return array


def as_csr(relevance: Any, shape: tuple[int, int]) -> tuple[npt.NDArray[np.int64],
                                                              npt.NDArray[np.int64]]:
    """CSR arrays (items ascending per query) from an index array, a boolean or 0/1 matrix,
    or a SciPy sparse matrix; graded values above 0 count as relevant."""
    n_queries, n_items = shape
    if hasattr(relevance, "tocsr"):  # SciPy sparse, kept sparse
        sparse = relevance.tocsr().copy()
        if tuple(sparse.shape) != shape:
            raise InputError(f"relevance has shape {tuple(sparse.shape)}, sim has {shape}")
        sparse.data = (sparse.data > 0).astype(np.int8)
        sparse.eliminate_zeros()
        sparse.sort_indices()
        return sparse.indptr.astype(np.int64), sparse.indices.astype(np.int64)
    if hasattr(relevance, "detach") and hasattr(relevance, "cpu"):
        relevance = relevance.detach().cpu().numpy()
    rel = np.asarray(relevance)
    if rel.ndim == 1:
        if rel.shape[0] != n_queries or not np.issubdtype(rel.dtype, np.integer):
            raise InputError(f"an index relevance needs one integer item per query "
                             f"({n_queries}), got {rel.shape[0]} of dtype {rel.dtype}")
        if rel.size and (rel.min() < 0 or rel.max() >= n_items):
            raise InputError(f"relevance names items outside 0..{n_items - 1}")
        return np.arange(n_queries + 1, dtype=np.int64), rel.astype(np.int64)
    if rel.shape != shape:
        raise InputError(f"relevance has shape {rel.shape}, sim has {shape}")
    rows, cols = np.nonzero(rel > 0)
    indptr = np.zeros(n_queries + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(rows, minlength=n_queries))
    return indptr, cols.astype(np.int64)


def boundary_ties(sim: npt.NDArray[np.floating], ks: set[int]) -> dict[int, int]:
    """Queries whose k-th and (k+1)-th best scores are equal, per cut-off k: their numbers
    depend on the tie rule."""
    n_items = sim.shape[1]
    cuts = sorted(k for k in ks if 0 < k < n_items)
    if not cuts:
        return {}
    kth = sorted({n_items - k for k in cuts} | {n_items - k - 1 for k in cuts})
    part = np.partition(sim, kth, axis=1)
    return {k: int(np.count_nonzero(part[:, n_items - k] == part[:, n_items - k - 1]))
            for k in cuts}


def evaluate_convention(sim: Any, relevance: Any, convention: str,
                        direction: Direction = "text-to-audio",
                        recall_ks: tuple[int, ...] | None = None, map_k: int = 10,
                        confidence: float = 0.95, **options: object) -> ConventionReport:
    """Score `sim` (queries x items, higher is better) as the named codebase does.

    `recall_ks=None` keeps the codebase's own cut-offs; `options` are the convention's own
    (TorchMetrics' `empty_target_action`)."""
    spec = CONVENTIONS.get(convention)
    if spec is None:
        raise InputError(f"unknown convention {convention!r}; known: {', '.join(CONVENTIONS)}")
    if direction not in DIRECTIONS:
        raise InputError(f"direction must be text-to-audio or audio-to-text, not {direction!r}")
    recall_ks = checked_cut_offs(recall_ks, "recall_ks")
    map_k = cut_off(map_k, "map_k")
    check_confidence(confidence)
    matrix = as_numpy(sim)
    indptr, indices = as_csr(relevance, matrix.shape)
    try:
        result = spec.run(matrix, indptr, indices, direction, recall_ks=recall_ks,
                          map_k=map_k, **options)
    except ConventionError as error:
        raise InputError(str(error)) from None
    cut_offs = {int(name.split("@")[1]) for name in result.metrics if "@" in name}
    messages = list(result.warnings)
    if spec.tie_rule.startswith("score descending"):
        for k, count in boundary_ties(matrix, cut_offs).items():
            if count:
                messages.append(f"{count} of {matrix.shape[0]} queries have equal scores "
                                f"straddling the top-{k} cut-off; their numbers follow the tie "
                                f"rule ({spec.tie_rule})")
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    metrics = {}
    for name, metric in result.metrics.items():
        ci = (jackknife_mean(metric.values, confidence)
              if metric.aggregate == "mean" and metric.values.size else None)
        metrics[name] = ConventionMetric(value=metric.value(), aggregate=metric.aggregate, ci=ci)
    kept = result.kept
    return ConventionReport(
        convention=spec.name, source=spec.source, tie_rule=spec.tie_rule, direction=direction,
        n_queries=int(matrix.shape[0] if kept is None else kept.sum()), metrics=metrics,
        warnings=messages,
        per_query={name: m.values for name, m in result.metrics.items()})

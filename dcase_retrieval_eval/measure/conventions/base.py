"""What a named convention is: a source, a tie rule and per-query values for each metric.

A convention reproduces one public codebase's numbers. Each metric is a per-query vector plus
how the codebase aggregates it: a mean (every codebase averages over queries without weights,
so the jackknife interval applies), or a median of 1-based ranks, with or without a floor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from .ranks import FloatArray, IntArray

Direction = Literal["text-to-audio", "audio-to-text"]
Aggregate = Literal["mean", "median", "median-floor"]


class ConventionError(ValueError):
    """The input cannot be evaluated under this convention (the codebase would not run on it)."""


@dataclass(frozen=True)
class Metric:
    """One reported number: per-query values and how the codebase aggregates them."""

    values: FloatArray
    aggregate: Aggregate = "mean"

    def value(self) -> float:
        if self.values.size == 0:
            return 0.0
        if self.aggregate == "mean":
            return float(np.mean(self.values))
        median = float(np.median(self.values))
        return float(np.floor(median)) if self.aggregate == "median-floor" else median


@dataclass(frozen=True)
class ConventionResult:
    """Metrics by name; `kept` marks the queries they cover when a convention drops some
    (TorchMetrics' `empty_target_action="skip"`), else None (all queries)."""

    metrics: dict[str, Metric]
    warnings: list[str] = field(default_factory=list)
    kept: npt.NDArray[np.bool_] | None = None


Compute = Callable[..., ConventionResult]


@dataclass(frozen=True)
class Convention:
    """A named preset: where it comes from, how it breaks ties, and its computation.

    `compute(sim, indptr, indices, direction, **options)` takes a float matrix (queries x items)
    and the relevant items of each query as CSR arrays (ascending within a query)."""

    name: str
    source: str
    tie_rule: str
    directions: tuple[Direction, ...]
    compute: Compute
    options: tuple[str, ...] = ()

    def run(self, sim: npt.NDArray[np.floating], indptr: IntArray, indices: IntArray,
            direction: Direction, recall_ks: tuple[int, ...] | None = None, map_k: int = 10,
            **options: object) -> ConventionResult:
        """`compute` after checking the direction and the option names; `recall_ks=None` is
        the codebase's own list of cut-offs."""
        if direction not in self.directions:
            raise ConventionError(f"{self.name} evaluates {' and '.join(self.directions)} only, "
                                  f"not {direction}")
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            allowed = ", ".join(self.options) or "none"
            raise ConventionError(f"{self.name} has no option {unknown[0]!r} (options: {allowed})")
        if recall_ks is not None:
            options["recall_ks"] = tuple(recall_ks)
        return self.compute(sim, indptr, indices, direction, map_k=map_k, **options)


def check_relevance(indptr: IntArray, name: str, *, single: bool = False) -> None:
    """Refuse queries the codebase could not score: none relevant, or (single) several."""
    counts = np.diff(indptr)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise ConventionError(
            f"{name}: query {int(empty[0])} has no relevant item ({empty.size} such queries); "
            "the codebase divides by the number of relevant items")
    if single and counts.size and int(counts.max()) > 1:
        many = int(np.flatnonzero(counts > 1)[0])
        raise ConventionError(
            f"{name}: query {many} has {int(counts[many])} relevant items; this direction of the "
            "codebase scores one relevant item per query")

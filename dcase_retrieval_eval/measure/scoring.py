"""Scoring: aligned rankings x ground truth -> per-query values -> means with jackknife CIs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from ..check.validation import Alignment, ValidationReport, validate_submission
from ..editions import Edition
from ..errors import InputError, ScoringRefused
from ..findings import ShownText
from ..formats.ground_truth import GroundTruth
from ..formats.submission import TIE_RULE, Submission
from .jackknife import JackknifeStats, jackknife_mean
from .metrics import average_precision, first_positions, hit_matrix, recall_at_each
from .ndcg import gain_matrix, ideal_dcg, ndcg_at, per_query_scaled


class Policy(BaseModel):
    """How defects were treated; printed with the scores whenever any defect was forgiven."""

    mode: Literal["strict", "lenient"]
    missing_queries: int = 0
    extra_rows_ignored: int = 0
    duplicate_rows_ignored: int = 0
    unknown_files_as_misses: int = 0
    repeated_files_counted_once: int = 0
    short_rankings: int = 0
    #: rows for queries outside the ground truth, ignored as asked (`only_gt_queries`)
    outside_rows_ignored: int = 0
    tie_rule: str = TIE_RULE

    def describe(self) -> str:
        outside = (f" {self.outside_rows_ignored} rows for queries outside the ground truth "
                   "ignored (only its queries scored)." if self.outside_rows_ignored else "")
        if self.mode == "strict":
            return "strict: the submission is valid; nothing was forgiven." + outside
        return (
            "lenient: "
            f"{self.missing_queries} missing queries scored 0; "
            f"{self.extra_rows_ignored} extra rows ignored; "
            f"{self.duplicate_rows_ignored} duplicate rows ignored (first row kept); "
            f"{self.unknown_files_as_misses} unknown files counted as misses; "
            f"{self.repeated_files_counted_once} repeated files counted once at their first "
            f"position; {self.short_rankings} short rankings scored as given."
        ) + outside


class PerQuery(BaseModel):
    """Per-query values in ground-truth order (arrays kept as numpy, not serialised), with the
    relevant files as scored (CSR indices into the ground truth's audio list)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    values: dict[str, npt.NDArray[np.float64]]
    hits: npt.NDArray[np.bool_]
    rel_indptr: npt.NDArray[np.int64] | None = None
    rel_indices: npt.NDArray[np.int32] | None = None

    @property
    def positions(self) -> list[list[int]]:
        """1-based positions of the relevant files found, per query."""
        return first_positions(self.hits)


class ScoreReport(BaseModel):
    """Means with jackknife CIs per metric; `per_query` holds what the tests and `rank` pair on."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    submission: ShownText
    ground_truth: ShownText
    n_queries: int
    edition: str
    k: int
    main_metric: str
    policy: Policy
    metrics: dict[str, JackknifeStats]
    validation: ValidationReport
    per_query: PerQuery | None = None
    #: in-memory evaluation only (`evaluate`): the convention, direction and tie rule used, and
    #: warnings such as ties across the top-k boundary; None / empty for `score`
    convention: str | None = None
    direction: str | None = None
    tie_rule: str | None = None
    warnings: list[str] = []

    def __str__(self) -> str:
        """One line for a training log: every metric with its CI."""
        parts = [f"{name} {m.value:.4f} [{m.ci_low:.4f}, {m.ci_high:.4f}]"
                 for name, m in self.metrics.items()]
        head = f"{self.direction} " if self.direction else ""
        tail = f" ({len(self.warnings)} warning(s))" if self.warnings else ""
        return f"{head}n={self.n_queries}: " + ", ".join(parts) + tail

    def to_pandas(self, per_query: bool = False) -> Any:
        """A pandas DataFrame (pandas is imported here, only when asked): one row per metric
        (value, CI, standard error), or with `per_query` one row per query, one column per
        metric."""
        import pandas as pd

        if per_query:
            if self.per_query is None:
                raise ValueError("this report kept no per-query values")
            return pd.DataFrame(dict(self.per_query.values))
        rows = [{"metric": name, **m.model_dump()} for name, m in self.metrics.items()]
        return pd.DataFrame(rows).set_index("metric")

    def to_dict(self) -> dict[str, object]:
        """The JSON document of `dcase-eval score --format json` (plus, for `evaluate`, the
        convention, direction, tie rule and warnings)."""
        extra: dict[str, object] = {} if self.convention is None else {
            "convention": self.convention, "direction": self.direction,
            "tie_rule": self.tie_rule, "warnings": list(self.warnings)}
        return {
            "submission": self.submission,
            "ground_truth": self.ground_truth,
            "n_queries": self.n_queries,
            "edition": self.edition,
            "k": self.k,
            "main_metric": self.main_metric,
            "policy": self.policy.model_dump(),
            "metrics": {name: m.model_dump() for name, m in self.metrics.items()},
            "findings": {"errors": self.validation.errors, "warnings": self.validation.warnings,
                         "counts": self.validation.counts},
            **extra,
        }


@dataclass
class _Measured:
    values: dict[str, npt.NDArray[np.float64]]
    hits: npt.NDArray[np.bool_]
    rel_indptr: npt.NDArray[np.int64]
    rel_indices: npt.NDArray[np.int32]


def scored_relevance(
    gt: GroundTruth, edition: Edition
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """The relevant files the edition counts, as CSR arrays: all of them, or (`relevance` =
    "last") only the last one the ground truth lists for each query (see `Edition`)."""
    n_rel = gt.n_relevant
    if edition.relevance == "all" or not bool((n_rel > 1).any()):
        return gt.rel_indptr, gt.rel_indices
    has = n_rel > 0
    indptr = np.zeros(len(n_rel) + 1, np.int64)
    indptr[1:] = np.cumsum(has)
    return indptr, gt.rel_indices[gt.rel_indptr[1:][has] - 1]


def measure(alignment: Alignment, gt: GroundTruth, edition: Edition) -> _Measured:
    """Per-query metric vectors for every metric of the edition."""
    indptr, indices = scored_relevance(gt, edition)
    hits = hit_matrix(alignment.ranks, indptr, indices, len(gt.audio))
    n_rel = np.diff(indptr)
    recalls = recall_at_each(hits, n_rel, edition.recall_ks)
    if edition.ndcg_ks:
        judged_indptr, judged, grades = gt.judgements()
        grades = per_query_scaled(judged_indptr, grades)  # finite sums for any finite grades
        gains = gain_matrix(alignment.ranks, judged_indptr, judged, grades, len(gt.audio))
    values: dict[str, npt.NDArray[np.float64]] = {}
    for name, kind, k in edition.metrics:
        if kind == "nDCG":
            values[name] = ndcg_at(gains, ideal_dcg(judged_indptr, grades, k), k)
        elif kind == "mAP":
            values[name] = average_precision(hits, n_rel, k, edition.ap_normalization)
        else:
            values[name] = recalls[k]
    return _Measured(values, hits[:, : max(edition.map_ks)], indptr, indices)


#: Findings that mean the file could not be read (too large, empty, binary, not UTF-8,
#: unreadable, no usable header or no row, or a record so wide that reading stopped there): a
#: lenient score of such a file would be a false 0, or count the rows never read as missing
#: queries, so it is refused even when lenient.
UNREADABLE = frozenset({"F101", "F102", "F103", "F104", "F105", "C201", "C202", "C203", "C208",
                        "C212"})


def score_aligned(
    sub: Submission, gt: GroundTruth, edition: Edition, *, lenient: bool = False,
    confidence: float = 0.95, keep_per_query: bool = True, only_gt_queries: bool = False,
) -> ScoreReport:
    """Validate, then score; refuses an invalid submission unless `lenient`.
    `only_gt_queries`: rows for queries outside `gt` are ignored (see `validate_submission`)."""
    report, alignment = validate_submission(sub, gt, edition.depth,
                                            only_gt_queries=only_gt_queries)
    unreadable = sorted(c for c in report.counts if c in UNREADABLE)
    if unreadable:
        raise InputError(
            f"{sub.path} cannot be read as a submission ({', '.join(unreadable)}); nothing in "
            "it can be scored, even leniently", report.findings, report.counts)
    if not report.valid and not lenient:
        raise ScoringRefused(sub.path, report.errors, report.findings, report.counts)
    policy = Policy(
        mode="lenient" if not report.valid else "strict",
        missing_queries=alignment.missing_queries,
        extra_rows_ignored=alignment.extra_rows,
        duplicate_rows_ignored=alignment.duplicate_rows,
        unknown_files_as_misses=alignment.unknown_files,
        repeated_files_counted_once=alignment.repeated_files,
        short_rankings=alignment.short_rows,
        outside_rows_ignored=alignment.outside_rows,
        tie_rule=sub.tie_rule,
    )
    measured = measure(alignment, gt, edition)
    metrics = {name: jackknife_mean(v, confidence) for name, v in measured.values.items()}
    return ScoreReport(
        submission=sub.path,
        ground_truth=gt.source,
        n_queries=gt.n_queries,
        edition=edition.name,
        k=edition.main_k,
        main_metric=edition.main_metric,
        policy=policy,
        metrics=metrics,
        validation=report,
        per_query=PerQuery(values=measured.values, hits=measured.hits,
                           rel_indptr=measured.rel_indptr, rel_indices=measured.rel_indices)
        if keep_per_query else None,
    )

"""The public Python API: the same answers as the CLI, which only wraps these functions."""

from __future__ import annotations

from pathlib import Path

from .check.validation import ValidationReport, validate_submission
from .editions import Edition, resolve_edition
from .formats.ground_truth import (
    GroundTruth,
    QuerySet,
    load_ground_truth,
    prepare_ground_truth,
)
from .formats.submission import Submission, SubmissionFormat, load_submission
from .io.csvread import DEFAULT_MAX_BYTES
from .io.overlap import overlapped
from .measure.scoring import ScoreReport, score_aligned


def _as_submission(submission: Submission | str | Path, max_bytes: int) -> Submission:
    if isinstance(submission, Submission):
        return submission
    return load_submission(submission, max_bytes=max_bytes)


def _as_ground_truth(gt: GroundTruth | str | Path) -> GroundTruth:
    return gt if isinstance(gt, GroundTruth) else load_ground_truth(gt)


def validate(
    submission: Submission | str | Path,
    against: QuerySet | str | Path,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ValidationReport:
    """Every defect of a submission against a ground truth or a query set, in one report."""
    qs, sub = overlapped(
        lambda: against if isinstance(against, QuerySet) else load_ground_truth(against),
        lambda: _as_submission(submission, max_bytes))
    report, _ = validate_submission(sub, qs, resolve_edition(edition, qs, k).depth)
    return report


def score(
    submission: Submission | str | Path,
    gt: GroundTruth | str | Path,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    lenient: bool = False,
    confidence: float = 0.95,
    max_bytes: int = DEFAULT_MAX_BYTES,
    relevance_threshold: float | None = None,
) -> ScoreReport:
    """Official metrics with jackknife CIs; raises `InputError` for an invalid submission unless
    `lenient` (then the policy and its counts are in the report). `relevance_threshold`
    (graded ground truth): the grade from which a file counts for mAP and R@k (default 1)."""
    truth, sub = overlapped(lambda: _as_ground_truth(gt),
                            lambda: _as_submission(submission, max_bytes))
    if relevance_threshold is not None:
        truth = truth.with_relevance_threshold(relevance_threshold)
    return score_aligned(sub, truth, resolve_edition(edition, truth, k), lenient=lenient,
                         confidence=confidence)


__all__ = [
    "Edition", "GroundTruth", "QuerySet", "ScoreReport", "Submission", "SubmissionFormat",
    "ValidationReport", "load_ground_truth", "load_submission", "prepare_ground_truth",
    "resolve_edition", "score", "validate",
]

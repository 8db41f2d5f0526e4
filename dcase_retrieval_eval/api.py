"""The public Python API: the same answers as the CLI, which only wraps these functions."""

from __future__ import annotations

from pathlib import Path

from .check.validation import ValidationReport, validate_submission
from .editions import Edition, check_k, resolve_edition
from .formats.folders import without_folders
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


def _as_submission(submission: Submission | str | Path, max_bytes: int,
                   strip_folders: bool = False) -> Submission:
    sub = (submission if isinstance(submission, Submission)
           else load_submission(submission, max_bytes=max_bytes))
    return without_folders(sub) if strip_folders else sub


def _as_ground_truth(gt: GroundTruth | str | Path, max_bytes: int) -> GroundTruth:
    return gt if isinstance(gt, GroundTruth) else load_ground_truth(gt, max_bytes=max_bytes)


def validate(
    submission: Submission | str | Path,
    against: QuerySet | str | Path,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strip_folders: bool = False,
) -> ValidationReport:
    """Every defect of a submission against a ground truth or a query set, in one report.
    `strip_folders`: compare ranked names by their base names (a top-k file whose cells hold
    paths), with one warning (A407) instead of an error (A406)."""
    check_k(k)  # before any file is read
    qs, sub = overlapped(
        lambda: against if isinstance(against, QuerySet) else load_ground_truth(
            against, max_bytes=max_bytes),
        lambda: _as_submission(submission, max_bytes, strip_folders))
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
    strip_folders: bool = False,
) -> ScoreReport:
    """Official metrics with jackknife CIs; raises `InputError` for an invalid submission unless
    `lenient` (then the policy and its counts are in the report). `relevance_threshold`
    (graded ground truth): the grade from which a file counts for mAP and R@k (default 1).
    `strip_folders`: as for `validate`."""
    check_k(k)
    truth, sub = overlapped(lambda: _as_ground_truth(gt, max_bytes),
                            lambda: _as_submission(submission, max_bytes, strip_folders))
    if relevance_threshold is not None:
        truth = truth.with_relevance_threshold(relevance_threshold)
    return score_aligned(sub, truth, resolve_edition(edition, truth, k), lenient=lenient,
                         confidence=confidence)


__all__ = [
    "Edition", "GroundTruth", "QuerySet", "ScoreReport", "Submission", "SubmissionFormat",
    "ValidationReport", "load_ground_truth", "load_submission", "prepare_ground_truth",
    "resolve_edition", "score", "validate",
]

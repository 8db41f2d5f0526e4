"""The public Python API: the same answers as the CLI, which only wraps these functions."""

from __future__ import annotations

from pathlib import Path

from .csvread import DEFAULT_MAX_BYTES
from .editions import Edition, get_edition
from .ground_truth import GroundTruth, QuerySet, load_ground_truth
from .scoring import ScoreReport, score_aligned
from .submission import Submission, SubmissionFormat, load_submission
from .validation import ValidationReport, validate_submission


def _as_submission(submission: Submission | str | Path, max_bytes: int) -> Submission:
    if isinstance(submission, Submission):
        return submission
    return load_submission(submission, max_bytes=max_bytes)


def _as_ground_truth(gt: GroundTruth | str | Path) -> GroundTruth:
    return gt if isinstance(gt, GroundTruth) else load_ground_truth(gt)


def resolve_edition(edition: str | Edition, gt: QuerySet, k: int | None = None) -> Edition:
    """`auto` picks 2025 for the 2025 correspondence format and for a long-format ground truth
    with several relevant files per query; else 2022. A Clotho captions file stays 2022 even when
    a caption is shared by two files (G601): that is a quirk of the data, not another edition."""
    if isinstance(edition, Edition):
        return edition.with_k(k) if k is not None else edition
    if edition == "auto":
        multi = isinstance(gt, GroundTruth) and (
            gt.format == "correspondence"
            or (gt.format == "long" and bool((gt.n_relevant > 1).any())))
        edition = "2025" if multi else "2022"
    return get_edition(edition, k)


def validate(
    submission: Submission | str | Path,
    against: QuerySet | str | Path,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ValidationReport:
    """Every defect of a submission against a ground truth or a query set, in one report."""
    qs = against if isinstance(against, QuerySet) else load_ground_truth(against)
    sub = _as_submission(submission, max_bytes)
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
) -> ScoreReport:
    """Official metrics with jackknife CIs; raises `InputError` for an invalid submission unless
    `lenient` (then the policy and its counts are in the report)."""
    truth = _as_ground_truth(gt)
    sub = _as_submission(submission, max_bytes)
    return score_aligned(sub, truth, resolve_edition(edition, truth, k), lenient=lenient,
                         confidence=confidence)


__all__ = [
    "Edition", "GroundTruth", "QuerySet", "ScoreReport", "Submission", "SubmissionFormat",
    "ValidationReport", "load_ground_truth", "load_submission", "resolve_edition", "score",
    "validate",
]

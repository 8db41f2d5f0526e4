"""The public Python API: the same answers as the CLI, which only wraps these functions.

`validate` and `score` are defined here; every other public name of the package is served
from the same list (`__init__._EXPORTS`), so that this module and the package agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import dcase_retrieval_eval as package

from . import _EXPORTS
from .editions import Edition, check_k, resolve_edition
from .formats.folders import without_folders
from .formats.ground_truth import GroundTruth, QuerySet
from .formats.prepare import read_for_scoring, read_for_validation
from .formats.submission import Submission
from .io.csvread import DEFAULT_MAX_BYTES

if TYPE_CHECKING:  # the report models load after the inputs are read (tests/test_imports.py)
    from .check.validation import ValidationReport
    from .measure.scoring import ScoreReport


def validate(
    submission: Submission | str | Path,
    against: QuerySet | str | Path | None = None,
    *,
    queries: str | Path | None = None,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    edition: str | Edition = "auto",
    k: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strip_folders: bool = False,
    only_gt_queries: bool = False,
) -> ValidationReport:
    """Every defect of a submission against a ground truth or a query set, in one report.
    Without the ground truth, give `queries` (a CSV with a `caption` column) and the audio set
    (`audio_dir`, a folder of the evaluation files, or `audio_list`, a file naming them), as
    `dcase-eval validate --queries` takes them; with it, the audio set widens the ground
    truth's. `strip_folders`: compare ranked names by their base names (a top-k file whose
    cells hold paths), with one warning (A407) instead of an error (A406). `only_gt_queries`:
    rows for queries that `against` does not hold are ignored with one warning (Q304) instead
    of an error each (Q302), for a ground truth that rates a subset of the queries."""
    check_k(k)  # before any file is read
    from .measure.arguments import check_flags, memory_budget_bytes

    memory_budget_bytes(max_bytes, "max_bytes")
    check_flags(strip_folders=strip_folders, only_gt_queries=only_gt_queries)
    qs, sub = read_for_validation(submission, against, queries=queries, audio_dir=audio_dir,
                                  audio_list=audio_list, max_bytes=max_bytes)
    if strip_folders:
        sub = without_folders(sub)
    from .check.validation import validate_submission

    report, _ = validate_submission(sub, qs, resolve_edition(edition, qs, k).depth,
                                    only_gt_queries=only_gt_queries)
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
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    only_gt_queries: bool = False,
    per_query: str | Path | None = None,
) -> ScoreReport:
    """Official metrics with jackknife CIs; raises `InputError` for an invalid submission unless
    `lenient` (then the policy and its counts are in the report). `relevance_threshold`
    (graded ground truth): the grade from which a file counts for mAP and R@k (default 1).
    `audio_dir` / `audio_list`: the whole evaluation set, when the ground truth names only
    some of its files. `strip_folders`, `only_gt_queries`: as for `validate`. `per_query`: a
    CSV to write each query's values to (as `dcase-eval score --per-query`); it may not be an
    input (`OutputError`)."""
    check_k(k)
    from .measure.arguments import check_confidence, check_flags, memory_budget_bytes

    memory_budget_bytes(max_bytes, "max_bytes")
    check_confidence(confidence)
    check_flags(lenient=lenient, strip_folders=strip_folders, only_gt_queries=only_gt_queries)
    if per_query is not None:
        from .io.atomic import guard_outputs

        guard_outputs(files=[per_query], inputs=[p for p in (submission, gt, audio_dir, audio_list)
                                                 if isinstance(p, str | Path)])
    truth, sub = read_for_scoring(submission, gt, audio_dir=audio_dir, audio_list=audio_list,
                                  relevance_threshold=relevance_threshold, max_bytes=max_bytes)
    if strip_folders:
        sub = without_folders(sub)
    from .measure.scoring import score_aligned

    report = score_aligned(sub, truth, resolve_edition(edition, truth, k), lenient=lenient,
                           confidence=confidence, only_gt_queries=only_gt_queries)
    if per_query is not None:
        from .report.per_query import write_per_query

        write_per_query(Path(per_query), report, truth)
    return report


def __getattr__(name: str) -> Any:
    """The package's other public names (`rank`, `validate_package`, the models...), served
    from where they live on first use: `__init__._EXPORTS` is the one list of them."""
    if name in _EXPORTS:
        return getattr(package, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)

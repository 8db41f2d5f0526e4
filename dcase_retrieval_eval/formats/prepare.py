"""What a submission is checked and scored against, put together in one place.

A ground truth (a path, or one already read) with its audio set (`--audio-dir`,
`--audio-list`, or a list of names) and, for graded relevance, the grade from which a file
counts; or, for a participant without the ground truth, a query file with its audio set. The
CLI, the Python API, `rank`, Codabench scoring and the competition bundles all call these
functions, so that an option means the same wherever it is given. They live below the API: a
command reads its inputs before the report and scoring models are imported
(`tests/test_imports.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import OptionError
from ..io.csvread import DEFAULT_MAX_BYTES
from ..io.overlap import overlapped
from .ground_truth import GroundTruth, QuerySet, load_ground_truth
from .query_set import load_audio_set, load_query_set
from .submission import Submission, load_submission


def prepare_ground_truth(
    gt: GroundTruth | str | Path,
    *,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    audio_set: Iterable[str] | None = None,
    relevance_threshold: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> GroundTruth:
    """A ground truth ready for checking and scoring: read (unless given read), judged over the
    audio set when one is given (a folder, a list file, or `audio_set`, the names themselves),
    and for graded relevance with the grade from which a file counts as relevant.

    Raises `InputError` for a file that cannot serve as ground truth, and `OptionError` (a
    `ValueError`) for an option that does not fit it (a threshold for binary ground truth)."""
    if audio_set is not None and (audio_dir is not None or audio_list is not None):
        raise OptionError("give the audio set once: audio_set, audio_dir or audio_list")
    truth = gt if isinstance(gt, GroundTruth) else load_ground_truth(gt, max_bytes=max_bytes)
    names = audio_set if audio_set is not None else load_audio_set(audio_dir, audio_list)
    if names is not None:
        truth = truth.with_audio_set(names)
    if relevance_threshold is not None:
        truth = truth.with_relevance_threshold(relevance_threshold)
    truth.audio_index  # noqa: B018 - every check needs it: built here, on the reading thread
    return truth


def prepare_query_set(
    against: QuerySet | str | Path | None = None,
    *,
    queries: str | Path | None = None,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> QuerySet:
    """What `validate` checks a submission against: the ground truth `against` (prepared as
    for scoring, over the audio set when one is given), or a query file `queries` (a `caption`
    column) with its audio set, for a participant without the ground truth."""
    if (against is None) == (queries is None):
        raise OptionError("give the ground truth or a query file (queries=...), one of the two")
    if queries is not None:
        if audio_dir is None and audio_list is None:
            raise OptionError("a query file needs the audio set: audio_dir or audio_list")
        return load_query_set(queries, audio_dir=audio_dir, audio_list=audio_list,
                              max_bytes=max_bytes)
    assert against is not None
    if isinstance(against, QuerySet) and not isinstance(against, GroundTruth):
        if audio_dir is not None or audio_list is not None:
            raise OptionError("a QuerySet carries its own audio set; audio_dir and audio_list "
                             "apply to a ground truth or a query file")
        return against
    return prepare_ground_truth(against, audio_dir=audio_dir, audio_list=audio_list,
                                max_bytes=max_bytes)


def read_submission(submission: Submission | str | Path, max_bytes: int) -> Submission:
    """The submission, read unless given read."""
    if isinstance(submission, Submission):
        return submission
    return load_submission(submission, max_bytes=max_bytes)


def read_for_validation(
    submission: Submission | str | Path,
    against: QuerySet | str | Path | None = None,
    *,
    queries: str | Path | None = None,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[QuerySet, Submission]:
    """(query set, submission) for `validate`, the two read side by side (`io/overlap.py`)."""
    return overlapped(
        lambda: prepare_query_set(against, queries=queries, audio_dir=audio_dir,
                                  audio_list=audio_list, max_bytes=max_bytes),
        lambda: read_submission(submission, max_bytes))


def read_for_scoring(
    submission: Submission | str | Path,
    gt: GroundTruth | str | Path,
    *,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    relevance_threshold: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[GroundTruth, Submission]:
    """(ground truth, submission) for `score`, the two read side by side (`io/overlap.py`)."""
    return overlapped(
        lambda: prepare_ground_truth(gt, audio_dir=audio_dir, audio_list=audio_list,
                                     relevance_threshold=relevance_threshold,
                                     max_bytes=max_bytes),
        lambda: read_submission(submission, max_bytes))

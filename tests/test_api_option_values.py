"""`score` and `validate` from Python check their options' types and ranges before any file is
read and name the parameter: `max_bytes=0` is not "the ground truth is not usable",
`confidence="x"` is not a comparison error from the jackknife, and `lenient="no"` (a truthy
string) never scores leniently."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcase_retrieval_eval import score, validate


@pytest.mark.parametrize(("option", "value", "error", "words"), [
    ("max_bytes", 0, ValueError, "max_bytes is a positive number of bytes, not 0"),
    ("max_bytes", -5, ValueError, "max_bytes is a positive number of bytes"),
    ("max_bytes", True, TypeError, "max_bytes must be a number, not bool"),
    ("max_bytes", "1GB", TypeError, "max_bytes must be a number, not str"),
    ("strip_folders", "yes", TypeError, "strip_folders must be True or False"),
    ("only_gt_queries", 1, TypeError, "only_gt_queries must be True or False"),
])
def test_both_calls_name_a_bad_option(sub_and_gt: tuple[Path, Path], option: str, value: object,
                                      error: type, words: str) -> None:
    sub, gt = sub_and_gt
    for call in (score, validate):
        with pytest.raises(error, match=words):
            call(sub, gt, **{option: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("option", "value", "error", "words"), [
    ("confidence", "x", TypeError, "confidence must be a number, not str"),
    ("confidence", None, TypeError, "confidence must be a number"),
    ("lenient", "no", TypeError, "lenient must be True or False, not str 'no'"),
])
def test_score_names_a_bad_scoring_option(sub_and_gt: tuple[Path, Path], option: str,
                                          value: object, error: type, words: str) -> None:
    sub, gt = sub_and_gt
    with pytest.raises(error, match=words):
        score(sub, gt, **{option: value})  # type: ignore[arg-type]

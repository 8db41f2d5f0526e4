"""`io.overlap.overlapped`: two reads at once, with the result and the errors of one after the
other (the ground truth's error first), and the CLI's verdict unchanged by it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dcase_retrieval_eval.io.overlap import overlapped

from .conftest import run_cli


def test_both_values_come_back_and_the_first_runs_on_a_helper_thread() -> None:
    here = threading.get_ident()
    (first, first_thread), (second, second_thread) = overlapped(
        lambda: ("gt", threading.get_ident()), lambda: ("sub", threading.get_ident()))
    assert (first, second) == ("gt", "sub")
    assert second_thread == here and first_thread != here


@pytest.mark.parametrize(("fail_first", "fail_second", "expected"), [
    (True, False, "first"), (False, True, "second"), (True, True, "first")])
def test_the_first_reads_error_wins(fail_first: bool, fail_second: bool, expected: str) -> None:
    def first() -> str:
        if fail_first:
            raise ValueError("first")
        return "a"

    def second() -> str:
        if fail_second:
            raise ValueError("second")
        return "b"

    with pytest.raises(ValueError, match=expected):
        overlapped(first, second)


def test_an_invalid_ground_truth_is_reported_before_the_submission(tmp_path: Path) -> None:
    """Read side by side, a broken ground truth still decides the verdict, as when it was read
    first: exit 1 with the ground truth's finding, not the submission's."""
    gt = tmp_path / "gt.csv"
    gt.write_text("no,such,format\nx,y,z\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text("caption,file_name_1\nA dog.,a.wav\n", encoding="utf-8")
    for command in (["score", str(sub), "--gt", str(gt), "--format", "json"],
                    ["validate", str(sub), "--gt", str(gt), "--format", "json"]):
        result = run_cli(*command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "G605" in result.stdout

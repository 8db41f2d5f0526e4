"""Usage errors are exit 2 with one clear line, before any work: a missing or wrong input path,
an unknown option or value, options out of range, options that do not go together. Through the
CLI in-process, and once through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import sub_file, topk_rows, write
from .conftest import cli, run_cli


def test_usage_no_such_file(tmp_path: Path, gt: Path) -> None:
    code, _, err = cli("validate", tmp_path / "nope.csv", "--gt", gt)
    assert code == 2 and "does not exist" in err


def test_usage_no_such_gt(tmp_path: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    assert cli("validate", sub, "--gt", tmp_path / "nope.csv")[0] == 2


def test_usage_folder_as_gt(tmp_path: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    code, _, err = cli("validate", sub, "--gt", tmp_path)
    assert code == 2 and "directory" in err


def test_usage_bad_option(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    assert cli("validate", sub, "--gt", gt, "--no-such-option")[0] == 2
    assert cli("validate", sub, "--gt", gt, "--format", "xml")[0] == 2
    assert cli("validate", sub, "--gt", gt, "--max-bytes", "0")[0] == 2
    assert cli("validate", sub)[0] == 2  # neither --gt nor --queries
    assert cli("score", sub, "--gt", gt, "--k", "0")[0] == 2


def test_usage_errors_through_the_entry_point(tmp_path: Path, gt: Path) -> None:
    """The real process: exit 2 for usage, 1 for an invalid file, never a traceback."""
    proc = run_cli("validate", tmp_path / "nope.csv", "--gt", gt, "--format", "json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    bad = write(tmp_path / "sub.csv", b"\x00\xff\xfe garbage")
    proc = run_cli("validate", bad, "--gt", gt, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert json.loads(proc.stdout)["findings"]


def test_codabench_with_submission_or_gt_is_a_usage_error(
        sub_and_gt: tuple[Path, Path], tmp_path: Path) -> None:
    sub, gt_path = sub_and_gt
    code, _, err = cli("score", sub, "--gt", gt_path, "--codabench", tmp_path, tmp_path / "o")
    assert code == 2 and "SUBMISSION" in err and "--gt" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args", [
    ["score", "SUB", "--gt", "GT", "--k", "1000000000", "--lenient"],
    ["rank", "SUB", "--gt", "GT", "--out", "OUT", "--seed", "-1"],
    ["rank", "SUB", "--gt", "GT", "--out", "OUT", "--rounds", "100000000000"],
    ["demo", "--seed", "-1", "--out", "OUT"],
    ["synth", "OUT", "--max-seconds", "100000"],
    ["synth", "OUT", "--min-seconds", "9", "--max-seconds", "6"],
    ["synth", "OUT", "--clips-per-split", "10000000"],
])
def test_out_of_range_options_are_refused_up_front(
        sub_and_gt: tuple[Path, Path], tmp_path: Path, args: list[str]) -> None:
    sub, gt_path = sub_and_gt
    out = tmp_path / "OUT"
    values = {"SUB": str(sub), "GT": str(gt_path), "OUT": str(out)}
    code, _, err = cli(*[values.get(a, a) for a in args])
    assert code == 2 and "Traceback" not in err
    assert not out.exists()


def test_large_k_costs_no_memory(sub_and_gt: tuple[Path, Path]) -> None:
    """The alignment is as wide as the submission's rankings, not as k."""
    sub, gt_path = sub_and_gt
    code, out, _ = cli("score", sub, "--gt", gt_path, "--k", "100000", "--lenient",
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["k"] == 100000
    ten = json.loads(cli("score", sub, "--gt", gt_path, "--format", "json")[1])
    assert doc["metrics"]["mAP@100000"]["value"] == ten["metrics"]["mAP@10"]["value"]

"""Where `dcase-eval score` puts what it says: the format follows the --output file's extension
unless --format is given (a contradiction is a usage error), a refused submission's findings
and error go to standard error with a note of how many are not shown, and a JSON report, valid
or not, goes where --output says."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import run_cli
from .organizer_data import make_gt, system_rankings


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A ground truth of 300 queries, a valid submission, and one whose every ranking has two
    unknown files (600 A401 errors)."""
    tmp = tmp_path_factory.mktemp("score_output")
    gt_path = make_gt(tmp, n_files=60, seed=5)
    rows = system_rankings(load_ground_truth(gt_path), 0.6, seed=6)
    write_topk_csv(tmp / "good.csv", rows)
    write_topk_csv(tmp / "bad.csv", [(q, [f"nowhere_{i}_a.wav", f"nowhere_{i}_b.wav", *r[2:]])
                                     for i, (q, r) in enumerate(rows)])
    return {"gt": gt_path, "good": tmp / "good.csv", "bad": tmp / "bad.csv"}


def test_json_extension_writes_json(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    proc = run_cli("score", files["good"], "--gt", files["gt"], "--output", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["n_queries"] == 300 and "mAP@10" in doc["metrics"]
    assert proc.stdout == ""


def test_csv_extension_writes_csv(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "Scores.CSV"
    proc = run_cli("score", files["good"], "--gt", files["gt"], "--output", out)
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["metric"] == "mAP@10" and float(rows[0]["value"]) > 0


@pytest.mark.parametrize("name", ["scores.txt", "scores.log", "scores"])
def test_other_extensions_write_the_text_table(files: dict[str, Path], tmp_path: Path,
                                               name: str) -> None:
    out = tmp_path / name
    proc = run_cli("score", files["good"], "--gt", files["gt"], "--output", out)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "mAP@10 (main)" in text and "policy: strict" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_format_given_wins_over_an_extension_it_fits(files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    out = tmp_path / "scores.log"
    proc = run_cli("score", files["good"], "--gt", files["gt"], "--output", out,
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["n_queries"] == 300


@pytest.mark.parametrize(("fmt", "name"), [("text", "x.json"), ("csv", "x.txt"),
                                           ("json", "x.csv")])
def test_a_format_that_contradicts_the_extension_is_a_usage_error(
        files: dict[str, Path], tmp_path: Path, fmt: str, name: str) -> None:
    out = tmp_path / name
    proc = run_cli("score", files["good"], "--gt", files["gt"], "--output", out,
                   "--format", fmt)
    assert proc.returncode == 2
    said = " ".join(proc.stderr.split())
    assert f"--format {fmt} contradicts --output" in said and "drop --format" in said
    assert not out.exists()


def test_refused_text_goes_to_stderr_with_a_note_of_the_rest(files: dict[str, Path],
                                                             tmp_path: Path) -> None:
    out = tmp_path / "scores.txt"
    proc = run_cli("score", files["bad"], "--gt", files["gt"], "--output", out)
    assert proc.returncode == 1
    assert proc.stdout == "" and not out.exists()
    said = " ".join(proc.stderr.split())
    assert said.count("A401") == 200
    assert "... 400 more finding(s) not shown (use --format json for all kept findings)" in said
    assert said.rstrip().endswith("fix it or score with --lenient")
    assert "error: " in said


def test_refused_text_to_the_terminal_is_on_stderr_too(files: dict[str, Path]) -> None:
    proc = run_cli("score", files["bad"], "--gt", files["gt"])
    assert proc.returncode == 1 and proc.stdout == ""
    assert "400 more finding(s) not shown" in proc.stderr and "error: " in proc.stderr


def test_validate_gives_the_same_note(files: dict[str, Path]) -> None:
    proc = run_cli("validate", files["bad"], "--gt", files["gt"])
    assert proc.returncode == 1
    assert ("... 400 more finding(s) not shown (use --format json for all kept findings)"
            in " ".join(proc.stdout.split()))


def test_refused_json_report_goes_to_the_output_file(files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run_cli("score", files["bad"], "--gt", files["gt"], "--format", "json",
                   "--output", out)
    assert proc.returncode == 1
    assert proc.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["valid"] is False
    assert doc["error"].endswith("is not a valid submission (600 errors); fix it or score "
                                 "with --lenient")
    assert doc["counts"] == {"A401": 600}
    assert len(doc["findings"]) == 600
    assert {f["code"] for f in doc["findings"]} == {"A401"}


def test_refused_json_without_output_goes_to_stdout(files: dict[str, Path]) -> None:
    proc = run_cli("score", files["bad"], "--gt", files["gt"], "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False and len(doc["findings"]) == 600


def test_lenient_json_to_a_file_says_the_policy_on_stderr(files: dict[str, Path],
                                                          tmp_path: Path) -> None:
    out = tmp_path / "lenient.json"
    proc = run_cli("score", files["bad"], "--gt", files["gt"], "--lenient", "--output", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["policy"]["mode"] == "lenient" and doc["policy"]["unknown_files_as_misses"] == 600
    assert "policy: lenient" in proc.stderr

"""`dcase-eval score` in its two modes: strict (an invalid submission is refused with its
findings, exit 1) and lenient (scored under a stated policy: missing queries score 0, repeats
count once, unknown files are misses). Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import sub_file, topk_rows
from .conftest import cli, run_cli


def test_score_refuses_invalid_submission(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.pop(3)
    rows[0][5] = rows[0][1]
    sub = sub_file(tmp_path, rows)
    code, out, _ = cli("score", sub, "--gt", gt, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is False and {"Q301", "A402"} <= {f["code"] for f in doc["findings"]}


def test_score_lenient_prints_policy(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.pop(3)  # one missing query: AP 0
    rows[0][5] = rows[0][1]  # a repeat counted once
    sub = sub_file(tmp_path, rows)
    code, out, err = cli("score", sub, "--gt", gt, "--format", "json", "--lenient")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["policy"]["mode"] == "lenient"
    assert doc["policy"]["missing_queries"] == 1
    assert doc["policy"]["repeated_files_counted_once"] == 1
    assert "lenient" in err and "1 missing queries scored 0" in err
    # every other query has its relevant file first
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx(59 / 60, abs=1e-12)
    code, out, _ = cli("score", sub, "--gt", gt, "--lenient")
    assert code == 0 and "policy: lenient" in out


def test_score_strict_and_lenient_through_the_entry_point(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[3][2] = "c"  # an unknown file
    sub = sub_file(tmp_path, rows)
    proc = run_cli("score", sub, "--gt", gt)
    assert proc.returncode == 1 and "A401" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    proc = run_cli("score", sub, "--gt", gt, "--lenient")
    assert proc.returncode == 0, proc.stderr
    assert "policy: lenient" in proc.stdout and "1 unknown files counted as misses" in proc.stdout
    assert "mAP@10" in proc.stdout


def test_score_valid_submission_is_strict(tmp_path: Path, gt: Path) -> None:
    code, out, _ = cli("score", sub_file(tmp_path, topk_rows()), "--gt", gt, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["policy"]["mode"] == "strict"
    assert doc["metrics"]["mAP@10"]["value"] == 1.0

"""The official numbers of the 2022 baseline, reproduced through the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth, load_submission, score
from tests.conftest import run_cli

FIELDS = ("value", "jackknife_estimate", "std_err", "ci_low", "ci_high")


def _assert_matches(metrics: dict[str, dict[str, float]], expected: dict[str, object]) -> None:
    exp_metrics = expected["metrics"]
    assert isinstance(exp_metrics, dict)
    assert set(metrics) == set(exp_metrics)
    for name, exp in exp_metrics.items():
        for field in FIELDS:
            got = metrics[name][field]
            assert got == pytest.approx(exp[field], abs=1e-12, rel=0), (name, field)


def test_cli_json_reproduces_expected(ref2022: Path) -> None:
    expected = json.loads((ref2022 / "expected.json").read_text())
    proc = run_cli("score", ref2022 / "test.output.csv", "--gt", ref2022 / "test.gt.csv",
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["n_queries"] == expected["n_queries"] == 5225
    assert doc["edition"] == "2022" and doc["k"] == 10 and doc["policy"]["mode"] == "strict"
    _assert_matches(doc["metrics"], expected)


def test_api_reproduces_expected(ref2022: Path) -> None:
    expected = json.loads((ref2022 / "expected.json").read_text())
    gt = load_ground_truth(ref2022 / "test.gt.csv")
    sub = load_submission(ref2022 / "test.output.csv")
    report = score(sub, gt, edition="2022")
    assert report.n_queries == 5225
    _assert_matches({k: v.model_dump() for k, v in report.metrics.items()}, expected)
    # the paper's Table 3, testing split
    rounded = {k: round(v.value, 3) for k, v in report.metrics.items()}
    assert rounded == {"mAP@10": 0.068, "R@1": 0.032, "R@5": 0.109, "R@10": 0.188}


def test_csv_output_and_per_query_file(ref2022: Path, tmp_path: Path) -> None:
    out, per_query = tmp_path / "scores.csv", tmp_path / "per_query.csv"
    proc = run_cli("score", ref2022 / "test.output.csv", "--gt", ref2022 / "test.gt.csv",
                   "--format", "csv", "--output", out, "--per-query", per_query)
    assert proc.returncode == 0, proc.stderr
    rows = out.read_text().splitlines()
    assert rows[0].startswith("metric,value,jackknife_estimate")
    assert rows[1].startswith("mAP@10,0.0679344573555")
    lines = per_query.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5226
    assert lines[0] == "query,relevant_files,positions_found,mAP@10,R@1,R@5,R@10"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["per_query.csv", "scores.csv"]

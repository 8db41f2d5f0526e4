"""Codabench scoring-program mode: INPUT_DIR/ref + INPUT_DIR/res -> scores.json + HTML."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dcase_retrieval_eval.api import score
from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv
from dcase_retrieval_eval.hosting.codabench import metric_key

from .conftest import run_cli
from .organizer_data import make_gt, system_rankings


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    ref = tmp_path / "input" / "ref"
    res = tmp_path / "input" / "res"
    ref.mkdir(parents=True)
    res.mkdir()
    gt_path = make_gt(ref, n_files=30, seed=2, captions=2)
    write_topk_csv(res / "X_1.output.csv", system_rankings(load_ground_truth(gt_path), 0.6, 1))
    (res / "X_1.meta.yaml").write_text("label: X_1\n")
    return tmp_path / "input"


def test_metric_keys() -> None:
    assert metric_key("mAP@10") == "map_at_10"
    assert metric_key("R@1") == "r_at_1"


def test_scores_json_equals_the_scorer(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    result = run_cli("score", "--codabench", bundle, out)
    assert result.returncode == 0, result.stderr
    scores = json.loads((out / "scores.json").read_text())
    direct = score(bundle / "res" / "X_1.output.csv", bundle / "ref" / "gt.csv")
    expected = {}
    for name, m in direct.metrics.items():
        key = metric_key(name)
        expected.update({key: m.value, f"{key}_ci_low": m.ci_low, f"{key}_ci_high": m.ci_high})
    assert scores == expected
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "mAP@10" in html and "<script" not in html


def test_invalid_submission_fails_with_a_findings_page(bundle: Path, tmp_path: Path) -> None:
    gt = load_ground_truth(bundle / "ref" / "gt.csv")
    rows = system_rankings(gt, 0.6, 1)
    rows[0] = (rows[0][0], ["<script>x</script>.wav", *rows[0][1][1:]])
    write_topk_csv(bundle / "res" / "X_1.output.csv", rows[1:] + rows[:1])
    out = tmp_path / "output"
    result = run_cli("score", "--codabench", bundle, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not (out / "scores.json").exists()
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "A401" in html and "&lt;script&gt;x&lt;/script&gt;.wav" in html
    assert "<script>" not in html
    lenient = run_cli("score", "--codabench", bundle, tmp_path / "o2", "--lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert json.loads((tmp_path / "o2" / "scores.json").read_text())["map_at_10"] >= 0


def test_ambiguous_or_missing_submission(bundle: Path, tmp_path: Path) -> None:
    shutil.copy(bundle / "res" / "X_1.output.csv", bundle / "res" / "X_2.output.csv")
    result = run_cli("score", "--codabench", bundle, tmp_path / "o")
    assert result.returncode == 1 and "must be one CSV" in result.stdout + result.stderr
    shutil.rmtree(bundle / "res")
    missing = run_cli("score", "--codabench", bundle, tmp_path / "o")
    assert missing.returncode == 1 and "res" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stderr

"""Confidence intervals are the jackknife's normal approximation, kept raw for parity with
astropy: a bound may fall outside [0, 1]. Every place that prints intervals says so in one
footnote (the same sentence), and the machine-readable outputs keep the raw bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv
from dcase_retrieval_eval.measure.jackknife import CI_NOTE, Z_95
from dcase_retrieval_eval.report.leaderboard_formats import md_escape, tex_escape

from .conftest import run_cli
from .organizer_data import make_challenge, make_gt


def _flat(text: str) -> str:
    return " ".join(text.split())


def _one_hit(folder: Path) -> tuple[Path, Path]:
    """200 queries, the relevant file ranked first for one of them only: R@1 = 0.005, whose
    normal-approximation interval starts below 0."""
    folder.mkdir(parents=True, exist_ok=True)
    gt_path = make_gt(folder, n_files=40, seed=12)
    write_topk_csv(folder / "sub.csv", _one_hit_rows(gt_path))
    return gt_path, folder / "sub.csv"


def _one_hit_rows(gt_path: Path) -> list[tuple[str, list[str]]]:
    gt = load_ground_truth(gt_path)
    rows = []
    for q, query in enumerate(gt.queries):
        relevant = gt.relevant(q)[0]
        others = [a for a in gt.audio if a != relevant][:10]
        rows.append((query, [relevant, *others[:9]] if q == 0 else others))
    return rows


def test_score_text_has_the_footnote_once(tmp_path: Path) -> None:
    gt_path, sub = _one_hit(tmp_path)
    proc = run_cli("score", sub, "--gt", gt_path)
    assert proc.returncode == 0, proc.stderr
    assert _flat(proc.stdout).count(CI_NOTE) == 1
    assert "[-0.0048, 0.0148]" in proc.stdout  # R@1's lower bound shown as computed


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_machine_readable_outputs_keep_the_raw_bounds(tmp_path: Path, fmt: str) -> None:
    gt_path, sub = _one_hit(tmp_path)
    proc = run_cli("score", sub, "--gt", gt_path, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    if fmt == "json":
        r1 = json.loads(proc.stdout)["metrics"]["R@1"]
        low, high, std_err = r1["ci_low"], r1["ci_high"], r1["std_err"]
    else:
        row = next(line.split(",") for line in proc.stdout.splitlines()
                   if line.startswith("R@1,"))
        low, high, std_err = float(row[5]), float(row[6]), float(row[4])
    assert low < 0 < high
    assert low == pytest.approx(0.005 - Z_95 * std_err, abs=1e-15)
    assert CI_NOTE not in proc.stdout  # data, not prose


def test_rank_outputs_have_the_footnote_once(tmp_path: Path) -> None:
    teams = {"Alpha_UA": [("Alpha_UA_task6b_1", 0.9)], "Beta_UB": [("Beta_UB_task6b_1", 0.5)]}
    gt_path, uploads = make_challenge(tmp_path, teams, seed=13, n_files=40)
    (beta,) = uploads.rglob("Beta_UB_task6b_1.output.csv")
    write_topk_csv(beta, _one_hit_rows(gt_path))  # R@1 = 0.005: its interval starts below 0
    out = tmp_path / "RESULTS"
    proc = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "200",
                   "--bootstrap-rankings", "0")
    assert proc.returncode == 0, proc.stderr
    assert _flat(proc.stdout).count(CI_NOTE) == 1
    expected = {"results.md": md_escape(CI_NOTE), "index.html": CI_NOTE.replace("'", "&#39;"),
                "results.tex": tex_escape(CI_NOTE), "paper/tables.md": md_escape(CI_NOTE),
                "paper/table2.tex": tex_escape(CI_NOTE),
                "paper/dev_vs_eval.tex": tex_escape(CI_NOTE)}
    for name, note in expected.items():
        text = (out / name).read_text(encoding="utf-8")
        # once per page, and in each LaTeX table's caption (tables are pasted one by one)
        once = max(1, text.count("\\begin{table}"))
        assert _flat(text).count(note) == once, name
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    lows = [m["ci_low"] for s in doc["systems"] for m in s["metrics"].values()]
    assert min(lows) < 0  # the raw bound, not clipped
    assert CI_NOTE not in json.dumps(doc)


def test_demo_table_has_the_footnote(tmp_path: Path) -> None:
    proc = run_cli("demo", "--queries", "20")
    assert proc.returncode == 0, proc.stderr
    assert _flat(proc.stdout).count(CI_NOTE) == 1


def test_codabench_detailed_results_have_the_footnote(tmp_path: Path) -> None:
    bundle = tmp_path / "input"
    gt_path, sub = _one_hit(bundle / "ref")
    (bundle / "res").mkdir()
    sub.rename(bundle / "res" / "X_1.output.csv")
    out = tmp_path / "output"
    proc = run_cli("score", "--codabench", bundle, out)
    assert proc.returncode == 0, proc.stderr
    page = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert _flat(page).count(CI_NOTE.replace("'", "&#x27;")) == 1
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert scores["r_at_1_ci_low"] < 0

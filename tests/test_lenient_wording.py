"""Each surface names its own way to score an invalid submission leniently: the Python API says
`lenient=True`, the command line `--lenient`, and a ranking's files say that it was strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcase_retrieval_eval import InputError, load_ground_truth, score
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import run_cli
from .organizer_data import make_challenge, make_gt, system_rankings, write_system


def _invalid(tmp_path: Path) -> tuple[Path, Path]:
    """A ground truth and a submission with its last query missing (one Q301 error)."""
    gt_path = make_gt(tmp_path, n_files=30, seed=1)
    sub = tmp_path / "sub.csv"
    write_topk_csv(sub, system_rankings(load_ground_truth(gt_path), 0.5, seed=2)[:-1])
    return gt_path, sub


def test_python_api_names_the_argument(tmp_path: Path) -> None:
    gt_path, sub = _invalid(tmp_path)
    with pytest.raises(InputError) as caught:
        score(sub, gt_path)
    assert str(caught.value).endswith("fix it or score with lenient=True")
    assert "--lenient" not in str(caught.value)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_command_line_names_the_option(tmp_path: Path, fmt: str) -> None:
    gt_path, sub = _invalid(tmp_path)
    proc = run_cli("score", sub, "--gt", gt_path, "--format", fmt)
    assert proc.returncode == 1
    said = " ".join((proc.stdout + proc.stderr).split())
    assert "is not a valid submission (1 error); fix it or score with --lenient" in said
    assert "lenient=True" not in said


def test_ranking_files_say_the_ranking_was_strict(tmp_path: Path) -> None:
    teams = {"Alpha_UA": [("Alpha_UA_task6b_1", 0.9)], "Beta_UB": [("Beta_UB_task6b_1", 0.5)]}
    gt_path, uploads = make_challenge(tmp_path, teams, seed=4, n_files=30)
    gt = load_ground_truth(gt_path)
    bad = write_system(uploads / "pkg_bad", gt, "Eps_UE_task6b_1", 0.5, seed=9)
    write_topk_csv(bad, system_rankings(gt, 0.5, seed=9)[:-1])
    out = tmp_path / "RESULTS"
    proc = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "200",
                   "--bootstrap-rankings", "0")
    assert proc.returncode == 0, proc.stderr
    for name in ("results.md", "index.html", "results.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert "is not a valid submission (1 error); the ranking was strict" in text, name
        assert "lenient=True" not in text and "score with --lenient" not in text, name
        assert "(a lenient ranking scores such outputs under a stated policy)" in text, name

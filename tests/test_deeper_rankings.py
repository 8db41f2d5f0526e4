"""A top-k file deeper than the edition's k (a top-15 file for k = 10) is valid: each ranking is
scored at depth k with one warning (A404) for the file, and the scores equal those of the same
rankings cut at k. The hint, the summary line and the docs say the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth
from dcase_retrieval_eval.findings import CATALOGUE
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import ROOT, run_cli
from .organizer_data import make_gt, system_rankings


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("deeper")
    gt_path = make_gt(tmp, n_files=40, seed=8)
    rows = system_rankings(load_ground_truth(gt_path), 0.7, seed=9, k=15)
    write_topk_csv(tmp / "top15.csv", rows, k=15)
    write_topk_csv(tmp / "top10.csv", [(q, r[:10]) for q, r in rows])
    # the same rankings, with files after position 10 that would be defects if they counted
    junk = [(q, [*r[:10], "nowhere.wav", r[0], "", "", ""]) for q, r in rows]
    write_topk_csv(tmp / "junk_tail.csv", junk, k=15)
    return {"gt": gt_path, "top15": tmp / "top15.csv", "top10": tmp / "top10.csv",
            "junk_tail": tmp / "junk_tail.csv"}


def test_a_deeper_file_is_valid_with_one_warning(files: dict[str, Path]) -> None:
    proc = run_cli("validate", files["top15"], "--gt", files["gt"], "--format", "json")
    assert proc.returncode == 0, proc.stdout
    doc = json.loads(proc.stdout)
    assert doc["valid"] is True and doc["errors"] == 0 and doc["depth"] == 10
    assert doc["counts"] == {"A404": 1}
    (f,) = doc["findings"]
    assert (f["code"], f["severity"], f["line"], f["column"]) == ("A404", "warning", 2, 12)
    assert f["message"] == ("200 ranking(s) hold more than 10 files (up to 15); each is scored "
                            "at depth 10, and the files after position 10 are ignored.")
    assert "--k 15" in f["hint"] and "Nothing to fix for depth 10" in f["hint"]
    assert CATALOGUE["A404"].severity.value == "warning"


def test_the_summary_says_it_is_scored_at_the_depth(files: dict[str, Path]) -> None:
    proc = run_cli("validate", files["top15"], "--gt", files["gt"])
    assert proc.returncode == 0
    said = " ".join(proc.stdout.split())
    assert ("valid - 0 error(s), 1 warning(s); 200 rows for 200 queries, scored at depth 10 "
            "(deeper rankings cut there, A404)") in said


def test_scores_equal_the_rankings_cut_at_the_depth(files: dict[str, Path]) -> None:
    runs = {}
    for name in ("top15", "top10", "junk_tail"):
        proc = run_cli("score", files[name], "--gt", files["gt"], "--format", "json")
        assert proc.returncode == 0, proc.stderr
        runs[name] = json.loads(proc.stdout)
    assert runs["top15"]["metrics"] == runs["top10"]["metrics"] == runs["junk_tail"]["metrics"]
    assert runs["top15"]["policy"]["mode"] == "strict"
    assert runs["top15"]["findings"] == {"errors": 0, "warnings": 1, "counts": {"A404": 1}}


def test_k_of_the_file_scores_it_whole_without_the_warning(files: dict[str, Path]) -> None:
    proc = run_cli("score", files["top15"], "--gt", files["gt"], "--k", "15", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["k"] == 15 and doc["findings"]["counts"] == {}


def test_the_docs_say_the_same() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert ("any depth, scored at the edition's k (10, or `--k`): a deeper ranking is cut there "
            "with one warning (`A404`)") in readme
    findings = " ".join((ROOT / "docs" / "findings.md").read_text(encoding="utf-8").split())
    assert "### A404 too-many-files **Severity:** warning." in findings

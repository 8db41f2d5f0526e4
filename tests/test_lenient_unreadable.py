"""A lenient score needs a readable file: a UTF-16 or empty submission is
refused even with --lenient, by `score` and by `rank`, instead of a false mAP 0 whose policy
claims that nothing was missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import InputError, load_ground_truth, score
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import run_cli
from .organizer_data import make_gt, system_rankings


def _files(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    gt = make_gt(tmp_path, n_files=30, seed=15)
    good = tmp_path / "good.csv"
    write_topk_csv(good, system_rankings(load_ground_truth(gt), 0.7, seed=4))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(good.read_text(encoding="utf-8").encode("utf-16"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    return gt, good, utf16, empty


@pytest.mark.parametrize("which", ["utf16", "empty"])
def test_score_lenient_refuses_an_unreadable_file(tmp_path: Path, which: str) -> None:
    gt, _, utf16, empty = _files(tmp_path)
    sub = utf16 if which == "utf16" else empty
    proc = run_cli("score", sub, "--gt", gt, "--lenient", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False and "even leniently" in doc["error"]
    assert {f["code"] for f in doc["findings"]} & {"F102", "F103", "F104"}
    with pytest.raises(InputError, match="cannot be read"):
        score(sub, gt, lenient=True)


def test_rank_lenient_leaves_an_unreadable_system_out(tmp_path: Path) -> None:
    gt, good, utf16, _ = _files(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("system,team,path\nGood_1,Team G,good.csv\nBad_1,Team B,utf16.csv\n",
                        encoding="utf-8")
    proc = run_cli("rank", manifest, "--gt", gt, "--out", tmp_path / "out", "--lenient",
                   "--rounds", "20", "--bootstrap-rankings", "0")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in doc["systems"]] == ["Good_1"]
    assert [r["label"] for r in doc["rejected"]] == ["Bad_1"]
    # a readable but invalid file is still scored leniently, with true counts
    report = score(good, gt, lenient=True)
    assert report.policy.missing_queries == 0 and report.metrics["mAP@10"].value > 0

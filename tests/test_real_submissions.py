"""Submission files as real teams wrote them, read alike by validate, score and rank.

Generated files in the published shapes (the public files themselves stay out of the project):
`fname_N` and `file_name_N` ranked-file columns on both readers (csv and Arrow) at any depth, and
score matrices with each accepted name of the query column.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import load_submission, score, validate
from dcase_retrieval_eval.io import fastread
from tests.conftest import run_cli
from tests.real_shapes import FILES
from tests.real_shapes import clotho_file as _clotho
from tests.real_shapes import topk_rows as _topk_rows
from tests.real_shapes import write_rows as _write

# ---------------------------------------------------------------------------------------------
# 1. submissions: both spellings of the ranked-file columns, on both readers, at every depth


@pytest.mark.parametrize("spelling", ["fname", "file_name"])
@pytest.mark.parametrize("fast", [False, True])
def test_both_spellings_give_the_same_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             spelling: str, fast: bool) -> None:
    gt, truth = _clotho(tmp_path)
    sub = _write(tmp_path / "sub.csv", _topk_rows(truth, 10, spelling, FILES[:20]))
    if fast:
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    calls: list[int] = []
    real = fastread.read_clean_topk

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fastread, "read_clean_topk", spy)
    loaded = load_submission(sub)
    assert bool(calls) is fast and loaded.findings == []
    report = score(loaded, gt)
    assert report.validation.valid and report.validation.findings == []
    # rank q % 10 + 1 for query q: AP = 1 / rank
    expected = np.mean([1 / (q % 10 + 1) for q in range(len(truth))])
    assert report.metrics["mAP@10"].value == pytest.approx(expected, abs=1e-15)


def test_fast_path_equals_csv_path_for_fname(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    _, truth = _clotho(tmp_path)
    sub = _write(tmp_path / "sub.csv", _topk_rows(truth, 16, "fname", FILES[:20]))
    slow = load_submission(sub)
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    fast = load_submission(sub)
    assert [fast.row_files(r) for r in range(fast.n_rows)] == \
        [slow.row_files(r) for r in range(slow.n_rows)]
    assert fast.queries == slow.queries and fast.findings == slow.findings == []
    assert fast.ranks.shape == (100, 16)


@pytest.mark.parametrize("depth", [10, 16])
def test_validate_score_rank_accept_fname_at_any_depth(tmp_path: Path, depth: int) -> None:
    gt, truth = _clotho(tmp_path)
    sub = _write(tmp_path / "sub.csv", _topk_rows(truth, depth, "fname", FILES[:20]))
    extra = ["--k", str(depth)]
    proc = run_cli("validate", sub, "--gt", gt, "--format", "json", *extra)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["findings"] == []
    proc = run_cli("score", sub, "--gt", gt, "--format", "json", *extra)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["metrics"][f"mAP@{depth}"]["value"] > 0
    manifest = _write(tmp_path / "systems.csv", [["system", "team", "path"],
                                                 ["A_1", "A", "sub.csv"]])
    proc = run_cli("rank", manifest, "--gt", gt, "--out", tmp_path / "out", "--rounds", "10",
                   "--quiet", *extra)
    assert proc.returncode == 0, proc.stderr
    board = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in board["systems"]] == ["A_1"] and not board["rejected"]


def test_mixed_spellings_are_equal_too(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _topk_rows(truth, 10, "fname", FILES[:20])
    rows[0] = ["caption", *[("fname" if i % 2 else "file_name") + f"_{i}" for i in range(1, 11)]]
    assert validate(_write(tmp_path / "sub.csv", rows), gt).findings == []


@pytest.mark.parametrize("bad", ["filename_3", "fname3", "Fname_3", "fname_4"])
def test_other_spellings_stay_C202_naming_both(tmp_path: Path, bad: str) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _topk_rows(truth, 10, "fname", FILES[:20])
    rows[0][3] = bad
    proc = run_cli("validate", _write(tmp_path / "sub.csv", rows), "--gt", gt, "--format", "json")
    assert proc.returncode == 1
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "C202"]
    assert [(f["line"], f["column"]) for f in found] == [(1, 4)]
    assert "'file_name_3'" in found[0]["hint"] and "'fname_3'" in found[0]["hint"]


@pytest.mark.parametrize("first", ["index", "", "caption", "query"])
def test_matrix_first_header_cell(tmp_path: Path, first: str) -> None:
    gt, truth = _clotho(tmp_path, 12)
    files = FILES[:12]
    rows = [[first, *files]]
    for q, (caption, rel) in enumerate(truth.items()):
        scores = [0.5 - 0.01 * ((j + q) % 12) for j in range(12)]
        scores[files.index(rel)] = 1.0
        rows.append([caption, *map(repr, scores)])
    sub = _write(tmp_path / "sub.csv", rows)
    loaded = load_submission(sub)
    assert loaded.format == "matrix" and loaded.findings == []
    report = score(loaded, gt, edition="2025")
    assert report.metrics["mAP@10"].value == 1.0 and report.validation.findings == []
    proc = run_cli("score", sub, "--gt", gt, "--edition", "2025", "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["metrics"]["R@1"]["value"] == 1.0


def test_other_matrix_first_cells_stay_C202(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path, 12)
    rows = [["text", *FILES[:12]], *[[c, *["0.5"] * 12] for c in truth]]
    rows[1][1] = "0.9"
    found = validate(_write(tmp_path / "sub.csv", rows), gt).findings
    c202 = [f for f in found if f.code == "C202"]
    assert c202 and c202[0].column == 1
    assert "'index'" in c202[0].hint and "'caption'" in c202[0].hint



"""Scoring through the public API and CLI on generated and reference data."""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcase_retrieval_eval import InputError, load_ground_truth, score, write_topk_csv
from tests.conftest import run_cli


def _write_gt(path: Path, n_files: int) -> list[str]:
    files = [f"clip, no. {i} (take 'A').wav" for i in range(n_files)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file_name", *[f"caption_{j}" for j in range(1, 6)]])
        for i, f in enumerate(files):
            w.writerow([f, *[f"caption {j} of clip {i}" for j in range(5)]])
    return files


@settings(max_examples=25, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_row_order_changes_nothing(rnd: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("order")
    files = _write_gt(tmp / "gt.csv", 15)
    gt = load_ground_truth(tmp / "gt.csv")
    rows = []
    for caption in gt.queries:
        ranked = rnd.sample(files, 10)  # type: ignore[attr-defined]
        rows.append((caption, ranked))
    write_topk_csv(tmp / "a.csv", rows)
    shuffled = rows[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    write_topk_csv(tmp / "b.csv", shuffled)
    a, b = score(tmp / "a.csv", gt), score(tmp / "b.csv", gt)
    assert a.metrics == b.metrics


@pytest.mark.parametrize("in_order", [True, False])
def test_the_policy_counts_only_the_scored_rows(tmp_path: Path, in_order: bool) -> None:
    """Repeated and unknown files are counted in the rows that are scored, whether the rows
    follow the query set (aligned without a copy) or not (a second row of a query is not
    scored, and its defects are not counted)."""
    files = _write_gt(tmp_path / "gt.csv", 12)
    gt = load_ground_truth(tmp_path / "gt.csv")
    rows = [(q, [files[i // 5]] + [f for f in files if f != files[i // 5]][:9])
            for i, q in enumerate(gt.queries)]
    first = rows[0][1]
    rows[0] = (rows[0][0], [first[0]] * 3 + ["nowhere.wav"] + first[4:])  # 2 repeats, 1 unknown
    rows[7] = (rows[7][0], rows[7][1][:8] + [rows[7][1][0], rows[7][1][1]])  # 2 repeats
    if not in_order:
        rows.append((rows[3][0], [files[0]] * 5 + ["elsewhere.wav"] * 5))  # a second row: ignored
    write_topk_csv(tmp_path / "sub.csv", rows)
    report = score(tmp_path / "sub.csv", gt, lenient=True)
    assert report.policy.repeated_files_counted_once == 4
    assert report.policy.unknown_files_as_misses == 1
    assert report.policy.duplicate_rows_ignored == (0 if in_order else 1)
    # query 0 finds its file first, query 7 as well; the repeats and the unknown score nothing
    assert report.metrics["mAP@10"].value == pytest.approx(1.0)


def test_invalid_submission_refused_then_lenient_policy(tmp_path: Path) -> None:
    files = _write_gt(tmp_path / "gt.csv", 12)
    gt = load_ground_truth(tmp_path / "gt.csv")
    rows = [(q, [files[i // 5]] + [f for f in files if f != files[i // 5]][:9])
            for i, q in enumerate(gt.queries)]
    rows[0] = (rows[0][0], [rows[0][1][0]] * 2 + rows[0][1][2:])  # repeated file
    del rows[1]  # a missing query
    write_topk_csv(tmp_path / "sub.csv", rows)
    with pytest.raises(InputError) as err:
        score(tmp_path / "sub.csv", gt)
    assert {f.code for f in err.value.findings} == {"A402", "Q301"}
    report = score(tmp_path / "sub.csv", gt, lenient=True)
    assert report.policy.mode == "lenient"
    assert report.policy.missing_queries == 1 and report.policy.repeated_files_counted_once == 1
    # every present query has its file first; the missing one scores 0
    assert report.metrics["mAP@10"].value == pytest.approx(59 / 60)
    proc = run_cli("score", tmp_path / "sub.csv", "--gt", tmp_path / "gt.csv")
    assert proc.returncode == 1 and "A402" in proc.stderr and proc.stdout == ""
    proc = run_cli("score", tmp_path / "sub.csv", "--gt", tmp_path / "gt.csv", "--lenient",
                   "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["policy"]["missing_queries"] == 1
    assert "1 missing queries scored 0" in proc.stderr


def test_k_override_and_editions(tmp_path: Path) -> None:
    files = _write_gt(tmp_path / "gt.csv", 12)
    gt = load_ground_truth(tmp_path / "gt.csv")
    rows = [(q, [f for f in files if f != files[i // 5]][:4] + [files[i // 5]]
             + [f for f in files if f != files[i // 5]][4:9]) for i, q in enumerate(gt.queries)]
    write_topk_csv(tmp_path / "sub.csv", rows)
    assert score(tmp_path / "sub.csv", gt).metrics["mAP@10"].value == pytest.approx(0.2)
    r5 = score(tmp_path / "sub.csv", gt, k=5)
    assert r5.main_metric == "mAP@5" and r5.metrics["mAP@5"].value == pytest.approx(0.2)
    r4 = score(tmp_path / "sub.csv", gt, k=4)
    assert r4.metrics["mAP@4"].value == 0.0 and r4.metrics["R@5"].value == 1.0
    proc = run_cli("score", tmp_path / "sub.csv", "--gt", tmp_path / "gt.csv", "--k", "3",
                   "--format", "json")
    assert json.loads(proc.stdout)["metrics"]["mAP@3"]["value"] == 0.0


def test_2022_output_against_2025_annotations(ref2022: Path, ref2025: Path) -> None:
    """1,037 multi-relevant queries; AP divided by R; hand-checked on a few queries."""
    gt_path = ref2025 / "metadata_eval.csv"
    proc = run_cli("score", ref2022 / "test.output.csv", "--gt", gt_path, "--lenient",
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["n_queries"] == 1037 and doc["edition"] == "2025"
    assert doc["main_metric"] == "mAP@16" and set(doc["metrics"]) == {
        "mAP@16", "mAP@10", "R@1", "R@5", "R@10"}
    assert doc["policy"]["extra_rows_ignored"] == 5225 - 1037

    gt = load_ground_truth(gt_path)
    report = score(ref2022 / "test.output.csv", gt, lenient=True)
    assert report.per_query is not None
    with open(ref2022 / "test.output.csv", encoding="utf-8", newline="") as fh:
        ranking = {row[0]: row[1:] for row in csv.reader(fh)}
    with open(gt_path, encoding="utf-8", newline="") as fh:
        relevant = {row[0]: ast.literal_eval(row[1]) for row in list(csv.reader(fh))[1:]}
    ap10 = report.per_query.values["mAP@10"]
    r10 = report.per_query.values["R@10"]
    checked = 0
    for q, query in enumerate(gt.queries):
        rel = relevant[query]
        hits, precisions = 0, []
        for p, name in enumerate(ranking[query][:10], start=1):
            if name in rel:
                hits += 1
                precisions.append(hits / p)
        assert ap10[q] == pytest.approx(sum(precisions) / len(rel), abs=1e-15)
        assert r10[q] == pytest.approx(hits / len(rel), abs=1e-15)
        checked += hits > 0
    assert checked > 100
    assert report.metrics["mAP@10"].value == pytest.approx(float(np.mean(ap10)))


def test_auto_edition_keeps_2022_for_clotho_with_a_shared_caption(tmp_path: Path) -> None:
    files = _write_gt(tmp_path / "gt.csv", 12)
    text = (tmp_path / "gt.csv").read_text(encoding="utf-8")
    (tmp_path / "gt.csv").write_text(text.replace("caption 0 of clip 1", "caption 0 of clip 0"),
                                     encoding="utf-8")
    gt = load_ground_truth(tmp_path / "gt.csv")
    assert gt.n_relevant.max() == 2
    rows = [(q, files[:10]) for q in gt.queries]
    write_topk_csv(tmp_path / "sub.csv", rows)
    report = score(tmp_path / "sub.csv", gt)
    assert report.edition == "2022" and report.main_metric == "mAP@10"
    long_gt = tmp_path / "long.csv"
    long_gt.write_text("query,file_name\nq,a.wav\nq,b.wav\n", encoding="utf-8")
    write_topk_csv(tmp_path / "sub2.csv", [("q", ["b.wav", "a.wav"])], k=2)
    assert score(tmp_path / "sub2.csv", long_gt, lenient=True).edition == "2025"

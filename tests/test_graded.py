"""Graded relevance: nDCG@k, mAP@k and R@k equal to trec_eval (pytrec_eval) to 1e-12."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import load_ground_truth, score
from dcase_retrieval_eval.measure.ndcg import gain_matrix, ideal_dcg, ndcg_at
from tests.conftest import run_cli

pytrec_eval = pytest.importorskip("pytrec_eval")

FILES = [f"clip {i:02d}, take {i % 3}.wav" for i in range(40)]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _graded_case(tmp_path: Path, seed: int, *, graded: bool
                 ) -> tuple[Path, Path, dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """A ground truth (graded long format, or multi-relevant 2025 correspondence), a score
    matrix over every file with distinct scores, and the same data as trec_eval qrels and run."""
    rng = np.random.default_rng(seed)
    queries = [f"query {q}: a sound, described" for q in range(120)]
    qrels: dict[str, dict[str, int]] = {}
    for q in range(len(queries)):
        n = int(rng.integers(1, 18 if graded else 13))
        files = rng.choice(len(FILES), n, replace=False)
        if graded:
            grades = rng.integers(0, 101, n)
            if q % 11 == 0:
                grades[:] = 0  # judged, none relevant
            elif q % 5 == 0:
                grades = rng.integers(0, 4, n)  # a small scale, ties in the grades
        else:
            grades = np.ones(n, int)
        qrels[f"q{q}"] = {FILES[f]: int(g) for f, g in zip(files, grades, strict=True)}
    if graded:
        gt = _write(tmp_path / "gt.csv", [["query", "file_name", "relevance"], *[
            [queries[q], f, str(g)] for q in range(len(queries))
            for f, g in qrels[f"q{q}"].items()]])
    else:
        gt = _write(tmp_path / "gt.csv", [["query", "audio_filenames"], *[
            [queries[q], repr(list(qrels[f"q{q}"]))] for q in range(len(queries))]])
    run: dict[str, dict[str, float]] = {}
    matrix = [["index", *FILES]]
    for q, query in enumerate(queries):
        scores = rng.permutation(len(FILES)) / len(FILES) + rng.normal(0, 1e-3, len(FILES))
        run[f"q{q}"] = {f: float(s) for f, s in zip(FILES, scores, strict=True)}
        matrix.append([query, *[repr(float(s)) for s in scores]])
    sub = _write(tmp_path / "sub.csv", matrix)
    return gt, sub, qrels, run


def _trec(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], measures: set[str],
          level: int = 1) -> dict[str, np.ndarray]:
    result = pytrec_eval.RelevanceEvaluator(qrels, measures, relevance_level=level).evaluate(run)
    names = next(iter(result.values())).keys()
    return {m: np.array([result[f"q{q}"][m] for q in range(len(qrels))]) for m in names}


@pytest.mark.parametrize("k", [None, 1, 5, 16])
@pytest.mark.parametrize("threshold", [1, 50])
def test_graded_edition_equals_trec_eval(tmp_path: Path, k: int | None, threshold: int) -> None:
    gt, sub, qrels, run = _graded_case(tmp_path, 7, graded=True)
    report = score(sub, gt, edition="graded", k=k, relevance_threshold=threshold)
    main = k or 10
    assert report.main_metric == f"nDCG@{main}" and report.k == main
    assert list(report.metrics) == [f"nDCG@{main}", "mAP@10", "R@1", "R@5", "R@10"]
    trec = _trec(qrels, run, {f"ndcg_cut.{main}", "map_cut.10", "recall.1,5,10"}, threshold)
    assert report.per_query is not None
    got = report.per_query.values
    pairs = {f"nDCG@{main}": f"ndcg_cut_{main}", "mAP@10": "map_cut_10", "R@1": "recall_1",
             "R@5": "recall_5", "R@10": "recall_10"}
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(got[ours], trec[theirs], rtol=0, atol=1e-12, err_msg=ours)
        assert report.metrics[ours].value == pytest.approx(trec[theirs].mean(), abs=1e-12)
        stats = report.metrics[ours]
        sem = float(np.std(got[ours], ddof=1) / np.sqrt(len(got[ours])))
        assert stats.std_err == pytest.approx(sem, abs=1e-12)
        assert stats.ci_low <= stats.value <= stats.ci_high
    assert got[f"nDCG@{main}"].min() >= 0.0 and got[f"nDCG@{main}"].max() <= 1.0 + 1e-15


@pytest.mark.parametrize(("edition", "k", "maps"), [("2025", None, (16, 10)), ("2025", 5, (5,)),
                                                    ("graded", None, (10,))])
def test_multi_relevant_data_equals_trec_eval(tmp_path: Path, edition: str, k: int | None,
                                              maps: tuple[int, ...]) -> None:
    gt, sub, qrels, run = _graded_case(tmp_path, 3, graded=False)
    report = score(sub, gt, edition=edition, k=k)
    assert report.per_query is not None
    got = report.per_query.values
    trec = _trec(qrels, run, {"map_cut." + ",".join(map(str, maps)), "recall.1,5,10",
                              "ndcg_cut.10"})
    for m in maps:
        np.testing.assert_allclose(got[f"mAP@{m}"], trec[f"map_cut_{m}"], rtol=0, atol=1e-12)
    for m in (1, 5, 10):
        np.testing.assert_allclose(got[f"R@{m}"], trec[f"recall_{m}"], rtol=0, atol=1e-12)
    if edition == "graded":  # binary relevance read as grade 1
        np.testing.assert_allclose(got["nDCG@10"], trec["ndcg_cut_10"], rtol=0, atol=1e-12)


def test_ndcg_kernel_by_hand() -> None:
    # grades: a=3, b=2, c=0 (judged), d unjudged; ranking d, b, a
    ranks = np.array([[3, 1, 0]], np.int32)
    indptr = np.array([0, 3], np.int64)
    indices = np.array([0, 1, 2], np.int32)
    grades = np.array([3.0, 2.0, 0.0])
    gains = gain_matrix(ranks, indptr, indices, grades, 4)
    assert gains.tolist() == [[0.0, 2.0, 3.0]]
    dcg = 2 / np.log2(3) + 3 / np.log2(4)
    ideal = 3 + 2 / np.log2(3)
    assert ndcg_at(gains, ideal_dcg(indptr, grades, 3), 3)[0] == pytest.approx(dcg / ideal,
                                                                               abs=1e-15)
    # scaling every grade changes nothing
    scaled = ndcg_at(gain_matrix(ranks, indptr, indices, grades * 33, 4),
                     ideal_dcg(indptr, grades * 33, 3), 3)
    assert scaled[0] == pytest.approx(dcg / ideal, abs=1e-15)


def test_graded_cli_json_and_auto_edition(tmp_path: Path) -> None:
    gt, sub, qrels, run = _graded_case(tmp_path, 11, graded=True)
    proc = run_cli("score", sub, "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["edition"] == "graded" and doc["main_metric"] == "nDCG@10" and doc["k"] == 10
    assert list(doc["metrics"]) == ["nDCG@10", "mAP@10", "R@1", "R@5", "R@10"]
    trec = _trec(qrels, run, {"ndcg_cut.10", "map_cut.10"}, 30)
    proc = run_cli("score", sub, "--gt", gt, "--edition", "graded", "--relevance-threshold",
                   "30", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["metrics"]["nDCG@10"]["value"] == pytest.approx(trec["ndcg_cut_10"].mean(),
                                                               abs=1e-12)
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx(trec["map_cut_10"].mean(),
                                                              abs=1e-12)
    assert load_ground_truth(gt).format == "graded"


def test_rank_with_graded_relevance(tmp_path: Path) -> None:
    gt, sub, qrels, run = _graded_case(tmp_path, 13, graded=True)
    manifest = tmp_path / "systems.csv"
    manifest.write_text("system,team,path\nA_1,A,sub.csv\n", encoding="utf-8")
    proc = run_cli("rank", manifest, "--gt", gt, "--out", tmp_path / "out", "--rounds", "10",
                   "--relevance-threshold", "40", "--quiet")
    assert proc.returncode == 0, proc.stderr
    board = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert board["main_metric"] == "nDCG@10" and board["edition"] == "graded"
    (system,) = board["systems"]
    trec = _trec(qrels, run, {"ndcg_cut.10", "map_cut.10"}, 40)
    assert system["metrics"]["nDCG@10"]["value"] == pytest.approx(trec["ndcg_cut_10"].mean(),
                                                                  abs=1e-12)
    assert system["metrics"]["mAP@10"]["value"] == pytest.approx(trec["map_cut_10"].mean(),
                                                                 abs=1e-12)


def test_threshold_needs_graded_ground_truth(tmp_path: Path) -> None:
    gt, sub, _, _ = _graded_case(tmp_path, 2, graded=False)
    proc = run_cli("score", sub, "--gt", gt, "--relevance-threshold", "2")
    assert proc.returncode == 2 and "graded" in proc.stderr
    with pytest.raises(ValueError, match="graded"):
        score(sub, gt, relevance_threshold=2)


def test_per_query_csv_lists_the_files_at_the_threshold(tmp_path: Path) -> None:
    gt, sub, qrels, _ = _graded_case(tmp_path, 17, graded=True)
    out = tmp_path / "per_query.csv"
    proc = run_cli("score", sub, "--gt", gt, "--relevance-threshold", "60", "--per-query", out,
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:4] == ["query", "relevant_files", "positions_found", "nDCG@10"]
    for q, row in enumerate(rows):
        wanted = sorted(f for f, g in qrels[f"q{q}"].items() if g >= 60)
        assert sorted(json.loads(row["relevant_files"])) == wanted, q

"""`evaluate` on similarity matrices in memory, the `dcase` convention.

The `dcase` convention must equal `score` on a submission built from the same matrix, and every
measure must equal a small reference function written from the definitions in docs/evaluate.md
(stable tie rule: score descending, then item index ascending), with and without exact ties.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from dcase_retrieval_eval import InputError, evaluate, score

from .conftest import ROOT, run_page_example


def _order(row: np.ndarray) -> list[int]:
    """The stable ranking of one row, by a plain Python sort."""
    return sorted(range(row.size), key=lambda i: (-float(row[i]), i))


def _reference(sim: np.ndarray, rel: np.ndarray, name: str) -> list[float]:
    """Per-query values from the definitions (binary `rel` matrix; graded for nDCG)."""
    kind, _, k_text = name.partition("@")
    k = int(k_text) if k_text else 0
    out = []
    for q in range(sim.shape[0]):
        order = _order(sim[q])
        relevant = {i for i in range(sim.shape[1]) if rel[q, i] >= 1}
        top = order[:k]
        hits = [i in relevant for i in top]
        r = len(relevant)
        first = next((p + 1 for p, i in enumerate(order) if i in relevant), math.nan)
        if kind == "mAP":
            found, total = 0, 0.0
            for p, h in enumerate(hits, 1):
                if h:
                    found += 1
                    total += found / p
            out.append(total / max(r, 1))
        elif kind == "R":
            out.append(sum(hits) / max(r, 1))
        elif kind == "P":
            out.append(sum(hits) / k)
        elif kind == "Success":
            out.append(float(any(hits)))
        elif kind == "MRR":
            out.append(1.0 / first if first <= k else 0.0)
        elif kind == "nDCG":
            dcg = sum(rel[q, i] / math.log2(p + 2) for p, i in enumerate(top))
            ideal = sorted(rel[q][rel[q] > 0], reverse=True)[:k]
            idcg = sum(g / math.log2(p + 2) for p, g in enumerate(ideal))
            out.append(dcg / idcg if idcg > 0 else 0.0)
        else:  # mean_rank / median_rank: full rank of the first relevant item
            out.append(first)
    return out


MEASURES = ["mAP@10", "mAP@3", "R@1", "R@5", "P@5", "Success@5", "MRR@10", "nDCG@10",
            "mean_rank", "median_rank"]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_every_measure_equals_the_reference_definition(ties: bool, dtype: type) -> None:
    rng = np.random.default_rng(7)
    sim = rng.random((40, 30))
    if ties:
        sim = np.round(sim * 4) / 4  # many exact ties
    sim = sim.astype(dtype)
    rel = (rng.random((40, 30)) < 0.1).astype(np.float64)
    rel[0] = 0  # a query without relevant items
    report = evaluate(sim, rel.astype(bool), edition="2025", metrics=MEASURES)
    for name in MEASURES:
        expected = np.array(_reference(sim.astype(np.float64), rel, name))
        got = report.per_query.values[name]  # type: ignore[union-attr]
        np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True, err_msg=name)
    ranks = np.array(_reference(sim.astype(np.float64), rel, "mean_rank"))
    assert report.metrics["mean_rank"].value == pytest.approx(np.nanmean(ranks))
    assert report.metrics["median_rank"].value == pytest.approx(np.nanmedian(ranks))
    assert math.isnan(report.metrics["median_rank"].ci_low)
    assert any("no relevant item" in w for w in report.warnings)


def test_graded_relevance_gives_ndcg_and_thresholds_the_binary_measures() -> None:
    rng = np.random.default_rng(3)
    sim = rng.random((25, 18))
    grades = rng.integers(0, 4, (25, 18)).astype(np.float64) * (rng.random((25, 18)) < 0.3)
    report = evaluate(sim, grades, edition="graded", relevance_threshold=2)
    assert list(report.metrics)[0] == "nDCG@10"
    np.testing.assert_allclose(report.per_query.values["nDCG@10"],  # type: ignore[union-attr]
                               _reference(sim, grades, "nDCG@10"))
    np.testing.assert_allclose(report.per_query.values["R@5"],  # type: ignore[union-attr]
                               _reference(sim, (grades >= 2).astype(float), "R@5"))


def test_ir_measures_names_are_aliases() -> None:
    rng = np.random.default_rng(1)
    sim, rel = rng.random((20, 12)), rng.integers(0, 12, 20)
    a = evaluate(sim, rel, metrics=["AP@10", "R@5", "nDCG@10", "RR@10", "P@10", "Success@5"])
    b = evaluate(sim, rel, metrics=["mAP@10", "R@5", "nDCG@10", "MRR@10", "P@10", "Success@5"])
    assert list(a.metrics) == ["mAP@10", "R@5", "nDCG@10", "MRR@10", "P@10", "Success@5"]
    assert a.metrics == b.metrics
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate(sim, rel, metrics=["MAP@ten"])


def _clotho(tmp_path, sim: np.ndarray, clips: list[str], captions: list[str]):  # noqa: ANN001, ANN202
    gt = tmp_path / "gt.csv"
    lines = ["file_name," + ",".join(f"caption_{i}" for i in range(1, 6))]
    for c, clip in enumerate(clips):
        lines.append(clip + "," + ",".join(captions[5 * c: 5 * c + 5]))
    gt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    rows = ["caption," + ",".join(f"file_name_{i}" for i in range(1, 11))]
    for q, caption in enumerate(captions):
        rows.append(caption + "," + ",".join(clips[i] for i in _order(sim[q])[:10]))
    sub.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return sub, gt


@pytest.mark.parametrize("ties", [False, True])
def test_dcase_convention_equals_score_on_the_submission_of_the_same_matrix(
        tmp_path, ties: bool) -> None:  # noqa: ANN001
    rng = np.random.default_rng(11)
    n_clips = 14
    clips = [f"clip_{i:02d}.wav" for i in range(n_clips)]
    captions = [f"caption number {q}" for q in range(5 * n_clips)]
    sim = rng.random((5 * n_clips, n_clips)).astype(np.float32)
    if ties:
        sim = np.round(sim * 3) / 3
    sub, gt = _clotho(tmp_path, sim, clips, captions)
    official = score(sub, gt, edition="2022")
    mine = evaluate(sim, np.repeat(np.arange(n_clips), 5), edition="2022")
    assert list(mine.metrics) == list(official.metrics)
    for name, stats in official.metrics.items():
        assert mine.metrics[name] == stats, name  # identical values and CIs, bit for bit
    assert mine.main_metric == official.main_metric and mine.k == official.k
    assert (mine.warnings != []) == ties  # ties across the top-10 boundary are reported
    base = official.to_dict()
    doc = mine.to_dict()
    assert doc["metrics"] == base["metrics"]
    assert doc["convention"] == "dcase" and "index ascending" in str(doc["tie_rule"])
    assert "convention" not in base  # score's JSON is unchanged


def test_audio_to_text_takes_a_clips_captions_as_its_relevant_set() -> None:
    rng = np.random.default_rng(5)
    caption_to_clip = np.repeat(np.arange(8), 5)
    sim = rng.random((40, 8))
    rel = np.zeros((40, 8), bool)
    rel[np.arange(40), caption_to_clip] = True
    a2t = evaluate(sim.T, rel.T, edition="2022", direction="audio-to-text")
    np.testing.assert_allclose(a2t.per_query.values["mAP@10"],  # type: ignore[union-attr]
                               _reference(sim.T, rel.T.astype(float), "mAP@10"))
    assert a2t.direction == "audio-to-text" and a2t.n_queries == 8
    assert max(a2t.per_query.values["mAP@10"]) <= 1.0  # type: ignore[union-attr]


def test_report_logs_in_one_line_and_as_tables() -> None:
    rng = np.random.default_rng(2)
    r = evaluate(rng.random((30, 12)), rng.integers(0, 12, 30))
    line = str(r)
    assert "\n" not in line and line.startswith("text-to-audio n=30: mAP@10 ")
    frame = r.to_pandas()
    assert list(frame.index) == ["mAP@10", "R@1", "R@5", "R@10"]
    assert frame.loc["mAP@10", "ci_low"] == r.metrics["mAP@10"].ci_low
    assert r.to_pandas(per_query=True).shape == (30, 4)


def test_bad_input_is_a_clear_error() -> None:
    sim = np.random.default_rng(0).random((4, 5))
    with pytest.raises(InputError, match="shape"):
        evaluate(sim, np.zeros((4, 4), bool))
    with pytest.raises(InputError, match=r"\[0, 5\)"):
        evaluate(sim, np.array([0, 1, 2, 9]))
    bad = sim.copy()
    bad[1, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        evaluate(bad, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="unknown convention"):
        evaluate(sim, np.array([0, 1, 2, 3]), convention="nope")


def test_a_scipy_csr_matrix_is_accepted() -> None:
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(4)
    sim, rel = rng.random((20, 15)), rng.random((20, 15)) < 0.2
    a = evaluate(sim, sparse.csr_matrix(rel), edition="2025")
    b = evaluate(sim, rel, edition="2025")
    assert a.metrics == b.metrics


def test_a_torch_tensor_gives_the_same_report() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    sim = np.round(rng.random((30, 20)) * 5) / 5
    rel = rng.integers(0, 20, 30)
    for dtype in (np.float32, np.float16):
        a = evaluate(torch.from_numpy(sim.astype(dtype)), torch.from_numpy(rel),
                     metrics=MEASURES)
        b = evaluate(sim.astype(dtype), rel, metrics=MEASURES)
        np.testing.assert_equal({n: m.model_dump() for n, m in a.metrics.items()},
                                {n: m.model_dump() for n, m in b.metrics.items()})
        assert a.warnings == b.warnings


def test_evaluate_does_not_import_torch_or_pandas() -> None:
    code = ("import sys, numpy as np\nfrom dcase_retrieval_eval import evaluate\n"
            "r = evaluate(np.eye(4), np.arange(4))\nstr(r); r.to_dict()\n"
            "assert 'torch' not in sys.modules and 'pandas' not in sys.modules\n"
            "assert 'scipy' not in sys.modules, 'scipy'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("convention", ["laion-clap", "audio-retrieval-benchmark",
                                        "dcase2025-baseline", "torchmetrics"])
def test_other_conventions_give_their_numbers_in_the_same_report(convention: str) -> None:
    from dcase_retrieval_eval import evaluate_convention

    rng = np.random.default_rng(8)
    sim = np.round(rng.random((40, 8)) * 6) / 6
    rel = np.repeat(np.arange(8), 5)
    mine = evaluate(sim, rel, convention=convention)
    theirs = evaluate_convention(sim, rel, convention=convention)
    assert mine.convention == convention and mine.tie_rule == theirs.tie_rule
    assert len(mine.metrics) == len(theirs.metrics)
    for name, m in theirs.metrics.items():
        assert mine.metrics[name.replace(" ", "_")].value == pytest.approx(m.value), name


def test_a_tie_across_any_requested_cut_off_is_warned_about() -> None:
    sim = np.array([[0.4, 0.4, 0.1], [0.9, 0.5, 0.5], [0.9, 0.5, 0.1]])
    r = evaluate(sim, np.array([1, 2, 0]), metrics=["mAP@10", "R@1", "R@2"])
    assert r.warnings == ["2 of 3 queries have tied scores across a cut-off (top-1: 1, top-2: 1);"
                          " broken by " + r.tie_rule]  # type: ignore[operator]
    assert r.per_query.values["R@1"].tolist() == [0.0, 0.0, 1.0]  # type: ignore[union-attr]
    clean = evaluate(sim, np.array([1, 2, 0]), metrics=["mAP@10"])  # 10 >= 3 items: no cut
    assert clean.warnings == []


def test_the_evaluate_page_example_prints_what_the_page_shows() -> None:
    printed, shown = run_page_example("evaluate.md", "evaluate-example")
    assert printed == shown

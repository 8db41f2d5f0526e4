"""Ranking robustness: the vectorised bootstrap equals a plain loop with scipy, the draws are
paired, and `rank --bootstrap-rankings` puts the analysis into results.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from dcase_retrieval_eval.challenge.robustness import (
    DECIMALS,
    kendall_tau_b,
    metric_agreement,
    rank_robustness,
)

from .conftest import run_cli
from .organizer_data import make_challenge


def per_query(n: int, qualities: list[float], seed: int) -> np.ndarray:
    """AP-like values: 1/position of a hit in the top 10 with probability `quality`, else 0."""
    rng = np.random.default_rng(seed)
    hits = rng.random((n, len(qualities))) < np.asarray(qualities)
    return hits / rng.integers(1, 11, size=hits.shape)


def plain_loop(values: np.ndarray, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The textbook version: one draw at a time, scipy's ranks and Kendall's tau."""
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    official = np.round(values.mean(axis=0), DECIMALS)
    ranks, taus = [], []
    for _ in range(resamples):
        means = np.round(values[rng.integers(0, n, size=n)].mean(axis=0), DECIMALS)
        ranks.append(stats.rankdata(-means, method="min"))
        taus.append(stats.kendalltau(means, official).statistic)
    return np.array(ranks), np.array(taus)


def test_tau_b_equals_scipy_with_ties() -> None:
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 5, size=(50, 9)).astype(float)  # many ties
    reference = rng.integers(0, 4, size=9).astype(float)
    ours = kendall_tau_b(rows, reference)
    for row, tau in zip(rows, ours, strict=True):
        expected = stats.kendalltau(row, reference).statistic
        assert (np.isnan(tau) and np.isnan(expected)) or abs(tau - expected) < 1e-12


def test_vectorised_bootstrap_equals_a_plain_loop() -> None:
    values = per_query(300, [0.2, 0.5, 0.45, 0.3, 0.5, 0.1], seed=2)
    labels = [f"S{i}" for i in range(values.shape[1])]
    means = values.mean(axis=0)
    result = rank_robustness(values, labels, "mAP@10", {"mAP@10": means.tolist()},
                             resamples=400, seed=9)
    ranks, taus = plain_loop(values, 400, seed=9)
    for s, stab in enumerate(result.systems):
        shares = np.bincount(ranks[:, s].astype(int), minlength=len(labels) + 1)[1:] / 400
        assert stab.rank_shares == pytest.approx(shares.tolist(), abs=0)
        assert stab.median_rank == np.median(ranks[:, s])
        assert stab.p_first == np.mean(ranks[:, s] == 1)
        ordered = np.sort(ranks[:, s])
        assert stab.rank_low == ordered[int(np.ceil(0.025 * 400)) - 1]
        assert stab.rank_high == ordered[int(np.ceil(0.975 * 400)) - 1]
    assert result.tau_median == pytest.approx(np.median(taus), abs=1e-12)
    q1, q3 = np.quantile(taus, (0.25, 0.75))
    assert (result.tau_q1, result.tau_q3) == pytest.approx((q1, q3), abs=1e-12)


def test_draws_are_paired_and_seeded() -> None:
    values = per_query(200, [0.4, 0.4, 0.2], seed=3)
    values[:, 1] = values[:, 0]  # a resubmitted system: identical per-query values
    metrics = {"m": values.mean(axis=0).tolist()}
    a = rank_robustness(values, ["A", "B", "C"], "m", metrics, resamples=300, seed=4)
    assert a.systems[0].rank_shares == a.systems[1].rank_shares  # always tied, never apart
    assert a.systems[0].official_rank == a.systems[1].official_rank == 1
    again = rank_robustness(values, ["A", "B", "C"], "m", metrics, resamples=300, seed=4)
    assert again == a
    other = rank_robustness(values, ["A", "B", "C"], "m", metrics, resamples=300, seed=5)
    assert other.systems[2].rank_shares != a.systems[2].rank_shares


def test_a_dominant_system_is_always_first() -> None:
    values = per_query(500, [0.95, 0.05, 0.04], seed=6)
    values[:, 0] = 1.0
    result = rank_robustness(values, ["top", "x", "y"], "m",
                             {"m": values.mean(axis=0).tolist()}, resamples=200, seed=1)
    top = result.systems[0]
    assert (top.p_first, top.rank_low, top.rank_high, top.median_rank) == (1.0, 1, 1, 1.0)
    assert top.rank_shares == [1.0, 0.0, 0.0]
    assert result.systems[1].p_first == 0.0


def test_metric_agreement_is_scipy_kendalltau() -> None:
    metrics = {"mAP@10": [0.3, 0.25, 0.2, 0.1], "R@1": [0.2, 0.21, 0.1, 0.05],
               "R@5": [0.4, 0.3, 0.3, 0.1]}
    pairs = metric_agreement(metrics)
    assert [(p.metric_a, p.metric_b) for p in pairs] == [("mAP@10", "R@1"), ("mAP@10", "R@5"),
                                                         ("R@1", "R@5")]
    for p in pairs:
        expected = stats.kendalltau(metrics[p.metric_a], metrics[p.metric_b])
        assert p.tau == expected.statistic and p.p_value == expected.pvalue
    assert pairs[0].tau == pytest.approx(4 / 6)


def test_rank_cli_writes_robustness(tmp_path: Path) -> None:
    teams = {"Alpha_UA": [("Alpha_UA_task6b_1", 0.9), ("Alpha_UA_task6b_2", 0.3)],
             "Beta_UB": [("Beta_UB_task6b_1", 0.5)]}
    gt, uploads = make_challenge(tmp_path, teams, seed=8, n_files=40)
    out = tmp_path / "out"
    done = run_cli("rank", uploads, "--gt", gt, "--out", out, "--rounds", "200",
                   "--bootstrap-rankings", "300", "--quiet")
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "results.json").read_text("utf-8"))
    rb = doc["robustness"]
    assert rb["resamples"] == 300 and rb["seed"] == 2022 + 2 and rb["metric"] == "mAP@10"
    assert [s["label"] for s in rb["systems"]] == [s["label"] for s in doc["systems"]]
    assert [s["official_rank"] for s in rb["systems"]] == [s["rank"] for s in doc["systems"]]
    names = [(a["metric_a"], a["metric_b"]) for a in rb["metric_agreement"]]
    assert names[:3] == [("mAP@10", "R@1"), ("mAP@10", "R@5"), ("mAP@10", "R@10")]
    assert len(names) == 6
    html = (out / "index.html").read_text("utf-8")
    assert 'id="robustness"' in html and 'class="blob"' in html

    skipped = tmp_path / "skipped"
    done = run_cli("rank", uploads, "--gt", gt, "--out", skipped, "--rounds", "200",
                   "--bootstrap-rankings", "0", "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads((skipped / "results.json").read_text("utf-8"))["robustness"] is None
    assert "--bootstrap-rankings 0" in (skipped / "index.html").read_text("utf-8")

    bad = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "bad",
                  "--bootstrap-rankings", "-1", "--quiet")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr

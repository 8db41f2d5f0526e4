"""Paired randomization and bootstrap tests against scipy, and Holm against hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dcase_retrieval_eval.challenge.compare import compare, family
from dcase_retrieval_eval.challenge.significance import holm, paired_bootstrap, paired_randomization
from dcase_retrieval_eval.challenge.significance.bootstrap import bootstrap_means


def _scipy_p(x: np.ndarray, y: np.ndarray, n_resamples: int) -> float:
    res = stats.permutation_test((x, y), lambda a, b, axis: np.mean(a - b, axis=axis),
                                 permutation_type="samples", vectorized=True,
                                 n_resamples=n_resamples, alternative="two-sided",
                                 random_state=np.random.default_rng(0))
    return float(res.pvalue)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 10])
@pytest.mark.parametrize("kind", ["continuous", "ap-like", "with-zeros"])
def test_exact_enumeration_equals_scipy(n: int, kind: str) -> None:
    rng = np.random.default_rng(n * 31 + len(kind))
    if kind == "continuous":
        x, y = rng.random(n), rng.random(n)
    elif kind == "ap-like":  # reciprocal ranks and zeros, as in mAP with one relevant file
        x = rng.choice([0, 1, 1 / 2, 1 / 3, 1 / 10], n)
        y = rng.choice([0, 1, 1 / 2, 1 / 5], n)
    else:
        x = rng.random(n)
        y = x.copy()
        y[: n // 2] += 0.25
    ours = paired_randomization(x - y, rounds=10_000, seed=1)[0]
    assert ours == pytest.approx(_scipy_p(x, y, 10**6), rel=1e-12, abs=1e-15)


def test_one_query_cannot_be_significant() -> None:
    assert paired_randomization([0.7], rounds=100, seed=0)[0] == 1.0


def test_identical_systems_have_p_one() -> None:
    x = np.random.default_rng(0).random(50)
    assert paired_randomization(x - x, rounds=500, seed=3)[0] == 1.0


def test_monte_carlo_close_to_scipy_and_reproducible() -> None:
    rng = np.random.default_rng(5)
    x = rng.random(40)
    y = x - rng.normal(0.04, 0.2, 40)
    p1 = paired_randomization(x - y, rounds=4000, seed=11)[0]
    p2 = paired_randomization(x - y, rounds=4000, seed=11)[0]
    p3 = paired_randomization(x - y, rounds=4000, seed=12)[0]
    assert p1 == p2
    assert p1 != p3
    assert abs(p1 - _scipy_p(x, y, 20_000)) < 0.03
    assert 1 / 4001 <= p1 <= 1


def test_columns_are_independent_of_other_pairs() -> None:
    rng = np.random.default_rng(2)
    d = rng.normal(0.01, 0.3, (300, 4))
    together = paired_randomization(d, rounds=3000, seed=9)
    alone = [paired_randomization(d[:, j], rounds=3000, seed=9)[0] for j in range(4)]
    np.testing.assert_array_equal(together, alone)


def test_minimum_p_value_is_one_over_rounds_plus_one() -> None:
    d = np.full(200, 0.5)
    assert paired_randomization(d, rounds=999, seed=0)[0] == pytest.approx(1 / 1000)


def test_bootstrap_reproducible_and_close_to_scipy() -> None:
    rng = np.random.default_rng(3)
    d = rng.normal(0.05, 0.3, 400)
    a = paired_bootstrap(d, rounds=4000, seed=4, alpha=0.05)
    b = paired_bootstrap(d, rounds=4000, seed=4, alpha=0.05)
    assert a.ci_low[0] == b.ci_low[0] and a.ci_high[0] == b.ci_high[0]
    assert a.mean[0] == pytest.approx(d.mean())
    ref = stats.bootstrap((d,), np.mean, n_resamples=20_000, method="percentile",
                          confidence_level=0.95, random_state=np.random.default_rng(0))
    assert a.ci_low[0] == pytest.approx(ref.confidence_interval.low, abs=0.006)
    assert a.ci_high[0] == pytest.approx(ref.confidence_interval.high, abs=0.006)
    assert a.p_value[0] < 0.05


def test_bootstrap_means_are_resample_means() -> None:
    d = np.arange(6, dtype=float)[:, None]
    means = bootstrap_means(d, rounds=50, seed=1)
    assert means.shape == (50, 1)
    # every resample mean is a mean of 6 values drawn from 0..5
    assert np.allclose(means * 6, np.round(means * 6))
    assert means.min() >= 0 and means.max() <= 5


def test_holm_hand_computations() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(1*0.04, 0.06)
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_allclose(holm([0.02, 0.02, 0.04]), [0.06, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.2]), [0.2])
    assert holm([]).size == 0


def test_holm_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        holm([0.1, float("nan")])
    with pytest.raises(ValueError):
        holm([1.5])


def test_bad_inputs_raise_value_errors() -> None:
    with pytest.raises(ValueError):
        paired_randomization([0.1, float("inf")])
    with pytest.raises(ValueError):
        paired_randomization([0.1, 0.2], rounds=0)
    with pytest.raises(ValueError):
        paired_bootstrap([0.1, 0.2], alpha=1.0)


def test_compare_family_and_holm() -> None:
    rng = np.random.default_rng(8)
    values = np.column_stack([rng.random(100) * s for s in (1.0, 0.95, 0.5, 0.2)])
    labels = ["a", "b", "c", "d"]
    top = compare(values, labels, rounds=2000, seed=1)
    assert [(c.better, c.other) for c in top] == [("a", "b"), ("a", "c"), ("a", "d")]
    everything = compare(values, labels, rounds=2000, seed=1, all_pairs=True)
    assert len(everything) == 6 == len(family(4, True))
    raw = np.array([c.p_value for c in everything])
    np.testing.assert_allclose([c.p_adjusted for c in everything], holm(raw))
    assert all(c.significant == (c.p_adjusted <= 0.05) for c in everything)
    boot = compare(values, labels, test="bootstrap", rounds=2000, seed=1)
    assert [c.difference for c in boot] == pytest.approx([c.difference for c in top])
    with pytest.raises(ValueError):
        compare(values, labels, test="t-test")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_holm_properties(raw: list[float]) -> None:
    p = np.array(raw)
    adjusted = holm(p)
    assert (adjusted >= p - 1e-15).all()
    assert (adjusted <= np.minimum(1.0, p.size * p) + 1e-15).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(adjusted[order]) >= -1e-15).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=11, max_size=60), st.integers(0, 2**32 - 1))
def test_randomization_is_sign_symmetric_and_bounded(d: list[float], seed: int) -> None:
    x = np.array(d)
    p = paired_randomization(x, rounds=300, seed=seed)[0]
    assert 1 / 301 <= p <= 1
    assert paired_randomization(-x, rounds=300, seed=seed)[0] == p


def test_bootstrap_chunking_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_eval.challenge.significance import bootstrap

    d = np.random.default_rng(1).normal(0.02, 0.3, (80, 7))
    whole = paired_bootstrap(d, rounds=300, seed=2)
    monkeypatch.setattr(bootstrap, "PAIR_CELLS", 600)  # two columns per chunk
    chunked = paired_bootstrap(d, rounds=300, seed=2)
    # the same resamples; only the matrix product's rounding may differ in the last bits
    for name in ("ci_low", "ci_high"):
        np.testing.assert_allclose(getattr(whole, name), getattr(chunked, name), rtol=1e-12)
    np.testing.assert_array_equal(whole.p_value, chunked.p_value)

"""The closed-form jackknife equals astropy's jackknife_stats (the organizers' computation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dcase_retrieval_eval.measure.jackknife import jackknife_mean

astropy_jackknife = pytest.importorskip("astropy.stats.jackknife")

values = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(2, 400), elements=values),
       st.sampled_from([0.9, 0.95, 0.99]))
def test_equals_astropy(x: np.ndarray, confidence: float) -> None:
    estimate, bias, std_err, interval = astropy_jackknife.jackknife_stats(x, np.mean, confidence)
    ours = jackknife_mean(x, confidence)
    assert ours.value == pytest.approx(float(np.mean(x)), abs=1e-15)
    assert ours.jackknife_estimate == pytest.approx(float(estimate), abs=1e-12)
    assert ours.bias == pytest.approx(float(bias), abs=1e-12)
    assert ours.std_err == pytest.approx(float(std_err), abs=1e-12)
    assert ours.ci_low == pytest.approx(float(interval[0]), abs=1e-12)
    assert ours.ci_high == pytest.approx(float(interval[1]), abs=1e-12)


def test_binary_vector_hand_computation() -> None:
    x = np.array([1.0, 0.0, 0.0, 1.0])
    ours = jackknife_mean(x)
    se = math.sqrt(1 / 3) / 2  # std(ddof=1) = sqrt(1/3), over sqrt(4)
    assert ours.std_err == pytest.approx(se, abs=1e-15)
    assert ours.ci_low == pytest.approx(0.5 - 1.959963984540054 * se, abs=1e-12)


def test_degenerate_inputs() -> None:
    with pytest.raises(ValueError):
        jackknife_mean([])
    with pytest.raises(ValueError):
        jackknife_mean([1.0, 2.0], confidence=1.0)
    single = jackknife_mean([0.25])
    assert single.value == 0.25 and math.isnan(single.std_err)


def test_the_95_percent_quantile_is_the_stdlib_one_to_the_bit() -> None:
    """The constant that spares the scoring path the `statistics` import is NormalDist's."""
    from statistics import NormalDist

    from dcase_retrieval_eval.measure.jackknife import Z_95, normal_quantile

    assert NormalDist().inv_cdf((1.0 + 0.95) / 2.0) == Z_95
    assert normal_quantile(0.95) == Z_95
    assert normal_quantile(0.9) == NormalDist().inv_cdf(0.95)

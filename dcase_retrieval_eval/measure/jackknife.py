"""Jackknife confidence interval of a mean, in closed form.

The organizers call `astropy.stats.jackknife.jackknife_stats(x, np.mean, 0.95)`, which builds the
n x (n-1) matrix of leave-one-out samples: O(n^2) memory. For the mean every quantity has a closed
form. With S = sum(x) the leave-one-out means are theta_i = (S - x_i) / (n - 1), whose mean is
mean(x) exactly, so
    bias      = (n - 1) * (mean(theta) - mean(x)) = 0
    estimate  = mean(x) - bias = mean(x)
    std_err   = sqrt((n-1)/n * sum((theta_i - mean theta)^2)) = std(x, ddof=1) / sqrt(n)
    interval  = estimate -/+ z * std_err,  z = sqrt(2) * erfinv(confidence)   (normal approx.;
                computed with the stdlib's NormalDist, which avoids importing SciPy; the
                official 95% z is kept as a constant, since importing `statistics` costs a
                million-query score 30 ms after reading)
Astropy's values differ from these only by floating-point rounding (about 1e-14).
Reference: Efron & Stein (1981); astropy.stats.jackknife_stats.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

#: The one footnote of every printed interval: the bounds are the normal approximation's, kept
#: raw (never clipped to [0, 1]) so that they equal the official astropy numbers; JSON and CSV
#: outputs hold them as computed.
CI_NOTE = ("Confidence intervals are the jackknife's normal approximation (as astropy computes "
           "it, kept for parity with the official numbers), not clipped to [0, 1]: a bound can "
           "fall just outside.")

#: NormalDist().inv_cdf(0.975), to the last bit (a test checks it)
Z_95 = 1.9599639845400536


def normal_quantile(confidence: float) -> float:
    """z of a two-sided normal interval of this confidence."""
    if confidence == 0.95:
        return Z_95
    from statistics import NormalDist

    return NormalDist().inv_cdf((1.0 + confidence) / 2.0)  # = sqrt(2) erfinv(c), to 1e-15


class JackknifeStats(BaseModel):
    value: float
    jackknife_estimate: float
    bias: float
    std_err: float
    ci_low: float
    ci_high: float


def jackknife_mean(x: npt.ArrayLike, confidence: float = 0.95) -> JackknifeStats:
    """Mean of `x` with its jackknife bias, standard error and normal-approximation interval."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie in (0, 1)")
    data = np.asarray(x, dtype=np.float64).ravel()
    n = data.size
    if n == 0:
        raise ValueError("the jackknife needs at least one value")
    mean = float(np.mean(data))
    if n == 1:
        nan = math.nan
        return JackknifeStats(value=mean, jackknife_estimate=nan, bias=nan, std_err=nan,
                              ci_low=nan, ci_high=nan)
    std_err = float(np.std(data, ddof=1)) / math.sqrt(n)
    z = normal_quantile(confidence)
    return JackknifeStats(
        value=mean,
        jackknife_estimate=mean,
        bias=0.0,
        std_err=std_err,
        ci_low=mean - z * std_err,
        ci_high=mean + z * std_err,
    )


def jackknife_means(rows: npt.NDArray[np.float64], confidence: float = 0.95,
                    ) -> list[JackknifeStats]:
    """`jackknife_mean` of each row of a (metrics x queries) matrix in one pass: the same
    floats (each row's mean and standard deviation are reduced alone, as for a 1-D array)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie in (0, 1)")
    data = np.ascontiguousarray(rows, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] == 0:
        raise ValueError("the jackknife needs a (metrics x queries) matrix with a query")
    n = data.shape[1]
    means = np.mean(data, axis=1)
    if n == 1:
        return [jackknife_mean(row, confidence) for row in data]
    errs = np.std(data, axis=1, ddof=1) / math.sqrt(n)
    z = normal_quantile(confidence)
    return [JackknifeStats(value=m, jackknife_estimate=m, bias=0.0, std_err=e, ci_low=m - z * e,
                           ci_high=m + z * e)
            for m, e in zip(means.tolist(), errs.tolist(), strict=True)]

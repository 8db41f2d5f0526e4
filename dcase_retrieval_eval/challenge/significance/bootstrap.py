"""Paired bootstrap of a difference in mean per-query values: a percentile CI and a p-value.

Queries are resampled with replacement (the same resample for both systems, hence paired;
Efron & Tibshirani 1993, ch. 13 and 16; Sakai 2006 for IR). Each round's mean difference is
w . d with w the resample counts / n, so one count matrix per block serves every pair.

- CI: the alpha/2 and 1 - alpha/2 percentiles of the bootstrap means (percentile method).
- p-value: the null distribution is the bootstrap distribution shifted to mean 0, so
  p = (1 + #{|b - mean(d)| >= |mean(d)|}) / (rounds + 1) (two-sided, never 0).
Deterministic for a seed; the counts depend only on (seed, rounds, n).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from ._chunks import as_differences, blocks, check_rounds
from .randomization import REL_TOL

#: Cells of the (rounds x pairs) matrix of bootstrap means kept at once (about 80 MB).
PAIR_CELLS = 10_000_000


class BootstrapResult(BaseModel):
    """Per pair: observed mean difference, percentile CI and two-sided p-value."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    mean: npt.NDArray[np.float64]
    ci_low: npt.NDArray[np.float64]
    ci_high: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]


def bootstrap_means(
    diffs: npt.ArrayLike, *, rounds: int = 10_000, seed: int = 0
) -> npt.NDArray[np.float64]:
    """The (rounds x pairs) matrix of resampled mean differences."""
    check_rounds(rounds)
    d = as_differences(diffs)
    n = d.shape[0]
    rng = np.random.default_rng(seed)
    out: list[npt.NDArray[np.float64]] = []
    for size in blocks(rounds, n):
        picks = rng.integers(0, n, size=(size, n))
        picks += (np.arange(size) * n)[:, None]
        counts = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
        out.append((counts.astype(np.float64) @ d) / n)
    return np.vstack(out)


def paired_bootstrap(
    diffs: npt.ArrayLike, *, rounds: int = 10_000, seed: int = 0, alpha: float = 0.05
) -> BootstrapResult:
    """Percentile CI at level 1 - alpha and bootstrap p-value for each column of `diffs`."""
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie in (0, 1)")
    d = as_differences(diffs)
    observed = d.mean(axis=0)
    pairs = d.shape[1]
    low = np.empty(pairs)
    high = np.empty(pairs)
    count = np.empty(pairs, np.int64)
    # columns in chunks so that the (rounds x pairs) matrix stays small; every chunk redraws the
    # same resamples (they depend only on seed, rounds and n), so chunking changes nothing
    width = max(1, PAIR_CELLS // rounds)
    for lo in range(0, pairs, width):
        cols = slice(lo, min(pairs, lo + width))
        means = bootstrap_means(d[:, cols], rounds=rounds, seed=seed)
        low[cols], high[cols] = np.quantile(means, [alpha / 2, 1 - alpha / 2], axis=0)
        extreme = np.abs(observed[cols]) * (1 - REL_TOL) - 1e-15
        count[cols] = (np.abs(means - observed[cols]) >= extreme).sum(axis=0)
    return BootstrapResult(mean=observed, ci_low=low, ci_high=high,
                           p_value=(count + 1) / (rounds + 1))

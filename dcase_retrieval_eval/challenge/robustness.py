"""Ranking robustness: how stable is each rank when the queries are resampled?

After challengeR (Wiesenfarth et al., "Methods and open-source toolkit for analyzing and
visualizing challenge results", Sci. Rep. 11, 2369, 2021): the queries are drawn with replacement
`resamples` times, the same draws for every system (paired), each system's mean of the main
metric is recomputed on every draw and the systems are re-ranked. From the bootstrap rankings:
each system's median rank, 95% rank interval and probability of rank 1, and Kendall's tau between
every bootstrap ranking and the official one. Separately, Kendall's tau between the rankings by
each pair of metrics.

Pure NumPy: a draw is a vector of per-query counts, so the means of all systems over a block of
draws are one matrix product (counts @ values / n); ranks and tau-b are vectorised over draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy import stats

#: Means are compared after rounding to this many decimals, so that two systems with the same
#: per-query values tie in every draw whatever the order of floating-point summation.
DECIMALS = 12
#: Upper bound on the count matrix of one block of draws (elements), about 64 MB of int64.
BLOCK_ELEMENTS = 8_000_000
INTERVAL = 0.95


class RankStability(BaseModel):
    """One system's ranks over the bootstrap draws."""

    label: str
    official_rank: int
    median_rank: float
    rank_low: int
    rank_high: int
    p_first: float
    #: Share of draws in which the system had rank r, at index r - 1 (competition ranks).
    rank_shares: list[float]


class MetricAgreement(BaseModel):
    """Kendall's tau-b between the rankings of the systems by two metrics."""

    metric_a: str
    metric_b: str
    tau: float
    p_value: float


class Robustness(BaseModel):
    """The bootstrap analysis of a ranking (see the module docstring)."""

    metric: str
    resamples: int
    seed: int
    interval: float = INTERVAL
    systems: list[RankStability]
    tau_median: float
    tau_q1: float
    tau_q3: float
    metric_agreement: list[MetricAgreement]


def bootstrap_means(values: npt.NDArray[np.float64], resamples: int, seed: int,
                    ) -> npt.NDArray[np.float64]:
    """(resamples x systems) means of `values` (queries x systems) over paired draws of the
    queries with replacement, rounded to DECIMALS."""
    n, _ = values.shape
    rng = np.random.default_rng(seed)
    out = np.empty((resamples, values.shape[1]))
    block = max(1, min(resamples, BLOCK_ELEMENTS // max(n, 1)))
    for start in range(0, resamples, block):
        b = min(block, resamples - start)
        draws = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        out[start:start + b] = counts @ values
    out /= n
    return np.round(out, DECIMALS)


def competition_ranks(means: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Per row: 1 + the number of systems with a strictly larger mean (1, 2, 2, 4)."""
    greater: npt.NDArray[np.int64] = (means[:, None, :] > means[:, :, None]).sum(axis=2)
    return 1 + greater


def kendall_tau_b(rows: npt.NDArray[np.float64], reference: npt.NDArray[np.float64],
                  ) -> npt.NDArray[np.float64]:
    """Kendall's tau-b of every row of `rows` against `reference` (equal to
    scipy.stats.kendalltau's default variant); NaN where either side is all ties."""
    i, j = np.triu_indices(rows.shape[1], 1)
    sign_rows = np.sign(rows[:, i] - rows[:, j])
    sign_ref = np.sign(reference[i] - reference[j])
    pairs = np.count_nonzero(sign_rows, axis=1) * np.count_nonzero(sign_ref)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sign_rows @ sign_ref) / np.sqrt(pairs.astype(np.float64))
    return np.where(pairs > 0, tau, np.nan)


def metric_agreement(metrics: Mapping[str, Sequence[float]]) -> list[MetricAgreement]:
    """Kendall's tau-b (scipy.stats.kendalltau) for every pair of metrics' system values."""
    names = list(metrics)
    out: list[MetricAgreement] = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            x, y = np.asarray(metrics[names[a]]), np.asarray(metrics[names[b]])
            if len(x) < 2:
                tau, p = math.nan, math.nan
            else:
                result = stats.kendalltau(x, y)
                tau, p = float(result.statistic), float(result.pvalue)
            out.append(MetricAgreement(metric_a=names[a], metric_b=names[b], tau=tau,
                                       p_value=p))
    return out


def rank_robustness(values: npt.NDArray[np.float64], labels: Sequence[str], metric: str,
                    metrics: Mapping[str, Sequence[float]], *, resamples: int = 1000,
                    seed: int = 0) -> Robustness:
    """Bootstrap the queries of `values` (queries x systems, columns in `labels` order) and
    describe how stable the ranking by `metric` is; `metrics` holds every metric's official
    system values (same order) for the agreement between metrics."""
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    n_systems = len(labels)
    official = np.asarray(metrics[metric], dtype=np.float64).round(DECIMALS)
    official_ranks = competition_ranks(official[None, :])[0]
    means = bootstrap_means(values, resamples, seed) if n_systems else np.zeros((resamples, 0))
    ranks = competition_ranks(means)
    tau = kendall_tau_b(means, official) if n_systems > 1 else np.full(resamples, np.nan)
    tail = (1 - INTERVAL) / 2
    systems = []
    for s, label in enumerate(labels):
        r = ranks[:, s]
        shares = np.bincount(r, minlength=n_systems + 1)[1:] / resamples
        systems.append(RankStability(
            label=label, official_rank=int(official_ranks[s]), median_rank=float(np.median(r)),
            rank_low=int(np.quantile(r, tail, method="inverted_cdf")),
            rank_high=int(np.quantile(r, 1 - tail, method="inverted_cdf")),
            p_first=float(shares[0]), rank_shares=[float(v) for v in shares]))
    finite = tau[np.isfinite(tau)]
    q1, med, q3 = (np.quantile(finite, (0.25, 0.5, 0.75)) if finite.size
                   else (math.nan, math.nan, math.nan))
    return Robustness(metric=metric, resamples=resamples, seed=seed, systems=systems,
                      tau_median=float(med), tau_q1=float(q1), tau_q3=float(q3),
                      metric_agreement=metric_agreement(metrics))

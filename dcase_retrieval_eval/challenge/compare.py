"""Paired comparisons of ranked systems on the main metric's per-query values.

The family of tests is the top system against every other (default) or all pairs. For each pair
the p-value comes from the chosen test (paired randomization, or paired bootstrap), the
difference gets a paired-bootstrap percentile CI either way, and Holm's correction is applied
across the whole family. The randomization stream uses `seed`, the bootstrap stream `seed + 1`,
so both are reproducible and independent.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .leaderboard import Comparison, TestName
from .significance import holm, paired_bootstrap, paired_randomization


def family(n_systems: int, all_pairs: bool) -> list[tuple[int, int]]:
    """Index pairs (better, other) in rank order."""
    if all_pairs:
        return [(i, j) for i in range(n_systems) for j in range(i + 1, n_systems)]
    return [(0, j) for j in range(1, n_systems)]


def compare(
    values: npt.NDArray[np.float64],
    labels: list[str],
    *,
    test: TestName = "randomization",
    rounds: int = 10_000,
    seed: int = 0,
    alpha: float = 0.05,
    all_pairs: bool = False,
) -> list[Comparison]:
    """Tests for a (queries x systems) matrix whose columns are in rank order."""
    if test not in ("randomization", "bootstrap"):
        raise ValueError(f"unknown test {test!r}; choose randomization or bootstrap")
    if values.ndim != 2 or values.shape[1] != len(labels):
        raise ValueError("values must be a (queries x systems) matrix matching labels")
    pairs = family(len(labels), all_pairs)
    if not pairs:
        return []
    better = np.array([a for a, _ in pairs])
    other = np.array([b for _, b in pairs])
    diffs = values[:, better] - values[:, other]
    boot = paired_bootstrap(diffs, rounds=rounds, seed=seed + 1, alpha=alpha)
    if test == "randomization":
        p = paired_randomization(diffs, rounds=rounds, seed=seed)
    else:
        p = boot.p_value
    adjusted = holm(p)
    return [
        Comparison(better=labels[a], other=labels[b], difference=float(boot.mean[i]),
                   ci_low=float(boot.ci_low[i]), ci_high=float(boot.ci_high[i]),
                   p_value=float(p[i]), p_adjusted=float(adjusted[i]),
                   significant=bool(adjusted[i] <= alpha))
        for i, (a, b) in enumerate(pairs)
    ]

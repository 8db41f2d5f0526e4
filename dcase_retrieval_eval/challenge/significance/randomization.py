"""Paired randomization (sign-flip) test of a difference in mean per-query values.

Under the null hypothesis that two systems are exchangeable on every query, the sign of each
per-query difference d_i is equally likely + or -. The statistic is mean(d); the two-sided p-value
is the share of sign assignments whose |mean| reaches the observed |mean(d)|
(Fisher 1935; Smucker, Allan & Carterette 2007 for IR evaluation).

- When 2^n <= rounds every assignment is enumerated and p = count / 2^n (exact), as
  `scipy.stats.permutation_test(..., permutation_type='samples')` does.
- Otherwise `rounds` random assignments are drawn and p = (count + 1) / (rounds + 1), which is
  never 0 and is scipy's Monte-Carlo estimator too.

Vectorised: the +-1 sign matrix depends only on (seed, rounds, n); it is drawn once, block by
block, and multiplied with the (queries x pairs) difference matrix, so every pair sees the same
assignments and a pair's p-value does not depend on which other pairs are tested.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from ._chunks import as_differences, blocks, check_rounds

#: Relative tolerance on |statistic| >= |observed|, so that equal sums computed in another order
#: still count as "as extreme" (scipy uses a similar tolerance).
REL_TOL = 1e-9
#: Enumerate exactly only up to this many queries (2^20 assignments).
MAX_EXACT_N = 20


def _exact_signs(n: int) -> npt.NDArray[np.float64]:
    grid = np.array(list(itertools.product((1.0, -1.0), repeat=n)), dtype=np.float64)
    return grid.reshape(2**n, n)


def paired_randomization(
    diffs: npt.ArrayLike, *, rounds: int = 10_000, seed: int = 0
) -> npt.NDArray[np.float64]:
    """Two-sided p-value of mean(d) = 0 for each column of a (queries x pairs) difference matrix."""
    check_rounds(rounds)
    d = as_differences(diffs)
    n, pairs = d.shape
    observed = np.abs(d.mean(axis=0))
    threshold = observed - REL_TOL * observed - 1e-15
    if n <= MAX_EXACT_N and 2**n <= rounds:
        stats = np.abs(_exact_signs(n) @ d) / n
        return np.asarray((stats >= threshold).sum(axis=0) / 2**n, dtype=np.float64)
    rng = np.random.default_rng(seed)
    count = np.zeros(pairs, np.int64)
    for size in blocks(rounds, n):
        bits = rng.integers(0, 2, size=(size, n), dtype=np.int8)
        signs = 1.0 - 2.0 * bits.astype(np.float64)
        stats = np.abs(signs @ d) / n
        count += (stats >= threshold).sum(axis=0)
    return np.asarray((count + 1) / (rounds + 1), dtype=np.float64)

"""Holm's step-down correction of a family of p-values (Holm 1979).

Sort the m p-values ascending, p_(1) <= ... <= p_(m). The adjusted value of p_(i) is
max over j <= i of min(1, (m - j + 1) p_(j)). A hypothesis is rejected at level alpha when its
adjusted p-value is <= alpha; this controls the family-wise error rate without assuming
independence, and rejects at least as much as Bonferroni.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def holm(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Holm-adjusted p-values, in the input order. Ties keep their input order (stable sort)."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if p.size == 0:
        return p.copy()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p-values must lie in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m, np.float64)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted

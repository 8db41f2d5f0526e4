"""Paired significance tests on per-query values, and the Holm multiple-comparison correction.

One file per test, as in ranx: `randomization.py` (sign-flip), `bootstrap.py` (paired bootstrap),
`holm.py` (step-down correction). All work on a matrix of per-query differences so that one random
matrix, drawn once per seed, serves every pair (a single matrix product per chunk of rounds).
"""

from .bootstrap import BootstrapResult, paired_bootstrap
from .holm import holm
from .randomization import paired_randomization

__all__ = ["BootstrapResult", "holm", "paired_bootstrap", "paired_randomization"]

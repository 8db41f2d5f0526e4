"""The versions a score was computed with, shown on the detailed results page.

The scoring image pins its dependencies (docker/constraints.txt); the page records what really
ran, so that a score can be traced to its libraries whatever image a worker pulled.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

#: The distributions whose code computes or reads a score (the rest only render or parse
#: options).
SCORING_LIBRARIES = ("dcase-retrieval-eval", "numpy", "scipy", "pyarrow", "pydantic", "pyyaml")


def scorer_versions() -> dict[str, str]:
    """Python's and each scoring library's version ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for name in SCORING_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out

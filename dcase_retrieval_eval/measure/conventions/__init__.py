"""Named conventions: other codebases' retrieval numbers, reproduced on the same matrix.

Each module reads one public codebase (file and commit in its docstring) and states its one
tie rule; `CONVENTIONS` maps the public names to them.
"""

from __future__ import annotations

from . import audio_retrieval_benchmark, dcase2025_baseline, laion_clap, torchmetrics_retrieval
from .base import Convention, ConventionError, ConventionResult, Metric

CONVENTIONS: dict[str, Convention] = {
    c.name: c for c in (
        dcase2025_baseline.CONVENTION, laion_clap.CONVENTION,
        audio_retrieval_benchmark.CONVENTION, torchmetrics_retrieval.CONVENTION,
        torchmetrics_retrieval.CONVENTION_1_7_3,
    )
}

__all__ = ["CONVENTIONS", "Convention", "ConventionError", "ConventionResult", "Metric"]

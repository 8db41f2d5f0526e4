"""Machine-readable renderings of scores: JSON and CSV (the per-query CSV is `per_query.py`)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from ..measure.scoring import ScoreReport


def strict_json(value: Any) -> Any:
    """`value` with every NaN or infinity replaced by None (JSON `null`).

    JSON has no NaN: Python writes a bare `NaN` that strict parsers (JavaScript's JSON.parse, jq,
    Go, Rust's serde) reject. An undefined statistic (the standard error of one query) is null.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def score_json(report: ScoreReport) -> str:
    return json.dumps(strict_json(report.to_dict()), indent=2, allow_nan=False) + "\n"


def score_csv(report: ScoreReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["metric", "value", "jackknife_estimate", "bias", "std_err", "ci_low",
                     "ci_high", "n_queries", "edition"])
    for name, m in report.metrics.items():
        writer.writerow([name, repr(m.value), repr(m.jackknife_estimate), repr(m.bias),
                         repr(m.std_err), repr(m.ci_low), repr(m.ci_high), report.n_queries,
                         report.edition])
    return buf.getvalue()

"""Machine-readable renderings of scores: JSON and CSV (the per-query CSV is `per_query.py`)."""

from __future__ import annotations

import csv
import io
import json

from ..io.json_safe import strict_json
from ..measure.scoring import ScoreReport


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

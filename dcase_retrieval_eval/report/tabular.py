"""Machine-readable renderings: JSON and CSV of scores, and the per-query CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ..formats.ground_truth import GroundTruth
from ..io.atomic import atomic_writer
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


def write_per_query(path: Path, report: ScoreReport, gt: GroundTruth) -> None:
    """One row per ground-truth query: relevant files, positions found, AP and R@k."""
    if report.per_query is None:
        raise ValueError("the report was made without per-query values")
    values = report.per_query.values
    names = list(values)
    with atomic_writer(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "relevant_files", "positions_found", *names])
        columns = [values[n].tolist() for n in names]
        for q, query in enumerate(gt.queries):
            writer.writerow([
                query,
                json.dumps(gt.relevant(q), ensure_ascii=False),
                " ".join(map(str, report.per_query.positions[q])),
                *[repr(col[q]) for col in columns],
            ])

"""Machine-readable renderings: JSON and CSV of scores, and the per-query CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..formats.ground_truth import GroundTruth
from ..io.atomic import atomic_writer
from ..measure.metrics import first_positions
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


def _texts_of_values(values: npt.NDArray[np.float64]) -> list[str]:
    """`repr` of each value, computed once per distinct value (a metric takes few values)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = [repr(v) for v in distinct.tolist()]
    return [texts[i] for i in inverse.ravel().tolist()]


def _position_texts(hits: npt.NDArray[np.bool_]) -> list[str]:
    """'1 3' for a row whose hits are at positions 1 and 3; each distinct row pattern is
    written once (a 10-wide row has at most 1,024)."""
    n, width = hits.shape
    if width > 62:
        return [" ".join(map(str, row)) for row in first_positions(hits)]
    codes = hits.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
    distinct, inverse = np.unique(codes, return_inverse=True)
    texts = [" ".join(str(p + 1) for p in range(width) if code >> p & 1)
             for code in distinct.tolist()]
    return [texts[i] for i in inverse.ravel().tolist()]


def _relevant_texts(audio: list[str], indptr: npt.NDArray[np.int64],
                    indices: npt.NDArray[np.int32]) -> list[str]:
    """The JSON list of each query's relevant files; each file's JSON string is made once."""
    quoted = {i: json.dumps(audio[i], ensure_ascii=False) for i in np.unique(indices).tolist()}
    counts = np.diff(indptr)
    if counts.size and bool((counts == 1).all()):
        return [f"[{quoted[i]}]" for i in indices.tolist()]
    idx, ptr = indices.tolist(), indptr.tolist()
    return ["[" + ", ".join(quoted[i] for i in idx[ptr[q]:ptr[q + 1]]) + "]"
            for q in range(len(ptr) - 1)]


def write_per_query(path: Path, report: ScoreReport, gt: GroundTruth) -> None:
    """One row per ground-truth query: the relevant files as scored, the positions where they
    were found, and every metric. Linear in the number of queries: each column is built once,
    distinct values formatted once, and the rows written by the csv module's C loop."""
    pq = report.per_query
    if pq is None:
        raise ValueError("the report was made without per-query values")
    indptr = pq.rel_indptr if pq.rel_indptr is not None else gt.rel_indptr
    indices = pq.rel_indices if pq.rel_indices is not None else gt.rel_indices
    columns = [gt.queries, _relevant_texts(gt.audio, indptr, indices), _position_texts(pq.hits),
               *(_texts_of_values(v) for v in pq.values.values())]
    with atomic_writer(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "relevant_files", "positions_found", *pq.values])
        writer.writerows(zip(*columns, strict=True))

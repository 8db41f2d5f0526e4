"""The per-query CSV of `score --per-query`: one row per ground-truth query.

Columns: `query`, `relevant_files` (a JSON list of the relevant files as scored), `positions_found`
(1-based positions of those files in the ranking, space-separated) and one column per metric
(Python's `repr` of the float). The text is what `csv.writer` (minimal quoting, LF line ends)
would write, built column-wise so that the cost stays a small fraction of scoring at any size:
- the part of a row after the relevant files depends only on which positions hold a hit and on
  the metric values, so each distinct combination (a few hundred at most) is formatted once;
- each relevant file's JSON text is made once, and queries are quoted only where one of `,"\r\n`
  occurs (found by one regular-expression scan over all queries joined).
"""

from __future__ import annotations

import json
import re
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..formats.ground_truth import GroundTruth
from ..io.atomic import atomic_writer
from ..measure.scoring import ScoreReport

_SPECIAL = re.compile(r'[,"\r\n]')
_JSON_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f\u2028\u2029]')
_BATCH = 1 << 16  # rows joined per write


def csv_field(text: str) -> str:
    """`text` as `csv.writer` writes one field with minimal quoting."""
    if _SPECIAL.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def _quoted_column(texts: list[str]) -> list[str]:
    """`csv_field` of every text; only the texts that need quotes are touched."""
    if not texts:
        return []
    joined = "\0".join(texts)  # NUL never occurs in text that passed the byte checks
    if not any(c in joined for c in ',"\r\n'):  # four C scans; the regex only finds where
        return list(texts)
    hits = [m.start() for m in _SPECIAL.finditer(joined)]
    ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)
    out = list(texts)
    for i in np.unique(np.searchsorted(ends, np.asarray(hits), side="right")).tolist():
        out[i] = csv_field(texts[i])
    return out


def _json_string(name: str) -> str:
    """`json.dumps(name, ensure_ascii=False)`, without the call for a name with nothing to
    escape (the common case)."""
    if _JSON_ESCAPE.search(name) is None:
        return '"' + name + '"'
    return json.dumps(name, ensure_ascii=False)


def _relevant_texts(audio: list[str], indptr: npt.NDArray[np.int64],
                    indices: npt.NDArray[np.int32]) -> list[str]:
    """The CSV field of each query's JSON list of relevant files."""
    used = np.flatnonzero(np.bincount(indices, minlength=len(audio))).tolist()
    counts = np.diff(indptr)
    if counts.size and bool((counts == 1).all()):
        table = np.empty(used[-1] + 1 if used else 0, dtype=object)
        names = [audio[i] for i in used]
        if _JSON_ESCAPE.search("".join(names)) is None:
            # `["name"]` holds quotes, so csv.writer quotes the field and doubles them; the
            # name itself holds none (a quote would have needed a JSON escape)
            table[used] = ['"[""' + name + '""]"' for name in names]
        else:
            for i in used:
                table[i] = csv_field("[" + _json_string(audio[i]) + "]")
        result: list[str] = table[indices].tolist()
        return result
    quoted = {i: _json_string(audio[i]) for i in used}
    idx, ptr = indices.tolist(), indptr.tolist()
    return [csv_field("[" + ", ".join(quoted[i] for i in idx[ptr[q]:ptr[q + 1]]) + "]")
            for q in range(len(ptr) - 1)]


def _tails(hits: npt.NDArray[np.bool_], n_relevant: npt.NDArray[np.int64],
           values: list[npt.NDArray[np.float64]]) -> list[str]:
    """`,<positions>,<metric>,...` of each row, each distinct combination formatted once.

    Rows are grouped by their hit pattern and number of relevant files, which fix the metrics
    whenever the hit matrix is as deep as the deepest metric; that is checked, and otherwise the
    rows are grouped by all their values."""
    n, width = hits.shape
    if n == 0:
        return []
    if width <= 52:  # a row's hits as the bits of an integer (a float holds it exactly)
        codes = hits.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))

        def positions(code: int) -> list[int]:
            return [p + 1 for p in range(width) if code >> p & 1]
    else:
        patterns, inverse_rows = np.unique(hits, axis=0, return_inverse=True)
        codes = inverse_rows.ravel().astype(np.int64)

        def positions(code: int) -> list[int]:
            return (np.flatnonzero(patterns[code]) + 1).tolist()
    by_code = _dense_ranks(codes)
    key = by_code * (int(n_relevant.max()) + 1) + n_relevant
    first, inverse = _groups(key)
    if all(np.array_equal(v, v[first][inverse]) for v in values):
        rows = [[float(codes[i]), *(float(v[i]) for v in values)] for i in first.tolist()]
    else:
        keys = np.column_stack([codes.astype(np.float64), *values])
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        rows = distinct.tolist()
    texts = np.asarray(
        ["," + " ".join(map(str, positions(int(row[0])))) + "".join(
            "," + repr(v) for v in row[1:]) + "\n" for row in rows], dtype=object)
    result: list[str] = texts[inverse].tolist()
    return result


def _dense_ranks(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each value's rank among the distinct values (`np.unique`'s inverse), by counting when
    the values are small non-negative integers, as hit patterns and their keys are."""
    if values.size and int(values.min()) >= 0 and int(values.max()) < 1 << 22:
        present = np.bincount(values) > 0
        rank = np.cumsum(present) - 1
        return rank[values]
    return np.unique(values, return_inverse=True)[1].ravel().astype(np.int64)


def _groups(key: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """(the first row of each distinct key, in key order; each row's group), as
    `np.unique(key, return_index=True, return_inverse=True)` gives them."""
    inverse = _dense_ranks(key)
    first = np.full(int(inverse.max()) + 1 if inverse.size else 0, key.size, np.intp)
    np.minimum.at(first, inverse, np.arange(key.size))
    return first, inverse


def write_per_query(path: Path, report: ScoreReport, gt: GroundTruth) -> None:
    """Write the per-query CSV of `report` (see the module docstring), atomically."""
    pq = report.per_query
    if pq is None:
        raise ValueError("the report was made without per-query values")
    indptr = pq.rel_indptr if pq.rel_indptr is not None else gt.rel_indptr
    indices = pq.rel_indices if pq.rel_indices is not None else gt.rel_indices
    queries = _quoted_column(gt.queries)
    relevant = _relevant_texts(gt.audio, indptr, indices)
    tails = _tails(pq.hits, np.diff(indptr), list(pq.values.values()))
    header = ",".join(csv_field(c) for c in ["query", "relevant_files", "positions_found",
                                              *pq.values])
    with atomic_writer(path) as fh:
        fh.write(header + "\n")
        for start in range(0, len(queries), _BATCH):
            stop = start + _BATCH
            fh.write("".join(chain.from_iterable(zip(
                queries[start:stop], repeat(","), relevant[start:stop], tails[start:stop]))))

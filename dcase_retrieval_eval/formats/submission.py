"""Submissions: a ranked list of audio files per query, read from either official format.

- top-k CSV (2022-2024): `caption,file_name_1,...,file_name_k`, best first; `fname_N` is an
  equal spelling of `file_name_N` (the DCASE pages and a widely used exporter write it). Two
  pandas spellings that real teams submitted are read by position, with a warning: an empty
  first header cell before the ranked columns (the captions as the frame's index, C209) and a
  header of exactly `0,1,...,k` (the frame's default column names, C210);
- score matrix CSV (2025 baseline): `index,<audio 1>,<audio 2>,...`, one similarity per cell; the
  query column may also be named `caption` or `query`, or have an empty name (pandas' unnamed
  index).
  Ranking rule for the matrix: score descending, ties broken by file name in ascending Unicode
  code-point order. The rule never looks at the ground truth or the column order, so a constant
  matrix ranks every query the same way and scores at chance level.

File names are interned: `ranks` holds indices into `names`, so a million-row file costs a few
integer arrays, not ten million strings. Format problems found while reading are kept in
`findings` with their line and column; semantic checks live in `validation.py`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..findings import FindingLog
from ..io import fastread
from ..io.atomic import atomic_writer
from ..io.csvread import DEFAULT_MAX_BYTES, CsvFile, Record, check_bytes
from .submission_header import (
    MATRIX_QUERY_COLUMNS,
    NUMBER_ROW,
    check_topk_header,
    header_kind,
    is_number,
    spelling_finding,
    topk_spelling,
)
from .submission_model import ABSENT as ABSENT  # re-exported: the readers' shared model
from .submission_model import BLANK as BLANK
from .submission_model import TIE_RULE as TIE_RULE
from .submission_model import Submission as Submission
from .submission_model import SubmissionFormat as SubmissionFormat

_BATCH = 1 << 18  # names interned per batch
_NUMBER_HINT = ("Write a plain decimal number (1.5, -0.25, 3e-05) in every cell: no spaces, "
                "digit separators or non-ASCII digits.")


def load_submission(
    path: str | Path,
    *,
    format: SubmissionFormat | Literal["auto"] = "auto",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Submission:
    """Read a submission; never raises on file content (problems become findings).

    The reader follows the file: a NumPy `.npz`/`.npy` score matrix (`score_matrix_npy.py`), a
    TREC run (`.trec`/`.run`, or run lines in any file: `trec.py`), else CSV (top-k or matrix).
    `format="trec"` reads any file as a run; `"topk"` always reads CSV."""
    path = Path(path)
    if format in ("auto", "matrix"):
        from .score_matrix_npy import load_npy_submission, numpy_kind

        if numpy_kind(path) is not None:
            return load_npy_submission(path, max_bytes=max_bytes)
    if format in ("auto", "trec"):
        from .trec import load_trec_run, looks_like_trec

        if format == "trec" or looks_like_trec(path):
            return load_trec_run(path, max_bytes=max_bytes)
    log = FindingLog(str(path))
    empty = Submission(str(path), "topk", [], np.zeros(0, np.int64), [],
                       np.zeros((0, 10), np.int32), np.zeros(0, np.int32))
    fast = _read_fast(path, format, max_bytes, log)
    if fast is not None:
        return _finish(fast, log)
    if check_bytes(path, log, max_bytes) is None:
        return _finish(empty, log)
    reader = CsvFile(path, log)
    records = reader.records()
    header = next(records, None)
    if header is None:
        if not log.errors:  # a header too wide to read (C212) is a record, not an empty file
            log.add("F102", "The file holds no CSV record.", hint="Write the header and the rows.")
        return _finish(empty, log)
    first_row = next(records, None)
    kind, offset = header_kind(header.cells, first_row.cells if first_row else None)
    if first_row is not None:
        records = chain([first_row], records)
    if format != "auto":
        kind = format
    if kind == "matrix":
        return _finish(_read_matrix(path, header, records, offset, log), log)
    return _finish(_read_topk(path, header, records, offset, log), log)


def _read_fast(path: Path, format: str, max_bytes: int, log: FindingLog) -> Submission | None:
    """A large, clean top-k file read through Arrow (`io/fastread.py`), or None when the
    line-exact reader must decide. It returns only files on which that reader has no finding
    but the header spelling's warning (which it adds to `log` as that reader does), so both
    give the same verdict whatever the size."""
    if format == "matrix":
        return None
    if not fastread.worth_arrow(path, max_bytes):
        return None
    header = fastread.read_header(path)
    spelling = None if header is None else topk_spelling(header)
    if header is None or spelling is None:
        return None
    # the header line is not parsed by Arrow: the columns are named by position
    clean = fastread.read_clean_topk(
        path, ["caption", *[f"file_name_{i}" for i in range(1, len(header))]])
    if clean is None:
        return None
    spelling_finding(log, spelling, header, 1)
    queries, names, ranks = clean
    width = len(header)
    return Submission(path=str(path), format="topk", queries=queries,
                      lines=np.arange(2, len(queries) + 2, dtype=np.int64), names=names,
                      ranks=ranks, n_given=np.full(len(queries), width - 1, np.int32),
                      header_width=width)


def _finish(sub: Submission, log: FindingLog) -> Submission:
    sub.findings = log.sorted()
    sub.finding_counts = dict(log.counts)
    return sub


def _padded_row(c: list[str], line: int, offset: int, width: int, depth: int,
                log: FindingLog) -> tuple[list[str | None], int]:
    """A row that is not `width` non-empty cells: its findings, its files padded with None to
    `depth` entries, and how many files it gave."""
    if len(c) != width:
        log.add(
            "C204",
            f"The line has {len(c) + offset} cells; the header has {width + offset}.",
            line=line,
            column=min(len(c), width) + offset + 1,  # first missing or extra cell
            hint="Quote fields that contain commas; every row needs the header's cells.",
        )
    if not c or not c[0].strip():
        log.add("C206", "The query cell is empty.", line=line, column=offset + 1,
                hint="Each row starts with the query caption.")
    files = c[1:depth + 1]
    last = max((j + 1 for j, name in enumerate(files) if name), default=0)
    for j in range(last):
        if not files[j]:
            log.add("C206", f"File cell {j + 1} is empty.", line=line,
                    column=offset + j + 2, hint="Give a file name in every position.")
    padded: list[str | None] = [*files[:last], *[None] * (depth - last)]
    return padded, last + max(0, len(c) - 1 - depth)


def _read_topk(
    path: Path, header: Record, records: Iterator[Record], offset: int, log: FindingLog
) -> Submission:
    rows_first = check_topk_header(header, offset, log)
    width = len(header.cells) - offset
    depth = max(width - 1, 1)
    queries: list[str] = []
    lines: list[int] = []
    # every row contributes exactly `depth` entries: a name, "" for a blank cell, None for none
    flat: list[str | None] = []
    n_given: list[int] = []
    ids: dict[str | None, int] = {None: ABSENT, "": BLANK}
    chunks: list[npt.NDArray[np.int32]] = []

    def intern() -> None:
        """Turn the pending names into indices, so that only one copy of each name lives."""
        fresh: set[str] = {n for n in dict.fromkeys(flat).keys() - ids.keys() if n}
        if fresh:
            first = len(ids) - 2  # the two sentinels hold no index
            ids.update(zip(sorted(fresh), range(first, first + len(fresh)), strict=True))
        chunks.append(np.fromiter(map(ids.__getitem__, flat), np.int32, len(flat)))
        flat.clear()

    def rows() -> Iterator[Record]:
        yield from rows_first
        yield from records

    for line, row in rows():
        c = row[offset:] if offset else row
        if len(c) == width == depth + 1 and all(c):
            queries.append(c[0])
            lines.append(line)
            flat.extend(c[1:])
            n_given.append(depth)
            if len(flat) >= _BATCH:
                intern()
            continue
        # the slow path: report what is wrong with this row, then pad it to `depth`
        padded, given = _padded_row(c, line, offset, width, depth, log)
        queries.append(c[0] if c else "")
        lines.append(line)
        flat.extend(padded)
        n_given.append(given)
    intern()
    names: list[str] = [n for n in ids if n]
    ranks = np.concatenate(chunks).reshape(-1, depth)
    if not queries:
        log.add("C208", "The file has a header but no rows.", line=header.line,
                hint="Write one row per query.")
    return Submission(
        path=str(path),
        format="topk",
        queries=queries,
        lines=np.asarray(lines, np.int64),
        names=names,
        ranks=ranks,
        n_given=np.asarray(n_given, np.int32),
        header_width=width,
        header_line=header.line,
    )


def _read_matrix(
    path: Path, header: Record, records: Iterator[Record], offset: int, log: FindingLog
) -> Submission:
    cells = header.cells[offset:]
    if offset:
        log.add(
            "C202",
            f"The first header cell is {header.cells[0]!r}: the file has an extra first column.",
            line=header.line,
            column=1,
            hint="It looks like a pandas index column: write with to_csv(index=False) or name "
            "the query column 'index'. The column was ignored to check the rest.",
        )
    if cells[0].strip().lower() not in MATRIX_QUERY_COLUMNS:
        log.add("C202", f"The first header cell is {cells[0]!r}, not a query column name.",
                line=header.line, column=offset + 1,
                hint="Name the query column 'index' (pandas' default), 'caption' or 'query', "
                "or leave its name empty.")
    columns = cells[1:]
    if not columns:
        log.add("M507", "The score matrix has no audio column.", line=header.line,
                hint="After the query column, give one column of scores per audio file of the "
                "evaluation set.")
    seen: dict[str, int] = {}
    for col, name in enumerate(columns, start=offset + 2):
        if not name:
            log.add("C206", "An audio column has no name.", line=header.line, column=col)
        elif name in seen:
            log.add("M503", f"Audio column {name!r} appears twice (first at column {seen[name]}).",
                    line=header.line, column=col, hint="Each audio file gets exactly one column.")
        else:
            seen[name] = col
    width = len(cells)
    queries: list[str] = []
    lines: list[int] = []
    rows: list[npt.NDArray[np.float64]] = []
    for rec in records:
        c = rec.cells[offset:]
        if len(c) != width:
            log.add("C204", f"The line has {len(rec.cells)} cells; the header has "
                    f"{width + offset}.", line=rec.line,
                    column=min(len(c), width) + offset + 1,  # the first missing or extra cell
                    hint="Every row needs one score per audio column.")
            c = (c + [""] * width)[:width]
        queries.append(c[0])
        lines.append(rec.line)
        if not c[0].strip():
            log.add("C206", "The query cell is empty.", line=rec.line, column=offset + 1)
        if NUMBER_ROW.match("\0".join(c[1:]) + "\0") is not None:
            values = np.array(c[1:], dtype=np.float64)
        else:
            values = np.empty(width - 1)
            for j, text in enumerate(c[1:]):
                if is_number(text):
                    values[j] = float(text)
                    continue
                values[j] = np.nan
                log.add("M501", f"Score {text[:40]!r} is not a number.", line=rec.line,
                        column=offset + j + 2, hint=_NUMBER_HINT)
        bad = ~np.isfinite(values)
        for j in np.flatnonzero(bad).tolist():
            if c[j + 1].strip() and is_number(c[j + 1]):
                log.add("M502", f"Score {c[j + 1]!r} is not finite.", line=rec.line,
                        column=offset + j + 2, hint="Replace NaN and infinity by finite scores.")
        rows.append(values)
    if not queries:
        log.add("C208", "The file has a header but no rows.", line=header.line)
    matrix = np.vstack(rows) if rows else np.zeros((0, len(columns)))
    # columns in name order, so a stable sort on -score breaks ties by name
    order = sorted(range(len(columns)), key=lambda j: columns[j])
    names = [columns[j] for j in order]
    scores = matrix[:, order] if len(order) else matrix
    safe = np.where(np.isfinite(scores), scores, -np.inf)
    ranks = np.argsort(-safe, axis=1, kind="stable").astype(np.int32)
    return Submission(
        path=str(path),
        format="matrix",
        queries=queries,
        lines=np.asarray(lines, np.int64),
        names=names,
        ranks=ranks,
        n_given=np.full(len(queries), len(names), np.int32),
        scores=scores,
        header_width=width,
        header_line=header.line,
        column_of=seen,
    )


def write_topk_csv(
    path: str | Path, rankings: Sequence[tuple[str, Sequence[str]]], k: int = 10
) -> None:
    """Write a top-k submission atomically: header `caption,file_name_1..k`, one row per query."""
    with atomic_writer(Path(path)) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["caption", *[f"file_name_{i}" for i in range(1, k + 1)]])
        for query, files in rankings:
            if len(files) != k:
                raise ValueError(f"query {query!r} has {len(files)} files, expected {k}")
            writer.writerow([query, *files])

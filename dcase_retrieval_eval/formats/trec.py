"""TREC run and qrels files: the toolkit's data in the form trec_eval, ranx and ir_measures read.

A TREC file is whitespace-separated, and Clotho names hold spaces, so every query and file name
becomes an id by percent-encoding (UTF-8, as in URLs) each whitespace character, each control or
format character and `%` itself; every other character stays. `dog.wav` stays `dog.wav`,
`Pensol - le Moulin.wav` becomes `Pensol%20-%20le%20Moulin.wav`. The ids are reversible (no
mapping is needed to read them back) and the same for every conversion of the same names, so a
run and qrels written on different days still join; the mapping file lists them for joining
per-query output (`trec_eval -q`) back to captions.

- qrels: `qid 0 docid rel`, one line per judged pair (binary ground truth: its relevant files,
  grade 1; graded ground truth: every judged file with its whole-number grade).
- run: `qid Q0 docid rank score tag`. trec_eval ignores the rank and sorts by score, breaking ties
  by docid *descending*; the score written is therefore the rank's complement (n, n-1, ..., 1),
  so that every tool sees exactly the order the toolkit scores, whatever the original scores.
- reading a run (`load_trec_run`): as trec_eval reads it, score descending, ties by docid
  descending (byte order of the id as written), the rank and tag columns ignored, so that `score`
  and trec_eval measure the same ranking of the same file.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..findings import FindingLog
from ..io.atomic import atomic_writer
from ..io.csvread import DEFAULT_MAX_BYTES, check_bytes
from ..io.regular import open_regular
from .ground_truth import GroundTruth
from .submission_model import ABSENT, Submission

#: Extensions read as a TREC run whatever the content; other files are recognised by content.
TREC_SUFFIXES = (".trec", ".run")
RUN_FIELDS = 6
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_SCORE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_INT = re.compile(r"[+-]?[0-9]+\Z")


def _unsafe(ch: str) -> bool:
    return ch == "%" or ch.isspace() or unicodedata.category(ch)[0] == "C"


def trec_id(name: str) -> str:
    """The id of a name in a whitespace-separated file (see the module docstring)."""
    if name.isascii() and name.isprintable() and " " not in name and "%" not in name:
        return name
    return "".join("".join(f"%{b:02X}" for b in ch.encode("utf-8")) if _unsafe(ch) else ch
                   for ch in name)


def name_of(trec_id: str) -> str | None:
    """The name behind an id (None: its %-escapes are not UTF-8). A `%` not followed by two hex
    digits is kept as it is, so ids of other tools read as written."""
    if "%" not in trec_id:
        return trec_id
    try:
        return _PERCENT_RUN.sub(
            lambda m: bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8"), trec_id)
    except UnicodeDecodeError:
        return None


def looks_like_trec(path: Path) -> bool:
    """A `.trec`/`.run` file, or a file whose first non-blank line is a TREC run line
    (`qid Q0 docid rank score tag`: six whitespace-separated fields, an integer rank and a
    numeric score; a CSV line has its cells joined by commas, so it never splits so)."""
    if path.suffix.lower() in TREC_SUFFIXES:
        return True
    try:  # never a pipe or device: open() would block
        with open_regular(path) as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    for raw in head.splitlines():
        line = raw.decode("utf-8", "replace")
        if not line.strip():
            continue
        fields = line.split()
        return (len(fields) == RUN_FIELDS and bool(_INT.match(fields[3]))
                and bool(_SCORE.match(fields[4])))
    return False


@dataclass
class TrecExport:
    """What `write_trec` wrote."""

    qrels: Path | None
    run: Path | None
    mapping: Path
    qrels_lines: int = 0
    run_queries: int = 0
    run_lines: int = 0


def qrels_lines(gt: GroundTruth) -> Iterator[str]:
    """`qid 0 docid rel` lines; raises ValueError for a grade that is not a whole number (trec_eval
    and pytrec_eval read integer grades)."""
    indptr, indices, grades = gt.judgements()
    if grades.size and not np.all(grades == np.round(grades)):
        bad = float(grades[np.flatnonzero(grades != np.round(grades))[0]])
        raise ValueError(f"grade {bad!r} is not a whole number: TREC qrels hold integer grades")
    ids = [trec_id(a) for a in gt.audio]
    for q, query in enumerate(gt.queries):
        qid = trec_id(query)
        lo, hi = int(indptr[q]), int(indptr[q + 1])
        for i, g in zip(indices[lo:hi].tolist(), grades[lo:hi].tolist(), strict=True):
            yield f"{qid} 0 {ids[i]} {int(g)}\n"


def run_rankings(sub: Submission, depth: int | None) -> Iterator[tuple[str, list[str]]]:
    """(query, files best first) as the lenient scorer reads the submission: the first row of a
    query, blank and absent cells skipped, a repeated file kept at its first position only, at
    most `depth` files (None: all)."""
    seen: set[str] = set()
    for row, query in enumerate(sub.queries):
        if not query or query in seen:
            continue
        seen.add(query)
        files = list(dict.fromkeys(sub.names[i] for i in sub.ranks[row].tolist() if i >= 0))
        yield query, files[:depth] if depth is not None else files


def run_lines(rankings: Iterable[tuple[str, Sequence[str]]], tag: str) -> Iterator[str]:
    """`qid Q0 docid rank score tag` lines with rank-complement scores (see the module doc)."""
    tag = trec_id(tag) or "dcase-eval"
    for query, files in rankings:
        qid = trec_id(query)
        n = len(files)
        for pos, name in enumerate(files):
            yield f"{qid} Q0 {trec_id(name)} {pos + 1} {n - pos} {tag}\n"


def write_trec(out_dir: Path, *, gt: GroundTruth | None = None, sub: Submission | None = None,
               depth: int | None = None, tag: str = "dcase-eval",
               run_name: str = "run.trec") -> TrecExport:
    """Write `qrels.txt` (from `gt`), `run_name` (from `sub`) and `mapping.csv` (every id written,
    `kind,trec_id,name`) into `out_dir`, each atomically."""
    export = TrecExport(qrels=None, run=None, mapping=out_dir / "mapping.csv")
    queries: dict[str, None] = {}
    files: dict[str, None] = {}
    if gt is not None:
        export.qrels = out_dir / "qrels.txt"
        with atomic_writer(export.qrels) as fh:
            for line in qrels_lines(gt):
                fh.write(line)
                export.qrels_lines += 1
        queries.update(dict.fromkeys(gt.queries))
        indptr, indices, _ = gt.judgements()
        files.update(dict.fromkeys(gt.audio[i] for i in np.unique(indices).tolist()))
    if sub is not None:
        export.run = out_dir / run_name
        rankings = list(run_rankings(sub, depth))
        with atomic_writer(export.run) as fh:
            for line in run_lines(rankings, tag):
                fh.write(line)
                export.run_lines += 1
        export.run_queries = len(rankings)
        for query, ranked in rankings:
            queries[query] = None
            files.update(dict.fromkeys(ranked))
    with atomic_writer(export.mapping) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["kind", "trec_id", "name"])
        writer.writerows(("query", trec_id(q), q) for q in queries)
        writer.writerows(("file", trec_id(f), f) for f in sorted(files))
    return export


def load_trec_run(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Submission:
    """Read a TREC run as a submission; never raises on file content (problems are findings).
    Each query's ranking is its entries by score descending, ties by docid descending, as
    trec_eval orders them; `cell_lines` keeps the line of every ranked entry for findings."""
    path = Path(path)
    log = FindingLog(str(path))
    empty = Submission(str(path), "trec", [], np.zeros(0, np.int64), [],
                       np.zeros((0, 1), np.int32), np.zeros(0, np.int32), header_line=0,
                       cell_lines=np.zeros((0, 1), np.int64))
    if check_bytes(path, log, max_bytes) is None:
        return _finish(empty, log)
    entries: dict[str, list[tuple[float, str, int]]] = {}
    first_line: dict[str, int] = {}
    decoded: dict[str, str | None] = {}
    is_score = _SCORE.match
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for number, text in enumerate(fh, start=1):
            fields = text.split()
            if len(fields) != RUN_FIELDS:
                if fields:
                    log.add("T901", f"The line has {len(fields)} field(s); a run line has "
                            f"{RUN_FIELDS}.", line=number,
                            hint="Write 'qid Q0 docid rank score tag', separated by spaces; "
                            "encode spaces inside names (dcase-eval convert to-trec does).")
                continue
            qid, _, doc, _, score_text, _ = fields
            value = float(score_text) if is_score(score_text) else math.nan
            if not math.isfinite(value):
                log.add("T902", f"Score {score_text[:40]!r} is not a finite number.",
                        line=number, column=5,
                        hint="Write a plain decimal number (1.5, -0.25, 3e-05) in field 5.")
                continue
            query = decoded[qid] if qid in decoded else decoded.setdefault(qid, name_of(qid))
            name = decoded[doc] if doc in decoded else decoded.setdefault(doc, name_of(doc))
            if query is None or name is None:
                for column, ident in ((1, qid), (3, doc)):
                    if decoded[ident] is None:
                        log.add("T903", f"Id {ident[:80]!r} holds %-escapes that are not "
                                "UTF-8.", line=number, column=column,
                                hint="Escape a name's bytes as UTF-8 (%20 for a space, %25 "
                                "for %).")
                continue
            found = entries.get(query)
            if found is None:
                found = entries[query] = []
                first_line[query] = number
            found.append((value, doc, number))
    if not entries and not log.counts:
        log.add("F102", "The run holds no line.", hint="Write one line per ranked file: "
                "'qid Q0 docid rank score tag'.")
    return _finish(_as_submission(path, entries, first_line, decoded), log)


def _as_submission(path: Path, entries: dict[str, list[tuple[float, str, int]]],
                   first_line: dict[str, int], decoded: dict[str, str | None]) -> Submission:
    queries = list(entries)
    width = max((len(e) for e in entries.values()), default=1)
    doc_names = sorted({decoded[d] or d for e in entries.values() for _, d, _ in e})
    index = {n: i for i, n in enumerate(doc_names)}
    ranks = np.full((len(queries), width), ABSENT, np.int32)
    cell_lines = np.zeros((len(queries), width), np.int64)
    n_given = np.zeros(len(queries), np.int32)
    for row, query in enumerate(queries):
        ordered = sorted(entries[query], key=lambda e: e[1], reverse=True)
        ordered.sort(key=lambda e: e[0], reverse=True)  # stable: ties keep docid descending
        ranks[row, :len(ordered)] = [index[decoded[d] or d] for _, d, _ in ordered]
        cell_lines[row, :len(ordered)] = [line for _, _, line in ordered]
        n_given[row] = len(ordered)
    return Submission(str(path), "trec", queries,
                      np.asarray([first_line[q] for q in queries], np.int64), doc_names, ranks,
                      n_given, header_line=0, cell_lines=cell_lines)


def _finish(sub: Submission, log: FindingLog) -> Submission:
    sub.findings = log.sorted()
    sub.finding_counts = dict(log.counts)
    return sub

"""The TAU Audio-Text Graded Relevances 2023 dataset -> the graded ground-truth format.

The dataset (Xie, Khorrami, Räsänen and Virtanen, "Crowdsourcing and evaluating text-based audio
retrieval relevances", DCASE 2023 workshop) publishes, for each of the Clotho development,
validation and evaluation splits, three files in the same shape (the evaluation ones named here;
`SPLITS` gives each split's prefix):
- `evaluation_relevances.csv`: `tid,fid,fid_group,rating`, one crowdsourced 0-100 rating of how
  well clip `fid` matches caption `tid` (200 captions x 17 clips);
- `evaluation_text.csv`: the captions by text id (`split,tid,text`; a later revision adds `fid`
  and `tokens`);
- `evaluation_audio_metadata.csv`: the clips by file id (`split,fid,file_name,keywords,...`).
Joining on `tid` and `fid` gives one `query,file_name,relevance` row per rated pair, which
`load_ground_truth` reads as graded relevance. Ratings are written as published: nDCG does not
depend on their scale, and `--relevance-threshold` says which grade counts as relevant.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..findings import Finding, FindingLog
from ..io.atomic import atomic_writer
from ..io.csvread import DEFAULT_MAX_BYTES, CsvFile, Record, check_bytes
from .ground_truth_rows import parse_grade

#: The splits the dataset publishes; each split's three files start with its name.
SPLITS = ("development", "validation", "evaluation")
#: The three files of a split, by role: the name after the split's prefix, and the columns each
#: must have.
_ROLES = {
    "relevances": ("relevances.csv", ("tid", "fid", "rating")),
    "text": ("text.csv", ("tid", "text")),
    "audio": ("audio_metadata.csv", ("fid", "file_name")),
}


def tau_files(split: str = "evaluation") -> dict[str, tuple[str, tuple[str, ...]]]:
    """The file name and required columns of each role, for one split."""
    if split not in SPLITS:
        raise ValueError(f"the split must be one of {', '.join(SPLITS)}, not {split!r}")
    return {role: (f"{split}_{name}", cols) for role, (name, cols) in _ROLES.items()}


#: The evaluation split's files (the default, as before the other splits were read).
TAU_FILES = tau_files("evaluation")
GRADED_HEADER = ("query", "file_name", "relevance")


@dataclass
class TauConversion:
    """What `convert_tau_relevances` wrote."""

    output: str
    n_pairs: int
    n_queries: int
    n_files: int
    sources: dict[str, str] = field(default_factory=dict)
    #: warnings of the conversion (G602: a caption left out)
    warnings: list[Finding] = field(default_factory=list)


#: How deep below the given folder the three files are looked for (the GitHub copy: two).
MAX_DEPTH = 8


def _files_named(root: Path, name: str) -> list[Path]:
    """Regular files called `name` at most `MAX_DEPTH` folders below `root`, found without
    recursion and without following links (a folder nested a thousand deep costs nothing)."""
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                stack.append((Path(entry.path), depth + 1))
            elif entry.name == name and entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
    return sorted(found)


def find_tau_files(folder: str | Path, split: str = "evaluation") -> dict[str, Path]:
    """The three files of `split` inside `folder`, directly or in a subfolder (the GitHub copy
    keeps them in `data/relevance_data/`, `data/text_data/` and `data/audio_metadata/`)."""
    root = Path(folder)
    found: dict[str, Path] = {}
    for role, (name, _) in tau_files(split).items():
        direct = root / name
        matches = [direct] if direct.is_file() else _files_named(root, name)
        if not matches:
            others = [s for s in SPLITS
                      if s != split and _files_named(root, f"{s}_{_ROLES[role][0]}")]
            hint = f" (it has the {' and '.join(others)} split: --split {others[0]})" if others \
                else ""
            raise FileNotFoundError(f"{root} holds no {name}{hint}")
        if len(matches) > 1:
            listed = ", ".join(str(m.relative_to(root)) for m in matches[:3])
            raise FileNotFoundError(f"{root} holds several {name} ({listed}); give the folder "
                                    "that holds one")
        found[role] = matches[0]
    return found


def _records(path: Path, columns: tuple[str, ...], log: FindingLog,
             max_bytes: int) -> Iterator[tuple[Record, list[str], list[int]]]:
    """(record, the named cells in `columns` order, their 1-based columns) per data row; header
    problems are logged."""
    if check_bytes(path, log, max_bytes) is None:
        return
    records = CsvFile(path, log).records()
    header = next(records, None)
    if header is None:
        log.add("F102", "The file holds no CSV record.")
        return
    low = [c.strip().lower() for c in header.cells]
    missing = [c for c in columns if c not in low]
    if missing:
        log.add("C202", f"The header lacks the column(s) {', '.join(map(repr, missing))}.",
                line=header.line, hint=f"Expected the published header with "
                f"{', '.join(columns)} among its columns.")
        return
    at = [low.index(c) for c in columns]
    width = max(at) + 1
    for rec in records:
        if len(rec.cells) < width:
            log.add("C204", f"The line has {len(rec.cells)} cells; the header has "
                    f"{len(header.cells)}.", line=rec.line, column=len(rec.cells) + 1)
            continue
        yield rec, [rec.cells[i] for i in at], [i + 1 for i in at]


def _id_map(path: Path, key: str, value: str, log: FindingLog, max_bytes: int,
            ) -> tuple[dict[str, str], set[str]]:
    """`key` -> `value`, and the ids whose value is blank: those are reported here with the
    ground-truth codes (an empty caption is G602, an empty file name C206) and their pairs are
    left out, never written with an empty field."""
    out: dict[str, str] = {}
    blank: set[str] = set()
    first: dict[str, int] = {}
    for rec, (ident, text), cols in _records(path, (key, value), log, max_bytes):
        if not text.strip():
            if value == "file_name":
                log.add("C206", f"The file_name of {key} {ident!r} is empty.", line=rec.line,
                        column=cols[1], hint="Use the published file unchanged.")
            else:
                log.add("G602", f"The {value} of {key} {ident!r} is empty: its ratings are "
                        "left out.", line=rec.line, column=cols[1])
            blank.add(ident)
            continue
        if ident in out and out[ident] != text:
            log.add("G608", f"The {key} {ident!r} is defined again with another {value} (first "
                    f"on line {first[ident]}).", line=rec.line, column=cols[0],
                    hint=f"Each {key} names one {value}; use the published file unchanged.")
            continue
        out.setdefault(ident, text)
        first.setdefault(ident, rec.line)
    return out, blank


def read_tau_relevances(folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                        split: str = "evaluation",
                        ) -> tuple[list[tuple[str, str, str]], dict[str, Path], list[Finding]]:
    """The joined (query, file name, rating) rows of one split, the files read, and every
    problem found."""
    files = find_tau_files(folder, split)
    logs = {role: FindingLog(str(path)) for role, path in files.items()}
    texts, blank_texts = _id_map(files["text"], "tid", "text", logs["text"], max_bytes)
    names, blank_names = _id_map(files["audio"], "fid", "file_name", logs["audio"], max_bytes)
    log = logs["relevances"]
    rows: list[tuple[str, str, str]] = []
    if logs["text"].errors or logs["audio"].errors:
        # without both id maps every relevance row would be an unknown id: report the cause
        return rows, files, [*logs["text"].sorted(), *logs["audio"].sorted()]
    seen: dict[tuple[str, str], tuple[float, int]] = {}
    for rec, (tid, fid, rating), cols in _records(files["relevances"],
                                                  _ROLES["relevances"][1], log, max_bytes):
        if tid in blank_texts or fid in blank_names:
            continue  # reported once, where the caption or file name is empty
        query, name = texts.get(tid), names.get(fid)
        for ident, known, col, where in ((tid, query, cols[0], files["text"].name),
                                         (fid, name, cols[1], files["audio"].name)):
            if known is None:
                log.add("G608", f"The {'tid' if col == cols[0] else 'fid'} {ident!r} is not in "
                        f"{where}.", line=rec.line, column=col,
                        hint="Convert the three files of one release of the data set together.")
        grade = parse_grade(rating)
        if grade is None:
            log.add("G607", f"Rating {rating[:40]!r} is not a non-negative number.",
                    line=rec.line, column=cols[2], hint="Ratings are numbers from 0 to 100.")
        if query is None or name is None or grade is None:
            continue
        pair = (query, name)
        if pair in seen:
            if seen[pair][0] != grade:
                log.add("G607", f"{name!r} is rated again for {query[:60]!r} with another "
                        f"grade (first on line {seen[pair][1]}).", line=rec.line,
                        column=cols[2], hint="A pair has one grade; remove the conflicting row.")
            continue
        seen[pair] = (grade, rec.line)
        rows.append((query, name, rating.strip()))
    findings = [f for role in _ROLES for f in logs[role].sorted()]
    return rows, files, findings


def convert_tau_relevances(folder: str | Path, output: str | Path, *,
                           max_bytes: int = DEFAULT_MAX_BYTES,
                           split: str = "evaluation") -> TauConversion:
    """Write the graded ground truth `query,file_name,relevance` of one split (`SPLITS`) of the
    TAU dataset in `folder`.

    Raises `InputError` with every finding when a file is unusable; writes atomically otherwise.
    """
    rows, files, findings = read_tau_relevances(folder, max_bytes=max_bytes, split=split)
    if FindingLog.of(findings).errors:
        raise InputError(f"{folder} is not a usable TAU Audio-Text Graded Relevances folder",
                         findings)
    if not rows:
        log = FindingLog(str(files["relevances"]))
        log.add("G606", "The relevance file holds no rated pair.")
        raise InputError(f"{folder} holds no rated pair", [*findings, *log.sorted()])
    out = Path(output)
    with atomic_writer(out) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(GRADED_HEADER)
        writer.writerows(rows)
    return TauConversion(output=str(out), n_pairs=len(rows),
                         n_queries=len({q for q, _, _ in rows}),
                         n_files=len({f for _, f, _ in rows}),
                         sources={role: str(p) for role, p in files.items()},
                         warnings=findings)

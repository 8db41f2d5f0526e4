"""Each ground-truth format's rows read into query -> relevant files, with a finding for every
row that cannot be used as written (see `ground_truth.py` for the formats): the header decides
the format, and one reader per format fills the same dictionaries, which
`ground_truth.load_ground_truth` turns into a `GroundTruth`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..findings import FindingLog
from ..io.csvread import Record

GroundTruthFormat = Literal["clotho", "captions2023", "correspondence", "long", "graded"]
#: Formats whose rows list every clip of the split, so that they define the audio set.
COMPLETE_AUDIO_FORMATS = ("clotho", "captions2023")


def detect_format(header: list[str]) -> GroundTruthFormat | None:
    """The format a header announces (None: no ground-truth format; G605)."""
    low = [h.strip().lower() for h in header]
    if low[:1] == ["file_name"] and len(low) > 1 and all(h.startswith("caption") for h in low[1:]):
        return "clotho"
    if "fname" in low and "raw_text" in low:  # 2023: fname,raw_text,text (and tid,fid,...)
        return "captions2023"
    if low[:2] == ["query", "audio_filenames"]:
        return "correspondence"
    if low[:3] in (["query", "file_name", "relevance"], ["caption", "file_name", "relevance"]):
        return "graded"
    if low[:2] in (["query", "file_name"], ["caption", "file_name"]):
        return "long"
    return None


_GRADE = re.compile(r"\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def parse_grade(text: str) -> float | None:
    """A relevance grade: a plain non-negative decimal number (no sign, NaN or infinity)."""
    if not _GRADE.fullmatch(text):
        return None
    value = float(text)
    return value if np.isfinite(value) else None


def parse_file_list(text: str) -> list[str] | None:
    """A Python list literal of strings, parsed without evaluating code; None if it is not one."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


@dataclass
class RowExtras:
    """What some formats carry beyond query -> files: the header, grades, query aliases."""

    header: list[str] = field(default_factory=list)
    grades: dict[str, list[float]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


def within_header(records: Iterator[Record], width: int, log: FindingLog) -> Iterator[Record]:
    """The records, less those with more cells than the header (each a C204 error): an extra
    cell would otherwise become one more caption, a query nobody wrote."""
    for rec in records:
        if len(rec.cells) > width:
            log.add("C204", f"The line has {len(rec.cells)} cells; the ground truth's header has "
                    f"{width}.", line=rec.line, column=width + 1,
                    hint="Quote captions and file names that contain commas; every row of the "
                    "ground truth has exactly the header's cells.")
            continue
        yield rec


def _add_pair(
    query: str,
    file: str,
    line: int,
    column: int,
    queries: dict[str, list[str]],
    first_line: dict[str, int],
    log: FindingLog,
    fmt: GroundTruthFormat,
) -> None:
    files = queries.setdefault(query, [])
    if query not in first_line:
        first_line[query] = line
    if file in files:
        if fmt not in COMPLETE_AUDIO_FORMATS:
            log.add(
                "G603",
                f"{file!r} is listed twice for one query.",
                line=line,
                column=column,
                hint="It is counted once.",
            )
        return
    if files and fmt in COMPLETE_AUDIO_FORMATS:
        log.add(
            "G601",
            f"The caption {query!r} is also written for {files[0]!r} (line {first_line[query]}).",
            line=line,
            column=column,
            hint="It becomes one query. The 2022-2024 presets count only the last file "
            "listed for it as relevant (as the official 2022 script does); the 2025 preset "
            "counts every file.",
        )
    files.append(file)


def read_rows(
    fmt: GroundTruthFormat,
    records: Iterable[object],
    queries: dict[str, list[str]],
    first_line: dict[str, int],
    audio: dict[str, None],
    log: FindingLog,
    extra: RowExtras,
) -> None:
    seen_files: dict[str, int] = {}
    if fmt == "captions2023":
        _read_captions_2023(records, queries, first_line, audio, log, extra)
        return
    for rec in records:
        line, cells = rec.line, rec.cells  # type: ignore[attr-defined]
        if fmt == "clotho":
            file = cells[0]
            if not file.strip():
                log.add("C206", "The file_name cell is empty: the row's captions have no file.",
                        line=line, column=1, hint="Give the audio file name of every row.")
                continue
            if file in seen_files:
                log.add(
                    "G603",
                    f"{file!r} is listed again (first on line {seen_files[file]}).",
                    line=line,
                    column=1,
                    hint="Its captions are merged.",
                )
            seen_files.setdefault(file, line)
            audio[file] = None
            captions = cells[1:]
            if all(c.strip() and c not in queries for c in captions) and len(
                    set(captions)) == len(captions):
                for caption in captions:  # the common case: new, distinct, non-empty captions
                    queries[caption] = [file]
                    first_line[caption] = line
                continue
            for col, caption in enumerate(captions, start=2):
                if not caption.strip():
                    log.add("G602", f"Caption {col - 1} of {file!r} is empty.", line=line,
                            column=col, hint="It is not used as a query.")
                    continue
                _add_pair(caption, file, line, col, queries, first_line, log, fmt)
        elif fmt == "correspondence":
            if len(cells) < 2 or not cells[0].strip():
                log.add("G602", "A row has no query.", line=line, column=1)
                continue
            files = parse_file_list(cells[1])
            if not files or not all(f.strip() for f in files):
                log.add(
                    "G604",
                    f"{cells[1][:80]!r} is not a non-empty list of file names.",
                    line=line,
                    column=2,
                    hint="Write it as a Python list literal: \"['a.wav', 'b.wav']\".",
                )
                continue
            for file in files:
                audio[file] = None
                _add_pair(cells[0], file, line, 2, queries, first_line, log, fmt)
        else:
            if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
                log.add("G602", "A row has an empty query or file name.", line=line)
                continue
            if fmt == "graded":
                _add_graded(cells, line, queries, first_line, audio, log, extra)
                continue
            audio[cells[1]] = None
            _add_pair(cells[0], cells[1], line, 2, queries, first_line, log, fmt)


def _add_graded(cells: list[str], line: int, queries: dict[str, list[str]],
                first_line: dict[str, int], audio: dict[str, None], log: FindingLog,
                extra: RowExtras) -> None:
    """One `query,file_name,relevance` row: a judged pair with its grade."""
    query, file = cells[0], cells[1]
    grade = parse_grade(cells[2]) if len(cells) > 2 else None
    if grade is None:
        log.add("G607", f"Relevance {(cells[2] if len(cells) > 2 else '')[:40]!r} is not a "
                "non-negative number.", line=line, column=3,
                hint="Write the grade as a number, 0 for judged not relevant.")
        return
    files = queries.setdefault(query, [])
    grades = extra.grades.setdefault(query, [])
    first_line.setdefault(query, line)
    audio[file] = None
    if file in files:
        before = grades[files.index(file)]
        if before != grade:
            log.add("G607", f"{file!r} is graded {cells[2].strip()} here and {before:g} before "
                    "for the same query.", line=line, column=3,
                    hint="A judged pair has one grade; remove the conflicting row.")
        else:
            log.add("G603", f"{file!r} is listed twice for one query.", line=line, column=2,
                    hint="It is counted once.")
        return
    files.append(file)
    grades.append(grade)


def _read_captions_2023(records: Iterable[object], queries: dict[str, list[str]],
                        first_line: dict[str, int], audio: dict[str, None], log: FindingLog,
                        extra: RowExtras) -> None:
    """The 2023 file: one caption per row; `raw_text` is the query, `text` its normalised copy."""
    f_col, q_col = extra.header.index("fname"), extra.header.index("raw_text")
    t_col = extra.header.index("text") if "text" in extra.header else None
    for rec in records:
        line, cells = rec.line, rec.cells  # type: ignore[attr-defined]
        if len(cells) <= max(f_col, q_col):
            log.add("G602", "A row has no caption.", line=line)
            continue
        file, query = cells[f_col], cells[q_col]
        if not file.strip():
            log.add("C206", "The fname cell is empty: the row's caption has no file.",
                    line=line, column=f_col + 1, hint="Give the audio file name of every row.")
            continue
        audio[file] = None
        if not query.strip():
            log.add("G602", f"The raw_text of a caption of {file!r} is empty.", line=line,
                    column=q_col + 1, hint="It is not used as a query.")
            continue
        if t_col is not None and t_col < len(cells) and cells[t_col] != query:
            extra.aliases.setdefault(cells[t_col], query)
        _add_pair(query, file, line, q_col + 1, queries, first_line, log, "captions2023")

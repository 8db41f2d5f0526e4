"""Ground truth and query sets: the queries, the audio files, and which files are relevant.

Every official ground-truth file of 2022-2025 is read as published (see docs/formats.md):
- Clotho captions CSV `file_name,caption_1..caption_N` (2022, 2024): each caption is a query for
  its row's file;
- the 2023 organizers' captions CSV `fname,raw_text,text`, one row per caption: `raw_text` is the
  query as given to participants, `text` a normalised copy (kept to explain near misses);
- 2025 correspondence CSV `query,audio_filenames` with a Python-list literal of relevant files;
- long CSV `query,file_name`, one row per relevant pair;
- graded long CSV `query,file_name,relevance`, a non-negative grade per judged pair (0 = judged
  not relevant), e.g. converted from the TAU Audio-Text Graded Relevances 2023 data.
The Clotho and 2023 files list every clip of the split, so they define the audio set; the others
list only relevant (or judged) clips, so they do not (`audio_set_known` is False) until an audio
set is given with `with_audio_set`.
A participant without the ground truth builds a `QuerySet` from a `caption` CSV and an audio set.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain, repeat
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError, OptionError
from ..findings import Finding, FindingLog
from ..io import fastread
from ..io.csvread import DEFAULT_MAX_BYTES, CsvFile, Record, check_bytes

GroundTruthFormat = Literal["clotho", "captions2023", "correspondence", "long", "graded"]
#: Formats whose rows list every clip of the split, so that they define the audio set.
COMPLETE_AUDIO_FORMATS = ("clotho", "captions2023")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".aif", ".aiff", ".m4a")


@dataclass
class QuerySet:
    """The queries a submission must answer and the audio files it may rank."""

    queries: list[str]
    audio: list[str]
    source: str = ""
    query_lines: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: False when `audio` holds only the clips the ground truth names (relevant or judged ones):
    #: then an unlisted file in a ranking may be a real, unmarked clip, not an error.
    audio_set_known: bool = True
    #: Other spellings of a query that a submission may have used by mistake -> the query (the
    #: 2023 file's normalised `text` -> its `raw_text`); used only to explain a miss.
    query_aliases: dict[str, str] = field(default_factory=dict)

    # The indexes are built on first use: a submission whose rows follow the query set's order
    # is aligned without the million-entry query index. dict(zip(...)) builds in C, twice as
    # fast as a comprehension.
    @cached_property
    def query_index(self) -> dict[str, int]:
        """Each query's position (the last one, for a caption the file lists twice)."""
        return dict(zip(self.queries, range(len(self.queries)), strict=True))

    @cached_property
    def audio_index(self) -> dict[str, int]:
        return dict(zip(self.audio, range(len(self.audio)), strict=True))

    @cached_property
    def queries_unique(self) -> bool:
        """No caption is listed twice (so that a position in `queries` identifies a query)."""
        return len(self.query_index) == len(self.queries)

    @property
    def n_queries(self) -> int:
        return len(self.queries)


@dataclass
class GroundTruth(QuerySet):
    """A query set with the relevant audio files of each query, as CSR arrays into `audio`."""

    format: GroundTruthFormat = "clotho"
    rel_indptr: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(1, np.int64))
    rel_indices: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    #: graded format only: every judged file of each query (CSR into `audio`) with its grade;
    #: the relevant files (`rel_*`) are those graded at least `relevance_threshold`
    judged_indptr: npt.NDArray[np.int64] | None = None
    judged_indices: npt.NDArray[np.int32] | None = None
    grades: npt.NDArray[np.float64] | None = None
    relevance_threshold: float = 1.0

    @property
    def n_relevant(self) -> npt.NDArray[np.int64]:
        return np.diff(self.rel_indptr)

    def relevant(self, query_index: int) -> list[str]:
        lo, hi = self.rel_indptr[query_index], self.rel_indptr[query_index + 1]
        return [self.audio[i] for i in self.rel_indices[lo:hi]]

    def with_audio_set(self, audio: Iterable[str]) -> GroundTruth:
        """The same relevance judged over a larger audio set (e.g. the whole evaluation folder),
        now known: a ranked file outside it is an error (A401)."""
        if isinstance(audio, str | bytes):
            raise TypeError(f"audio must be a list of file names, e.g. ['dog.wav'], not the "
                            f"{type(audio).__name__} {audio!r:.80}")
        audio = list(audio)
        if not all(isinstance(a, str) for a in audio):
            raise TypeError("audio must hold file names (str) only")
        names = list(dict.fromkeys([*self.audio, *audio]))
        return replace(self, audio=names, audio_set_known=True)

    def judgements(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32],
                                  npt.NDArray[np.float64]]:
        """(indptr, indices, grades) of every judged file; binary ground truth: grade 1 for each
        relevant file, so that nDCG is defined for every format."""
        if self.grades is None or self.judged_indptr is None or self.judged_indices is None:
            return self.rel_indptr, self.rel_indices, np.ones(self.rel_indices.size)
        return self.judged_indptr, self.judged_indices, self.grades

    def with_relevance_threshold(self, threshold: float) -> GroundTruth:
        """Graded ground truth whose relevant files are those graded at least `threshold`."""
        if self.grades is None or self.judged_indptr is None or self.judged_indices is None:
            raise OptionError("a relevance threshold applies to graded ground truth only")
        if not np.isfinite(threshold) or threshold < 0:
            raise OptionError("the relevance threshold must be a non-negative number")
        indptr, indices = _at_least(self.judged_indptr, self.judged_indices, self.grades,
                                    threshold)
        return replace(self, rel_indptr=indptr, rel_indices=indices,
                       relevance_threshold=float(threshold))


def _at_least(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32],
              grades: npt.NDArray[np.float64], threshold: float,
              ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """The CSR sub-structure of the entries graded at least `threshold`."""
    keep = grades >= threshold
    kept_before = np.zeros(keep.size + 1, np.int64)
    kept_before[1:] = np.cumsum(keep)
    return kept_before[indptr], indices[keep]


def _detect_format(header: list[str]) -> GroundTruthFormat | None:
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


def _parse_file_list(text: str) -> list[str] | None:
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


def load_ground_truth(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = True
) -> GroundTruth:
    """Read a ground-truth CSV in any of the five formats.

    Problems are kept in `findings`; a file that cannot serve as ground truth at all raises
    `InputError` when `strict` (the CLI turns it into exit code 1 with the findings).
    """
    path = Path(path)
    fast = _read_fast_clotho(path, max_bytes)
    if fast is not None:
        return fast
    log = FindingLog(str(path))
    queries: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    audio: dict[str, None] = {}
    extra = _Extra()
    fmt: GroundTruthFormat | None = None
    if check_bytes(path, log, max_bytes, what="ground truth") is not None:
        records = CsvFile(path, log).records()
        header = next(records, None)
        fmt = _detect_format(header.cells) if header else None
        if header is not None:
            records = _within_header(records, len(header.cells), log)
        if header is None:
            log.add("G606", "The ground truth has no rows.")
        elif fmt is None:
            log.add(
                "G605",
                f"Header {header.cells[:3]!r} matches no ground-truth format.",
                line=header.line,
                hint="Expected 'file_name,caption_1,...', 'fname,raw_text,text', "
                "'query,audio_filenames', 'query,file_name' or 'query,file_name,relevance'.",
            )
        else:
            extra.header = [h.strip().lower() for h in header.cells]
            _read_rows(fmt, records, queries, first_line, audio, log, extra)
            if not queries:
                log.add("G606", "The ground truth holds no query.", line=header.line)
    findings = log.sorted()
    if strict and any(f.severity == "error" for f in findings):
        raise InputError(f"{path} is not a usable ground truth", findings)
    names = list(audio)
    index = {a: i for i, a in enumerate(names)}
    indptr = np.zeros(len(queries) + 1, np.int64)
    indptr[1:] = np.cumsum([len(v) for v in queries.values()])
    indices = np.fromiter(
        map(index.__getitem__, chain.from_iterable(queries.values())), np.int32, int(indptr[-1])
    )
    graded: dict[str, object] = {}
    if fmt == "graded":
        grades = np.fromiter(chain.from_iterable(extra.grades[q] for q in queries), np.float64,
                             int(indptr[-1]))
        graded = dict(judged_indptr=indptr, judged_indices=indices, grades=grades)
        indptr, indices = _at_least(indptr, indices, grades, 1.0)
    return GroundTruth(
        queries=list(queries),
        audio=names,
        source=str(path),
        query_lines=[first_line[q] for q in queries],
        findings=findings,
        audio_set_known=(fmt or "clotho") in COMPLETE_AUDIO_FORMATS,
        query_aliases={a: q for a, q in extra.aliases.items() if a not in queries},
        format=fmt or "clotho",
        rel_indptr=indptr,
        rel_indices=indices,
        **graded,  # type: ignore[arg-type]
    )


@dataclass
class _Extra:
    """What some formats carry beyond query -> files: the header, grades, query aliases."""

    header: list[str] = field(default_factory=list)
    grades: dict[str, list[float]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


def _read_fast_clotho(path: Path, max_bytes: int) -> GroundTruth | None:
    """A large, clean Clotho captions file read through Arrow (`io/fastread.py`), or None when
    the line-exact reader must decide. Returned only when that reader would find nothing: every
    row as wide as the header, file names and captions distinct and not blank."""
    if not fastread.worth_arrow(path, max_bytes):
        return None
    header = fastread.read_header(path)
    if header is None or _detect_format(header) != "clotho":
        return None
    clean = fastread.read_clean_columns(path, header)
    if clean is None:
        return None
    files = clean.texts[0]
    per_row = len(header) - 1
    captions = [clean.texts[j] for j in range(1, per_row + 1)]
    queries: list[str] = list(chain.from_iterable(zip(*captions, strict=True)))
    # cells are not empty (the reader checked), so blank means all whitespace: isspace()
    # is strip()'s own test, without a stripped copy of every caption
    if any(map(str.isspace, files)) or any(map(str.isspace, queries)):
        return None
    n_files = len(files)
    if len(set(queries)) != len(queries) or len(set(files)) != n_files:
        return None  # a shared caption (G601) or a repeated file (G603): the csv reader reports
    gt = GroundTruth(
        queries=queries, audio=files, source=str(path),
        # one int object per line, shared by its captions (a million of them otherwise)
        query_lines=list(chain.from_iterable(map(repeat, range(2, n_files + 2),
                                                 repeat(per_row, n_files)))),
        findings=[],
        format="clotho", rel_indptr=np.arange(len(queries) + 1, dtype=np.int64),
        rel_indices=np.repeat(np.arange(n_files, dtype=np.int32), per_row))
    gt.queries_unique = True  # just checked, without building the query index
    return gt


def _within_header(records: Iterator[Record], width: int, log: FindingLog) -> Iterator[Record]:
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


def _read_rows(
    fmt: GroundTruthFormat,
    records: Iterable[object],
    queries: dict[str, list[str]],
    first_line: dict[str, int],
    audio: dict[str, None],
    log: FindingLog,
    extra: _Extra,
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
            files = _parse_file_list(cells[1])
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
                extra: _Extra) -> None:
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
                        extra: _Extra) -> None:
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


def load_query_set(
    queries_path: str | Path,
    *,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> QuerySet:
    """Queries from a CSV with a `caption` column (or a Clotho captions CSV) and an audio set."""
    path = Path(queries_path)
    log = FindingLog(str(path))
    queries: dict[str, int] = {}
    audio: list[str] = []
    if check_bytes(path, log, max_bytes, what="query file") is not None:
        records = CsvFile(path, log).records()
        header = next(records, None)
        low = [h.strip().lower() for h in header.cells] if header else []
        if header is not None and _detect_format(header.cells) == "clotho":
            for rec in records:
                audio.append(rec.cells[0])
                for caption in rec.cells[1:]:
                    if caption.strip():
                        queries.setdefault(caption, rec.line)
        elif "caption" in low or "query" in low or "raw_text" in low:
            name = next(n for n in ("raw_text", "caption", "query") if n in low)
            col = low.index(name)
            for rec in records:
                if col < len(rec.cells) and rec.cells[col].strip():
                    queries.setdefault(rec.cells[col], rec.line)
        else:
            log.add("G605", "The query file has no 'caption' column.",
                    line=header.line if header else 0,
                    hint="Give a CSV with a 'caption' column, one query per row.")
    if not queries and not log.counts:
        log.add("G606", "The query file holds no query.")
    findings = log.sorted()
    if any(f.severity == "error" for f in findings):
        raise InputError(f"{path} is not a usable query set", findings)
    listed = load_audio_set(audio_dir, audio_list)
    return QuerySet(
        queries=list(queries),
        audio=audio if listed is None else listed,
        source=str(path),
        query_lines=list(queries.values()),
        findings=findings,
    )


def list_audio_dir(directory: str | Path) -> list[str]:
    """File names of the audio files directly inside a folder, sorted."""
    folder = Path(directory)
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
    )


def read_audio_list(path: str | Path) -> list[str]:
    """Audio file names from a text file (one per line) or a CSV with a `file_name` column."""
    path = Path(path)
    log = FindingLog(str(path))
    if check_bytes(path, log, DEFAULT_MAX_BYTES, what="audio list") is None:
        raise InputError(f"{path} is not a usable audio list", log.sorted())
    records = list(CsvFile(path, log).records())
    if records and [c.strip().lower() for c in records[0].cells][:1] == ["file_name"]:
        return [r.cells[0] for r in records[1:] if r.cells and r.cells[0]]
    text = path.read_text(encoding="utf-8-sig")
    return [ln for ln in text.splitlines() if ln.strip()]


def load_audio_set(audio_dir: str | Path | None = None,
                   audio_list: str | Path | None = None) -> list[str] | None:
    """The audio set of a folder (`--audio-dir`) or of a list file (`--audio-list`); None when
    neither is given. The folder wins when both are: the commands that take both refuse that
    before reading."""
    if audio_dir is not None:
        return list_audio_dir(audio_dir)
    if audio_list is not None:
        return read_audio_list(audio_list)
    return None

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
Each format's rows are read in `ground_truth_rows.py`. A participant without the ground truth
builds a `QuerySet` from a `caption` CSV and an audio set (`query_set.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import InputError, OptionError
from ..findings import Finding, FindingLog
from ..io import fastread
from ..io.csvread import DEFAULT_MAX_BYTES, CsvFile, check_bytes
from .ground_truth_rows import (
    COMPLETE_AUDIO_FORMATS,
    GroundTruthFormat,
    RowExtras,
    detect_format,
    read_rows,
    within_header,
)

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

    def __repr__(self) -> str:
        """A line, not every caption and file: a notebook echoing Clotho's 5,225 captions would
        otherwise print hundreds of thousands of characters."""
        known = "" if self.audio_set_known else ", audio set: the named clips only"
        return (f"{type(self).__name__}(source={self.source!r}, queries={self.n_queries}, "
                f"audio={len(self.audio)}{self._repr_extra()}, findings={len(self.findings)}"
                f"{known})")

    def _repr_extra(self) -> str:
        return ""


@dataclass(repr=False)  # QuerySet's one-line repr
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

    def _repr_extra(self) -> str:
        graded = (f", graded, relevance_threshold={self.relevance_threshold:g}"
                  if self.grades is not None else "")
        return f", format={self.format!r}, relevant={int(self.rel_indices.size)}{graded}"

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
    extra = RowExtras()
    fmt: GroundTruthFormat | None = None
    if check_bytes(path, log, max_bytes, what="ground truth") is not None:
        records = CsvFile(path, log).records()
        header = next(records, None)
        fmt = detect_format(header.cells) if header else None
        if header is not None:
            records = within_header(records, len(header.cells), log)
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
            read_rows(fmt, records, queries, first_line, audio, log, extra)
            if not queries:
                log.add("G606", "The ground truth holds no query.", line=header.line)
    findings = log.sorted()
    if strict and log.errors:
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


def _read_fast_clotho(path: Path, max_bytes: int) -> GroundTruth | None:
    """A large, clean Clotho captions file read through Arrow (`io/fastread.py`), or None when
    the line-exact reader must decide. Returned only when that reader would find nothing: every
    row as wide as the header, file names and captions distinct and not blank."""
    if not fastread.worth_arrow(path, max_bytes):
        return None
    header = fastread.read_header(path)
    if header is None or detect_format(header) != "clotho":
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

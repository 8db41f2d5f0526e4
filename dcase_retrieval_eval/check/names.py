"""The row and column names of a similarity matrix in memory, checked against a ground truth as
`validate` checks a score-matrix file: the same finding codes, placed by list position instead
of line and column (a matrix in memory has no lines).

Captions are checked as queries (Q301 missing, Q302 unknown, Q303 repeated), audio files as
score-matrix columns (A401 unknown, A405 unchecked, M503 repeated, M504 missing), the lists
themselves as a NumPy submission's arrays (M510 length, M512 not strings). Which list holds the
captions depends on the direction: the rows for text-to-audio, the columns for audio-to-text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..findings import Finding, FindingLog, Severity
from ..formats.ground_truth import QuerySet
from .validation import _file_hint, _normalise

IN_MEMORY = "<in-memory>"


@dataclass
class NameCheck:
    """The findings (`refusals`: the errors among them), and where each matrix row and column
    stands in the ground truth: `rows[i]` and `cols[j]` index its queries (captions) or its
    audio files, -1 for an unknown name or a repeat (only the first of equal names is mapped)."""

    findings: list[Finding]
    refusals: list[Finding]
    counts: dict[str, int]
    errors: int
    warnings: int
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]


def _as_names(names: Any, label: str, length: int, side: str,
              log: FindingLog) -> list[str] | None:
    """`names` as a list of str, or None after an M510 / M512 finding."""
    if isinstance(names, str | bytes | set | frozenset) or not hasattr(names, "__len__"):
        unordered = isinstance(names, set | frozenset)
        log.add("M512", f"{label} is a {type(names).__name__}, not a list of names"
                + (" (a set has no order: its names cannot follow the matrix)." if unordered
                   else "."), hint=f"Give one name (str) per {side} of the matrix, in order.")
        return None
    values = names.tolist() if isinstance(names, np.ndarray) else list(names)
    if len(values) != length:
        log.add("M510", f"{label} holds {len(values)} names for the {length} {side}s of the "
                "similarity matrix.",
                hint="Give one name per " + side + "; a transposed matrix (or swapped lists) "
                "is the usual cause.")
        return None
    bad = next((i for i, v in enumerate(values) if not isinstance(v, str)), None)
    if bad is not None:
        log.add("M512", f"{label}[{bad}] is a {type(values[bad]).__name__} "
                f"({values[bad]!r:.60}), not a str.",
                hint="Names are str: np.asarray(names, dtype=str); for bytes, decode them.")
        return None
    return values


def _first_positions(names: list[str], index: dict[str, int]) -> npt.NDArray[np.int64]:
    return np.fromiter((index.get(n, -1) for n in names), np.int64, len(names))


def _caption_names(names: list[str], label: str, qs: QuerySet,
                   log: FindingLog) -> npt.NDArray[np.int64]:
    """Q302 / Q303 for each bad caption name, Q301 for each query without one."""
    pos = _first_positions(names, qs.query_index)
    seen: dict[str, int] = {}
    norm: dict[str, str] | None = None
    for i, name in enumerate(names):
        if pos[i] < 0:
            if norm is None:
                norm = {_normalise(q): q for q in qs.queries}
            close = norm.get(_normalise(name))
            original = qs.query_aliases.get(name)
            hint = (f"Did you mean {close!r}? Queries must match the caption exactly."
                    if close else "Only the captions of the ground truth are queries.")
            if original is not None:
                hint = (f"This is the normalised copy of the caption {original!r}; use the "
                        "caption as given (the 'raw_text' column).")
            log.add("Q302", f"{label}[{i}] {name[:120]!r} is not in the query set.", hint=hint)
        elif name in seen:
            log.add("Q303", f"{label}[{i}] {name[:120]!r} repeats {label}[{seen[name]}].",
                    hint="Give each caption once; only the first is used.")
            pos[i] = -1
        else:
            seen[name] = i
    covered = np.zeros(qs.n_queries, bool)
    covered[pos[pos >= 0]] = True
    for q in np.flatnonzero(~covered).tolist():
        log.add("Q301", f"Query {qs.queries[q][:120]!r} of the ground truth is not in {label}.",
                hint="Give the similarity of every query of the ground truth.")
    return pos


def _audio_names(names: list[str], label: str, side: str, qs: QuerySet,
                 log: FindingLog) -> npt.NDArray[np.int64]:
    """A401 (or one A405) for names outside the audio set, M503 for repeats, M504 for each
    audio file of the set without a row or column."""
    pos = _first_positions(names, qs.audio_index)
    unknown = [i for i in range(len(names)) if pos[i] < 0]
    if unknown and qs.audio_set_known:
        lowered = {a.casefold(): a for a in qs.audio}
        for i in unknown:
            log.add("A401", f"{label}[{i}] {names[i][:160]!r} is not in the audio set.",
                    hint=_file_hint(names[i], qs.audio_index, lowered))
    elif unknown:
        shown = ", ".join(repr(names[i][:60]) for i in unknown[:3])
        log.add("A405", f"{len(unknown)} name(s) of {label} ({shown}"
                f"{', ...' if len(unknown) > 3 else ''}) are not named by the ground truth, "
                "which lists only relevant clips: they were not checked and count as not "
                "relevant.",
                hint="To check every name, give the audio set: gt.with_audio_set(names).")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            log.add("M503", f"{label}[{i}] {name[:160]!r} repeats {label}[{seen[name]}].",
                    hint="Give each audio file once.")
            pos[i] = -1
        else:
            seen[name] = i
    covered = np.zeros(len(qs.audio), bool)
    covered[pos[pos >= 0]] = True
    for a in np.flatnonzero(~covered).tolist():
        log.add("M504", f"Audio file {qs.audio[a][:160]!r} has no {side} in {label}.",
                hint="Score every audio file of the evaluation set; a missing one is never "
                "retrieved.")
    return pos


def check_names(qs: QuerySet, query_names: Sequence[str], item_names: Sequence[str],
                shape: tuple[int, int], captions_are_rows: bool) -> NameCheck:
    """Every defect of the names of a (rows x columns) matrix against `qs`."""
    log = FindingLog(IN_MEMORY)
    rows = _as_names(query_names, "query_names", shape[0], "row", log)
    cols = _as_names(item_names, "item_names", shape[1], "column", log)
    empty = np.zeros(0, np.int64)
    row_pos = col_pos = empty
    if rows is not None and cols is not None:
        if captions_are_rows:
            row_pos = _caption_names(rows, "query_names", qs, log)
            col_pos = _audio_names(cols, "item_names", "column", qs, log)
        else:
            row_pos = _audio_names(rows, "query_names", "row", qs, log)
            col_pos = _caption_names(cols, "item_names", qs, log)
    return NameCheck(findings=log.sorted(), refusals=log.sorted(Severity.ERROR),
                     counts=dict(sorted(log.counts.items())), errors=log.errors,
                     warnings=log.warnings, rows=row_pos, cols=col_pos)

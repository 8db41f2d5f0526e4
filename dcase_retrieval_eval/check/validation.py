"""Checks of a submission against a query set: Submission x QuerySet -> findings + alignment.

The alignment (one ranking row per query of the query set, in audio-set indices) is what the
scorer measures; building it here keeps one pass over the data for both jobs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from ..findings import Finding, FindingLog, ShownText
from ..formats.folders import base_name, folder_summary
from ..formats.ground_truth import AUDIO_SUFFIXES, QuerySet
from ..formats.score_matrix_npy import UNREADABLE_CODES
from ..formats.submission import ABSENT, TIE_RULE, Submission
from .ignored import deeper_rankings, outside_queries

UNKNOWN = -3
_ROWS_AT_ONCE = 1 << 17  # rows sorted at a time when looking for repeated files


class ValidationReport(BaseModel):
    """All findings of one submission, sorted by line, with a summary."""

    path: ShownText
    format: str
    valid: bool
    n_rows: int
    n_queries: int
    depth: int
    errors: int
    warnings: int
    counts: dict[str, int]
    findings: list[Finding]
    tie_rule: str = TIE_RULE

    @property
    def summary(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        cut = " (deeper rankings cut there, A404)" if self.counts.get("A404") else ""
        return (f"{self.path}: {verdict} - {self.errors} error(s), {self.warnings} warning(s); "
                f"{self.n_rows} rows for {self.n_queries} queries, scored at depth "
                f"{self.depth}{cut}")


@dataclass
class Alignment:
    """Rankings aligned to the query set: ranks[q] holds audio indices, -1 where nothing counts."""

    ranks: npt.NDArray[np.int32]
    missing_queries: int
    extra_rows: int
    duplicate_rows: int
    unknown_files: int
    repeated_files: int
    short_rows: int
    #: rows for queries outside the ground truth, ignored as asked (`only_gt_queries`)
    outside_rows: int = 0


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def _composed(names: list[str]) -> dict[str, str]:
    """Each name by its NFC form: macOS file systems hand out decomposed (NFD) names."""
    return {unicodedata.normalize("NFC", a): a for a in names}


def _file_hint(name: str, audio: dict[str, int], lowered: dict[str, str],
               composed: dict[str, str] | None = None) -> str:
    same = (composed or {}).get(unicodedata.normalize("NFC", name))
    if same is not None and same != name:
        return (f"{same!r} is in the audio set: the names differ only in their Unicode "
                "normalisation (composed vs decomposed accents); write it exactly as listed.")
    stripped = name.strip()
    if stripped != name and stripped in audio:
        return f"Remove the stray whitespace: {stripped!r} is in the audio set."
    for suffix in AUDIO_SUFFIXES:
        if name + suffix in audio:
            return f"Add the extension: {name + suffix!r} is in the audio set."
    if name.casefold() in lowered:
        return f"Mind the case: {lowered[name.casefold()]!r} is in the audio set."
    if stripped.casefold() in lowered:
        return f"Did you mean {lowered[stripped.casefold()]!r}?"
    return "Rank only files of the evaluation audio set, named exactly as on disk."


def validate_submission(
    sub: Submission, qs: QuerySet, depth: int = 10, *, max_per_code: int | None = None,
    only_gt_queries: bool = False,
) -> tuple[ValidationReport, Alignment]:
    """Every defect of `sub` against `qs`, and the aligned rankings for scoring.

    `only_gt_queries`: rows whose query `qs` does not hold are ignored with one Q304 warning
    (instead of a Q302 error each): a full submission scored on a ground truth of a subset of
    the queries (the TAU graded relevances rate 200 of the 5,225 evaluation captions)."""
    log = FindingLog(sub.path) if max_per_code is None else FindingLog(sub.path, max_per_code)
    log.extend(sub.findings, sub.finding_counts)
    # ground-truth problems (warnings: a strict load raised on errors) belong to the same report
    log.extend(qs.findings)
    n_q = qs.n_queries
    # no wider than the rankings given: positions past them are empty whatever k is, and a huge
    # k (`--k 1000000000`) must not allocate queries x k
    width = max(1, min(depth, sub.ranks.shape[1]))
    stats = dict(missing_queries=0, extra_rows=0, duplicate_rows=0, unknown_files=0,
                 repeated_files=0, short_rows=0, outside_rows=0)
    # a file that could not be read, or a NumPy file without a usable matrix, has no rows to check
    readable = not any(f.code.startswith("F") or f.code in UNREADABLE_CODES
                       for f in sub.findings)
    if readable:
        aligned = _check_rows(sub, qs, depth, width, log, stats, only_gt_queries)
    else:
        aligned = np.full((n_q, width), ABSENT, np.int32)
    report = ValidationReport(
        path=sub.path,
        format=sub.format,
        tie_rule=sub.tie_rule,
        valid=log.errors == 0,
        n_rows=sub.n_rows,
        n_queries=n_q,
        depth=depth,
        errors=log.errors,
        warnings=log.warnings,
        counts=dict(sorted(log.counts.items())),
        findings=log.sorted(),
    )
    return report, Alignment(ranks=aligned, **stats)


def _check_rows(
    sub: Submission, qs: QuerySet, depth: int, width: int, log: FindingLog,
    stats: dict[str, int], only_gt_queries: bool = False,
) -> npt.NDArray[np.int32]:
    """Findings about the rows, and the rankings aligned to the query set (queries x `width`,
    in audio-set indices, ABSENT where nothing counts)."""
    row_query = _row_queries(sub, qs)
    # unknown and duplicate query rows
    unknown_rows = np.flatnonzero(row_query < 0)
    if unknown_rows.size and only_gt_queries:
        outside_queries(sub, qs, unknown_rows, log)
        stats["outside_rows"] = int(unknown_rows.size)
    elif unknown_rows.size:
        _unknown_queries(sub, qs, unknown_rows, log)
        stats["extra_rows"] = int(unknown_rows.size)
    known = np.flatnonzero(row_query >= 0)
    increasing = not unknown_rows.size and bool(np.all(row_query[1:] > row_query[:-1]))
    order = known if increasing else known[np.argsort(row_query[known], kind="stable")]
    sorted_q = row_query[order]
    dup_mask = np.zeros(sorted_q.size, bool)
    dup_mask[1:] = sorted_q[1:] == sorted_q[:-1]
    first_q, first_r = sorted_q[~dup_mask], order[~dup_mask]
    for r in np.sort(order[dup_mask]).tolist():
        first = int(first_r[np.searchsorted(first_q, row_query[r])])
        log.add("Q303", f"Query {sub.queries[r][:120]!r} has a second row.",
                line=int(sub.lines[r]), column=1,
                hint=f"Keep one row per query (first on line {int(sub.lines[first])}); "
                "only the first row is scored.")
    stats["duplicate_rows"] = int(dup_mask.sum())
    covered = np.zeros(qs.n_queries, bool)
    covered[sorted_q] = True
    missing = np.flatnonzero(~covered)
    for q in missing.tolist():
        where = f" (line {qs.query_lines[q]} of the query set)" if qs.query_lines else ""
        log.add("Q301", f"Query {qs.queries[q][:120]!r}{where} has no row.",
                hint="Write one row for every query of the query set.")
    stats["missing_queries"] = int(missing.size)

    # map the submission's file names to audio-set indices, through a table whose last two
    # entries take the negative codes (BLANK = -2, ABSENT = -1) to ABSENT: one gather
    audio = qs.audio_index
    n_names = len(sub.names)
    to_audio = np.full(n_names + 2, ABSENT, np.int32)
    to_audio[:n_names] = np.fromiter(map(audio.get, sub.names, repeat(UNKNOWN)), np.int32,
                                     n_names)
    take = min(sub.ranks.shape[1], max(depth, 1))
    raw = sub.ranks[:, :take]
    mapped = to_audio[raw]
    # rows that rank a name twice; distinct names map to distinct audio files, so no other row
    # repeats an audio file either
    cand = _rows_with_repeats(raw)
    if sub.format in ("topk", "trec"):
        _check_files(sub, raw, mapped, cand, depth, log, qs)
    else:
        _check_matrix(sub, qs, depth, log)
    if not qs.audio_set_known:
        _unchecked_names(sub, qs, raw, mapped, log)
    # the policy counts what touches the score: defects in the rows that are scored
    # strictly increasing query positions, as many as the queries: row q answers query q
    in_order = increasing and sub.n_rows == qs.n_queries
    scored: slice | npt.NDArray[np.intp] = slice(None) if in_order else first_r
    if qs.audio_set_known:  # else an unlisted name is no defect: nothing is forgiven
        stats["unknown_files"] = int(np.count_nonzero(mapped[scored] == UNKNOWN))
    stats["short_rows"] = int(np.count_nonzero(sub.n_given[scored] < depth))
    valid = np.maximum(mapped, ABSENT, out=mapped)  # an unknown file counts as nothing
    del mapped
    # a repeated file counts once, at its first position (only rows with a repeat are walked)
    if cand.size:
        part = valid[cand]
        repeats = np.zeros(cand.size, np.int64)
        for p in range(1, part.shape[1]):
            rep = (part[:, p:p + 1] == part[:, :p]).any(axis=1) & (part[:, p] >= 0)
            part[rep, p] = ABSENT
            repeats += rep
        valid[cand] = part
        counted = repeats if in_order else repeats[np.isin(cand, first_r)]
        stats["repeated_files"] = int(counted.sum())
    if in_order and take == width:
        return valid  # row q answers query q: the rows are the alignment, no copy
    aligned = np.full((qs.n_queries, width), ABSENT, np.int32)
    aligned[first_q, :take] = valid[first_r]
    return aligned


def _unknown_queries(sub: Submission, qs: QuerySet, rows: npt.NDArray[np.intp],
                     log: FindingLog) -> None:
    """Q302 for each row whose query is not in the query set, with the caption it may copy
    wrongly (another case or punctuation, the normalised 'text' column, another Unicode form)."""
    norm: dict[str, str] | None = None
    for r in rows.tolist():
        query = sub.queries[r]
        if not query.strip():
            continue  # already reported as a blank cell
        if log.counts["Q302"] >= log.max_per_code:
            log.counts["Q302"] += 1
            continue
        if norm is None:
            norm = {_normalise(q): q for q in qs.queries}
        close = norm.get(_normalise(query))
        hint = (f"Did you mean {close!r}? Queries must match the caption exactly."
                if close else "Only the captions of the query set are queries.")
        original = qs.query_aliases.get(query)
        if original is not None:
            hint = (f"This is the normalised copy (the 'text' column) of the caption "
                    f"{original!r}; the query is the 'raw_text' caption as given to "
                    "participants: copy it exactly.")
        nfc = unicodedata.normalize("NFC", query)
        if close and nfc == unicodedata.normalize("NFC", close):
            hint = (f"It differs from {close!r} only in its Unicode normalisation (composed "
                    "vs decomposed accents); copy the caption exactly as given.")
        log.add("Q302", f"Query {query[:120]!r} is not in the query set.",
                line=int(sub.lines[r]), column=1, hint=hint)


def _row_queries(sub: Submission, qs: QuerySet) -> npt.NDArray[np.int64]:
    """The query-set position of each row's query (-1: none). Rows that are the query set in
    its own order, as the baselines write them, are recognised by one list comparison instead
    of a million lookups."""
    if sub.n_rows == qs.n_queries and qs.queries_unique and sub.queries == qs.queries:
        return np.arange(sub.n_rows, dtype=np.int64)
    return np.fromiter(map(qs.query_index.get, sub.queries, repeat(-1)), np.int64, sub.n_rows)


def _rows_with_repeats(ranks: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """Rows in which some file (a non-negative index) appears twice: one sort per row, so the
    position-by-position walk that names each repeat runs only over these rows."""
    if ranks.shape[1] < 2 or ranks.shape[0] == 0:
        return np.zeros(0, np.intp)
    found = []
    for start in range(0, ranks.shape[0], _ROWS_AT_ONCE):  # bounded temporary memory
        ordered = np.sort(ranks[start:start + _ROWS_AT_ONCE], axis=1)
        same = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
        found.append(np.flatnonzero(same.any(axis=1)) + start)
    return np.concatenate(found)


def _check_files(
    sub: Submission, raw: npt.NDArray[np.int32], mapped: npt.NDArray[np.int32],
    cand: npt.NDArray[np.intp], depth: int, log: FindingLog, qs: QuerySet,
) -> None:
    # unknown files: one finding per cell, but one for all the names a folder explains
    unknown = mapped == UNKNOWN
    if qs.audio_set_known and unknown.any():
        foldered = _with_folders(sub, raw[unknown], qs, log)
        if foldered.size:
            unknown &= ~np.isin(raw, foldered)
    unk_rows, unk_cols = np.nonzero(unknown)
    if unk_rows.size and qs.audio_set_known:
        lowered = {a.casefold(): a for a in qs.audio}
        composed = _composed(qs.audio)
        shown = max(0, log.max_per_code - log.counts["A401"])
        for r, c in zip(unk_rows[:shown].tolist(), unk_cols[:shown].tolist(), strict=True):
            name = sub.names[int(raw[r, c])]
            line, column = _cell_place(sub, r, c)
            log.add("A401", f"{name[:160]!r} is not in the audio set.", line=line,
                    column=column, hint=_file_hint(name, qs.audio_index, lowered, composed))
        log.counts["A401"] += int(unk_rows.size) - min(shown, int(unk_rows.size))
    # repeated files within a row (by name, before mapping)
    rep_cells: list[tuple[int, int, int]] = []
    part = raw[cand]
    for p in range(1, part.shape[1]):
        same = (part[:, :p] == part[:, p:p + 1]) & (part[:, p:p + 1] >= 0)
        rows = np.flatnonzero(same.any(axis=1))
        if rows.size:
            first = same[rows].argmax(axis=1)
            rep_cells.extend(zip(cand[rows].tolist(), [p] * rows.size, first.tolist(),
                                 strict=True))
    for r, p, first in sorted(rep_cells):
        line, column = _cell_place(sub, r, p)
        log.add("A402", f"{sub.names[int(raw[r, p])][:160]!r} is ranked again (first at "
                f"position {first + 1}).", line=line, column=column,
                hint="Rank each file at most once per query; the repeat counts as a miss.")
    # too few / too many files; a header short of ranked columns explains its rows once
    cell_count_bad = {f.line for f in sub.findings if f.code == "C204"}
    # a TREC run has no header: its rankings may be of any length, and only the top k count
    header_depth = sub.header_width - 1 if sub.format == "topk" else depth
    if 0 < header_depth < depth and not log.has("C201"):
        more = ", ".join(f"'file_name_{i}'" for i in range(header_depth + 1, depth + 1)[:3])
        log.add("C211", f"The header names {header_depth} ranked column(s); {depth} are "
                f"required, so every row is short of {depth - header_depth} file(s).",
                line=sub.header_line, column=sub.header_width + 1,
                hint=f"Add {more}{', ...' if depth - header_depth > 3 else ''} to the header "
                f"and a file to every row for each; a row shorter than the header is reported "
                "on its line (A403).")
    short = np.flatnonzero(sub.n_given < min(depth, max(header_depth, 1)))
    long = np.flatnonzero(sub.n_given > depth) if sub.format == "topk" else short[:0]
    for r in short.tolist():
        line = int(sub.lines[r])
        if line in cell_count_bad:
            continue
        n = int(sub.n_given[r])
        log.add("A403", f"The ranking holds {n} file(s); {depth} are required.", line=line,
                column=n + 2 if sub.format == "topk" else 0,
                hint=f"Give exactly {depth} distinct files, best first.")
    deeper_rankings(sub, long, depth, cell_count_bad, log)


def _cell_place(sub: Submission, row: int, position: int) -> tuple[int, int]:
    """(line, column) of a ranked cell: its CSV cell, or a TREC run's line and docid field."""
    if sub.cell_lines is not None:
        return int(sub.cell_lines[row, position]), 3
    return int(sub.lines[row]), position + 2


def _with_folders(sub: Submission, unknown: npt.NDArray[np.int32], qs: QuerySet,
                  log: FindingLog) -> npt.NDArray[np.int32]:
    """The ids of the unknown names that are audio-set names behind a folder, reported in one
    finding (A406) at the first cell holding one: a path per cell is one mistake, not
    thousands of unknown files."""
    ids = np.unique(unknown)
    audio = qs.audio_index
    found = [i for i in ids.tolist()
             if (b := base_name(sub.names[i])) != sub.names[i] and b in audio]
    if not found:
        return np.zeros(0, np.int32)
    hits = np.isin(sub.ranks, found)
    row, col = (int(x[0]) for x in np.nonzero(hits))
    example = sub.names[int(sub.ranks[row, col])]
    log.add("A406", f"{len(found)} ranked file name(s) in {int(hits.any(axis=1).sum())} row(s) "
            f"carry a folder ({folder_summary([sub.names[i] for i in found])}): "
            f"{example[:120]!r} is {base_name(example)!r} of the audio set.",
            line=_cell_place(sub, row, col)[0], column=_cell_place(sub, row, col)[1],
            hint="The audio set names files without a folder: write base names only "
            "(os.path.basename(path)), or score them by base name with --strip-folders "
            "(in Python: strip_folders=True), as DCASE's package validator compares base names.")
    return np.asarray(found, np.int32)


def _unchecked_names(sub: Submission, qs: QuerySet, raw: npt.NDArray[np.int32],
                     mapped: npt.NDArray[np.int32], log: FindingLog) -> None:
    """One warning for the names a relevant-only ground truth cannot check (A405); names that
    are its clips behind a folder are an error instead (A406): they would count as misses."""
    if sub.format in ("topk", "trec"):
        unknown = np.unique(raw[mapped == UNKNOWN])
        foldered = set(_with_folders(sub, unknown, qs, log).tolist())
        names = [sub.names[int(i)] for i in unknown.tolist() if int(i) not in foldered]
        what = "ranked file name(s)"
    else:
        names = [n for n in sub.names if n and n not in qs.audio_index]
        what = "audio column(s)"
    if not names:
        return
    shown = ", ".join(repr(n[:60]) for n in sorted(names)[:3])
    log.add("A405", f"{len(names)} {what} ({shown}{', ...' if len(names) > 3 else ''}) are "
            "not named by the ground truth, which lists only relevant clips: the audio set is "
            "unknown, so these names were not checked and count as not relevant.",
            line=sub.header_line,
            hint="To check every name, give the evaluation audio set with --audio-dir DIR or "
            "--audio-list FILE (in Python: gt.with_audio_set(names)).")


def _check_matrix(sub: Submission, qs: QuerySet, depth: int, log: FindingLog) -> None:
    columns = set(sub.names)
    missing = [a for a in qs.audio if a not in columns]
    for name in missing[: log.max_per_code]:
        log.add("M504", f"Audio file {name[:160]!r} has no column.", line=sub.header_line,
                hint="Score every audio file of the evaluation set; it is never retrieved.")
    if len(missing) > log.max_per_code:
        log.counts["M504"] += len(missing) - log.max_per_code
    audio = qs.audio_index
    lowered = {a.casefold(): a for a in qs.audio}
    composed = _composed(qs.audio)
    for name in sub.names:
        if name and name not in audio and qs.audio_set_known:
            log.add("A401", f"Audio column {name[:160]!r} is not in the audio set.",
                    line=sub.header_line,
                    column=sub.column_of.get(name, 0),
                    hint=_file_hint(name, audio, lowered, composed))
    scores = sub.scores
    if scores is None or scores.size == 0:
        return
    n_cols = scores.shape[1]
    if n_cols > depth:
        ordered = np.take_along_axis(scores, sub.ranks[:, : depth + 1].astype(np.int64), axis=1)
        tied = np.flatnonzero(ordered[:, depth - 1] == ordered[:, depth])
        for r in tied.tolist():
            log.add("M505", f"The scores at positions {depth} and {depth + 1} are equal "
                    f"({ordered[r, depth - 1]:.6g}).", line=int(sub.lines[r]),
                    hint=f"Ties are broken by {TIE_RULE}; give distinct scores to decide it.")
    ordered_rows = np.sort(scores, axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf in rows already reported as M502
        per_row_distinct = 1 + np.count_nonzero(np.diff(ordered_rows, axis=1) != 0, axis=1)
    constant = int(np.sum(per_row_distinct <= 1))
    mostly_tied = int(np.sum(per_row_distinct < max(2, n_cols // 2)))
    if constant or mostly_tied > scores.shape[0] // 2:
        log.add("M506", f"{constant} row(s) have one constant score and {mostly_tied} have "
                "fewer distinct scores than half the columns.", line=sub.header_line,
                hint=f"Tied files are ranked by {TIE_RULE}, never by the ground truth: a "
                "constant matrix scores at chance level.")

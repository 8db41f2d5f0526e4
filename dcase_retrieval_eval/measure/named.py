"""`evaluate(sim, gt, query_names=..., item_names=...)`: the relevance of a similarity matrix
taken from a `GroundTruth` by the names of its rows and columns, after the names are checked as
`validate` checks a score-matrix file (`check.names`; an error is an `InputError` carrying the
findings, warnings go into the report).

A judged audio file of the ground truth without a column (M504, a warning as in `validate`) is
still relevant: it counts as never retrieved, as in `score`. It is placed below every scored
item, in an appended column (-inf for `dcase`; for the other conventions, which refuse
infinities, a finite score below the matrix), after filler columns up to the largest cut-off
when the matrix has fewer columns, so that no top k holds it. For audio-to-text a clip without
a row is no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..check.names import NameCheck, check_names
from ..errors import InputError
from ..formats.ground_truth import GroundTruth
from ..formats.prepare import prepare_ground_truth
from .conventions.spec import Direction
from .rankstats import is_tensor, to_numpy
from .scoring import ScoreReport

#: filler columns at most (each is scored for every row): a deeper cut-off is refused when a
#: judged audio file has no column, since it would have to be placed below every filler
MAX_FILLERS = 100_000


class PairsCsr:
    """Judged (row, column, grade) triples as the CSR object `relevance_csr` reads (`tocsr`,
    `sort_indices`, `indptr`, `indices`, `data`, `shape`), without SciPy."""

    def __init__(self, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64],
                 grades: npt.NDArray[np.float64], shape: tuple[int, int]) -> None:
        order = np.lexsort((cols, rows))
        self.indices = cols[order].astype(np.int32)
        self.data = grades[order]
        self.indptr = np.zeros(shape[0] + 1, np.int64)
        self.indptr[1:] = np.cumsum(np.bincount(rows, minlength=shape[0]))
        self.shape = shape

    def tocsr(self) -> PairsCsr:
        return self

    def sort_indices(self) -> None:
        """Sorted by construction (a lexicographic sort by row, then column)."""


@dataclass
class NamedRelevance:
    """The relevance in matrix coordinates; `n_pad` columns to append (fillers, then the judged
    audio files that have no column); the name check behind it."""

    relevance: PairsCsr
    n_pad: int
    threshold: float
    check: NameCheck


def _refuse(check: NameCheck) -> InputError:
    # a wrong name explains the queries it leaves without a row (Q301): name it first
    first = next((f for f in check.refusals if f.code != "Q301"), check.refusals[0])
    more = f" (and {check.errors - 1} more error(s))" if check.errors > 1 else ""
    return InputError(f"the names do not match the ground truth: {first.code} {first.name}: "
                      f"{first.message}{more}", check.refusals)


def named_relevance(gt: GroundTruth, query_names: Any, item_names: Any,
                    shape: tuple[int, int], direction: Direction,
                    threshold: float | None, deepest: int) -> NamedRelevance:
    """Check the names and map the ground truth's judgements onto the matrix; `deepest` is the
    largest cut-off asked (no judged file without a column may stand within it)."""
    gt = prepare_ground_truth(gt, relevance_threshold=threshold)
    t2a = direction == "text-to-audio"
    check = check_names(gt, query_names, item_names, shape, captions_are_rows=t2a)
    if check.errors:
        raise _refuse(check)
    indptr, audio, grades = gt.judgements()
    query = np.repeat(np.arange(gt.n_queries, dtype=np.int64), np.diff(indptr))
    audio = audio.astype(np.int64)
    keep = grades != 0
    query, audio, grades = query[keep], audio[keep], grades[keep]
    caption_at = np.full(gt.n_queries, -1, np.int64)
    audio_at = np.full(len(gt.audio), -1, np.int64)
    captions, clips = (check.rows, check.cols) if t2a else (check.cols, check.rows)
    caption_at[captions[captions >= 0]] = np.flatnonzero(captions >= 0)
    audio_at[clips[clips >= 0]] = np.flatnonzero(clips >= 0)
    n_pad = 0
    if t2a:  # judged clips without a column: appended columns, below every scored item
        lost = np.unique(audio[audio_at[audio] < 0])
        fillers = max(0, deepest - shape[1]) if lost.size else 0
        if fillers > MAX_FILLERS:
            raise ValueError(f"a cut-off of {deepest} reaches {fillers:,} positions past the "
                             f"{shape[1]} columns, and {lost.size} judged audio file(s) have no "
                             "column (M504): ask a cut-off of at most "
                             f"{shape[1] + MAX_FILLERS} or give every file a column")
        audio_at[lost] = shape[1] + fillers + np.arange(lost.size)
        n_pad = fillers + int(lost.size)
        rows, cols = caption_at[query], audio_at[audio]
    else:  # a clip without a row is no query
        rows, cols = audio_at[audio], caption_at[query]
        live = rows >= 0
        rows, cols, grades = rows[live], cols[live], grades[live]
    csr = PairsCsr(rows, cols, grades, (shape[0], shape[1] + n_pad))
    return NamedRelevance(relevance=csr, n_pad=n_pad, threshold=gt.relevance_threshold,
                          check=check)


def padded_block(block: Any, n_pad: int) -> Any:
    """`block` with `n_pad` columns of -inf appended, in its own array type and device."""
    if n_pad == 0:
        return block
    if is_tensor(block):
        import sys

        torch = sys.modules["torch"]
        return torch.cat([block, block.new_full((block.shape[0], n_pad), float("-inf"))],
                         dim=1)
    fill = np.full((block.shape[0], n_pad), -np.inf, block.dtype)
    return np.concatenate([block, fill], axis=1)


def padded_matrix(sim: Any, n_pad: int) -> npt.NDArray[np.float64]:
    """The whole matrix for the other conventions (they refuse infinities): `n_pad` columns
    of a score below every finite score of the matrix and below 0 (so that TorchMetrics'
    positive-score rule never counts them either)."""
    full = np.asarray(to_numpy(sim), np.float64)
    if n_pad == 0:
        return full
    low = float(np.min(full)) if full.size else 0.0
    fill = min(low - 1.0, -1.0) if np.isfinite(low) else low
    return np.concatenate([full, np.full((full.shape[0], n_pad), fill)], axis=1)


def with_name_warnings(report: ScoreReport, check: NameCheck) -> ScoreReport:
    """The report with the name check's warnings: findings in `report.validation` (by code,
    as `validate` reports them) and one line per code in `report.warnings`."""
    if not check.warnings:
        return report
    lines = []
    for code, n in check.counts.items():
        first = next(f for f in check.findings if f.code == code)
        more = f" (and {n - 1} more)" if n > 1 else ""
        lines.append(f"{code} {first.name}: {first.message}{more}")
    validation = report.validation.model_copy(update={
        "findings": check.findings, "counts": check.counts, "warnings": check.warnings})
    return report.model_copy(update={"validation": validation,
                                     "warnings": [*report.warnings, *lines]})

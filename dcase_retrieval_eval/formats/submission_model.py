"""The submission model that every reader fills: ranked lists of interned file names per query.

Kept apart from the readers (`submission.py` for CSV, `score_matrix_npy.py` for NumPy files,
`trec.py` for TREC runs) so that each reader can build it and `load_submission` can dispatch to
all of them without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..findings import Finding

#: topk: ranked names (CSV); matrix: a score per file (CSV or NumPy); trec: a TREC run.
SubmissionFormat = Literal["topk", "matrix", "trec"]
ABSENT = -1  # no cell at that position (short row)
BLANK = -2  # an empty cell
TIE_RULE = "score descending, then file name ascending (Unicode code points)"
#: A TREC run is ranked as trec_eval ranks it, so that both measure the same ranking.
TREC_TIE_RULE = "score descending, then id descending (as trec_eval); rank column ignored"


@dataclass(repr=False)
class Submission:
    path: str
    format: SubmissionFormat
    queries: list[str]
    lines: npt.NDArray[np.int64]
    names: list[str]
    ranks: npt.NDArray[np.int32]
    n_given: npt.NDArray[np.int32]
    findings: list[Finding] = field(default_factory=list)
    finding_counts: dict[str, int] = field(default_factory=dict)
    #: score-matrix only: scores in name order (rows x names) and per-row sorted scores
    scores: npt.NDArray[np.float64] | None = None
    header_width: int = 0
    #: the line of the header (1 unless blank lines come first)
    header_line: int = 1
    #: score-matrix only: the header cell (1-based) of each audio column, for findings
    column_of: dict[str, int] = field(default_factory=dict)
    #: TREC run only: the line of each ranked entry (rows x width, 0 where none), for findings
    cell_lines: npt.NDArray[np.int64] | None = None

    def __repr__(self) -> str:
        """A line, not every query and name: a notebook echoing a Clotho-sized submission
        would otherwise print hundreds of thousands of characters."""
        counts = ", ".join(f"{c} x{n}" for c, n in sorted(self.finding_counts.items()))
        depth = self.ranks.shape[1] if self.ranks.ndim == 2 else 0
        return (f"Submission(path={self.path!r}, format={self.format!r}, rows={self.n_rows}, "
                f"files={len(self.names)}, depth={depth}, findings={len(self.findings)}"
                + (f" ({counts}))" if counts else ")"))

    @property
    def tie_rule(self) -> str:
        """How equal scores were ordered when this submission was ranked."""
        return TREC_TIE_RULE if self.format == "trec" else TIE_RULE

    @property
    def n_rows(self) -> int:
        return len(self.queries)

    def row_files(self, row: int) -> list[str]:
        return [self.names[i] for i in self.ranks[row] if i >= 0]

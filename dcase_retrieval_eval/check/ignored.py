"""What a submission holds beyond what is scored, ignored by rule rather than refused, and told
once per file instead of once per row: rankings deeper than the edition's k (A404: a top-15 file
is one decision, not 5,225 defects) and, when asked, rows for queries outside a ground truth that
judges a subset of them (Q304)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..findings import FindingLog
from ..formats.ground_truth import QuerySet
from ..formats.submission import Submission


def deeper_rankings(sub: Submission, long: npt.NDArray[np.intp], depth: int,
                    cell_count_bad: set[int], log: FindingLog) -> None:
    """Rankings deeper than the edition's depth are scored at that depth: one warning for the
    file, on the first (rows whose cell count is already wrong, C204, are left out)."""
    lines = [int(sub.lines[r]) for r in long.tolist() if int(sub.lines[r]) not in cell_count_bad]
    if not lines:
        return
    deepest = int(sub.n_given[long].max())
    rows = f"{len(lines)} ranking(s) hold" if len(lines) > 1 else "The ranking holds"
    log.add("A404", f"{rows} more than {depth} files (up to {deepest}); each is scored at "
            f"depth {depth}, and the files after position {depth} are ignored.",
            line=lines[0], column=depth + 2,
            hint=f"Nothing to fix for depth {depth}; to score deeper, pass --k {deepest} (or "
            "the --edition you meant).")


def outside_queries(sub: Submission, qs: QuerySet, rows: npt.NDArray[np.intp],
                    log: FindingLog) -> None:
    """One Q304 warning for the rows ignored because the ground truth does not hold their
    query, on the first of them (a blank query cell is reported already, and still counted)."""
    first = int(sub.lines[int(rows[0])])
    log.add("Q304", f"{rows.size} row(s) are for queries outside the ground truth's "
            f"{qs.n_queries}; they were ignored, and only the ground truth's queries are "
            "scored.", line=first, column=1,
            hint="Nothing to fix when the ground truth rates a subset of the queries; a "
            "query of the ground truth without a row is still an error (Q301).")

"""What every in-memory evaluation shares: the relevance forms read into CSR pairs, and the
`ScoreReport` of a matrix that came from no file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..check.validation import ValidationReport
from ..editions import Edition
from ..errors import InputError
from .jackknife import JackknifeStats
from .rankstats import to_numpy
from .scoring import PerQuery, Policy, ScoreReport

IN_MEMORY = "<in-memory>"


def relevance_csr(relevance: Any, n_queries: int, n_items: int, threshold: float = 1.0,
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32],
                             npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """(indptr, items, grades, relevant) of the judged pairs from an index vector (one relevant
    item per query), a dense boolean / 0-1 / graded matrix, or a sparse matrix (`tocsr()`;
    graded when its values are not all 1). A grade counts as relevant from `threshold` on."""
    if hasattr(relevance, "tocsr"):
        csr = relevance.tocsr()
        csr.sort_indices()
        if csr.shape != (n_queries, n_items):
            raise InputError(f"relevance has shape {csr.shape}, the matrix {(n_queries, n_items)}")
        keep = np.asarray(csr.data) != 0
        owner = np.repeat(np.arange(n_queries), np.diff(csr.indptr))[keep]
        items = np.asarray(csr.indices)[keep].astype(np.int32)
        grades = np.asarray(csr.data, np.float64)[keep]
    else:
        try:
            rel = to_numpy(relevance)
        except ValueError:  # NumPy refuses ragged nesting
            raise TypeError("relevance holds rows of different lengths (a list of each query's "
                            "relevant items?): give a boolean matrix (queries x items), a "
                            "sparse matrix, or one item index per query") from None
        if rel.ndim == 2 and rel.dtype.kind not in "biuf":
            raise TypeError(f"relevance holds {rel.dtype}, not real numbers: give booleans, 0/1 or "
                            "grades")
        if rel.ndim == 1:
            if rel.shape[0] != n_queries or not np.issubdtype(rel.dtype, np.integer):
                raise InputError("a relevance vector holds one integer item index per query "
                                 f"({n_queries} queries)")
            if rel.size and (rel.min() < 0 or rel.max() >= n_items):
                raise InputError(f"relevance indices must lie in [0, {n_items})")
            return (np.arange(n_queries + 1, dtype=np.int64), rel.astype(np.int32),
                    np.ones(n_queries), np.ones(n_queries, bool))
        if rel.shape != (n_queries, n_items):
            raise InputError(f"relevance has shape {rel.shape}, the matrix {(n_queries, n_items)}")
        flat = np.flatnonzero(rel)  # a 1-D scan: np.nonzero of a 2-D matrix is 20x slower
        owner = flat // max(n_items, 1)
        items = (flat - owner * n_items).astype(np.int32)
        grades = rel.reshape(-1)[flat].astype(np.float64)
    if not np.all(np.isfinite(grades)) or bool((grades < 0).any()):
        raise InputError("relevance grades must be finite and non-negative")
    indptr = np.zeros(n_queries + 1, np.int64)
    indptr[1:] = np.cumsum(np.bincount(owner, minlength=n_queries))
    return indptr, items, grades, grades >= threshold


def in_memory_report(metrics: dict[str, JackknifeStats],
                     values: dict[str, npt.NDArray[np.float64]],
                     hits: npt.NDArray[np.bool_] | None, depth: int,
                     rel: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]], ed: Edition,
                     convention: str, tie_rule: str, direction: str, warnings: list[str],
                     ) -> ScoreReport:
    """The `ScoreReport` of an in-memory evaluation: no file, nothing forgiven, the first
    metric the main one; `rel` the relevant items as CSR (indptr, indices)."""
    n_q = int(rel[0].size - 1)
    validation = ValidationReport(path=IN_MEMORY, format="matrix", valid=True, n_rows=n_q,
                                  n_queries=n_q, depth=depth, errors=0, warnings=0,
                                  counts={}, findings=[], tie_rule=tie_rule)
    per_query = PerQuery(values=values,
                         hits=hits if hits is not None else np.zeros((n_q, 0), bool),
                         rel_indptr=rel[0], rel_indices=rel[1])
    main = next(iter(metrics))
    k = int(main.split("@")[1]) if "@" in main else depth
    return ScoreReport(submission=IN_MEMORY, ground_truth=IN_MEMORY, n_queries=n_q,
                       edition=ed.name, k=k, main_metric=main,
                       policy=Policy(mode="strict", tie_rule=tie_rule), metrics=metrics,
                       validation=validation, per_query=per_query, convention=convention,
                       direction=direction, tie_rule=tie_rule, warnings=warnings)

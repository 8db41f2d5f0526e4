"""The interface of the `dcase` convention of `evaluate`: requested measures (`MetricSpec`,
with ir_measures' names as aliases) and `RankStats`, where each judged item stands in its
query's full ranking as counts of the items scored above and tied with it. Every top-k measure
depends only on these positions, so the rows are read a block at a time and never sorted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ...editions import Edition

Direction = Literal["text-to-audio", "audio-to-text"]
TieRule = Literal["stable", "average", "optimistic", "pessimistic"]
Kind = Literal["mAP", "R", "nDCG", "MRR", "P", "Success", "mean_rank", "median_rank"]


@dataclass(frozen=True)
class MetricSpec:
    """One requested measure: `kind` and cut-off `k` (None for the ranks), `name` as reported."""

    kind: Kind
    k: int | None

    @property
    def name(self) -> str:
        return self.kind if self.k is None else f"{self.kind}@{self.k}"


#: ir_measures' names (and a few common spellings) -> the names reported here
_ALIASES = {"ap": "mAP", "map": "mAP", "r": "R", "recall": "R", "ndcg": "nDCG",
            "ndcg_cut": "nDCG", "rr": "MRR", "mrr": "MRR", "p": "P", "precision": "P",
            "success": "Success", "hitrate": "Success", "hit_rate": "Success"}
_RANKS = {"mean_rank": "mean_rank", "meanr": "mean_rank", "mean rank": "mean_rank",
          "median_rank": "median_rank", "medr": "median_rank", "median rank": "median_rank"}


def parse_metric(name: str) -> MetricSpec:
    """`AP@10`, `mAP@10`, `R@5`, `nDCG@10`, `RR@10`/`MRR@10`, `P@10`, `Success@5`,
    `mean_rank`/`MeanR`, `median_rank`/`MedR` -> a `MetricSpec`; ValueError otherwise."""
    low = name.strip().lower()
    if low in _RANKS:
        return MetricSpec(_RANKS[low], None)  # type: ignore[arg-type]
    m = re.fullmatch(r"([a-z_ ]+)\s*[@_]\s*(\d+)", low)
    if m is None or m.group(1).strip() not in _ALIASES or int(m.group(2)) < 1:
        raise ValueError(f"unknown metric {name!r}; use e.g. mAP@10, AP@10, R@5, nDCG@10, "
                         "RR@10, P@10, Success@5, mean_rank, median_rank")
    return MetricSpec(_ALIASES[m.group(1).strip()], int(m.group(2)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class RankStats:
    """Where each judged item stands in its query's ranking, CSR by query.

    `items[j]` is the j-th judged item (index into the row), `grades[j]` its grade (1 for binary
    relevance), `relevant[j]` whether it counts for AP/R/P/RR/Success/ranks. `above[j]` counts
    the items with a strictly higher score, `tied_before[j]` the other items with the same score
    and a lower index, `tied[j]` all other items with the same score. `boundary_tie[q]`: the
    query has equal scores at positions k and k + 1 for a requested cut-off k (a tie across it).
    Unless `complete`, the counts are exact only for items placed within `depth`: an item
    placed beyond has `above` = depth + 1 (a lower bound) and no ties, so its position is known
    to be past the depth and nothing more (enough for every measure cut at k <= depth).
    """

    indptr: npt.NDArray[np.int64]
    items: npt.NDArray[np.int32]
    grades: npt.NDArray[np.float64]
    relevant: npt.NDArray[np.bool_]
    above: npt.NDArray[np.int64]
    tied_before: npt.NDArray[np.int64]
    tied: npt.NDArray[np.int64]
    boundary_tie: npt.NDArray[np.bool_]
    n_items: int
    depth: int
    complete: bool = True

    @property
    def n_queries(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def owner(self) -> npt.NDArray[np.int64]:
        """The query of each judged pair."""
        return np.repeat(np.arange(self.n_queries, dtype=np.int64), np.diff(self.indptr))

    def positions(self, rule: TieRule = "stable") -> npt.NDArray[np.float64]:
        """1-based position of each judged item under a tie rule: `stable` (tied items in
        index order: a total order, the `dcase` rule), `average` (the mean position of the tied
        group), `optimistic` (first of its group), `pessimistic` (last of its group)."""
        base = self.above.astype(np.float64) + 1.0
        if rule == "stable":
            return base + self.tied_before
        if rule == "average":
            return base + self.tied / 2.0
        if rule == "optimistic":
            return base
        return base + self.tied


@dataclass(frozen=True)
class Context:
    """What a convention may need besides the counts."""

    edition: Edition
    direction: Direction


@dataclass
class StatsResult:
    """Per-query values (float64, one per query, NaN where undefined) for each requested name,
    optionally the hit matrix (queries x depth, for per-query reports), and warnings."""

    values: dict[str, npt.NDArray[np.float64]]
    hits: npt.NDArray[np.bool_] | None = None
    warnings: list[str] = field(default_factory=list)

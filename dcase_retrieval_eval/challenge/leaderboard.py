"""The leaderboard: a typed result of `rank` that renders itself (JSON, CSV, Markdown, LaTeX, HTML).

Ranking rule (documented in docs/organizer-guide.md): systems are ordered by the edition's main
metric, highest first. Systems whose main-metric values are exactly equal (as floats) share a rank
(competition ranking: 1, 2, 2, 4) and are listed by label in code-point order; nothing else, and
never the ground truth, breaks a tie. The team view keeps each team's first system in that order.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, PrivateAttr

from ..findings import ShownText
from ..formats.ground_truth import GroundTruth
from ..formats.meta_model import SystemMeta
from ..io.json_safe import strict_json
from ..io.regular import open_regular
from ..measure.jackknife import JackknifeStats
from .paper import PaperTables
from .robustness import Robustness

TIE_RULE_TEXT = (
    "exactly equal main-metric values share a rank (1, 2, 2, 4) and are listed by system label "
    "in Unicode code-point order"
)
TestName = Literal["randomization", "bootstrap"]


class Comparison(BaseModel):
    """A paired test of `better` against `other` on the main metric's per-query values."""

    better: str
    other: str
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    significant: bool


class SystemResult(BaseModel):
    """One ranked system with its metrics (jackknife CIs) and its test against the best."""

    rank: int
    label: ShownText
    team: ShownText
    system_name: ShownText
    source: ShownText
    metrics: dict[str, JackknifeStats]
    policy: str
    lenient: bool
    #: the organizers' baseline (`rank --baseline LABEL`): marked in every table and plot
    baseline: bool = False
    team_best: bool
    team_rank: int | None
    in_best_group: bool
    vs_best: Comparison | None
    #: The team's meta-information (None for a manifest entry); e-mails are never serialised.
    meta: SystemMeta | None = None


class Rejected(BaseModel):
    """A system or package that could not be ranked, and why."""

    label: ShownText
    team: ShownText
    source: ShownText
    reason: ShownText
    codes: dict[str, int] = {}
    #: the first error findings of an invalid output, as `line L, column C: CODE message`
    first_findings: list[ShownText] = []

    @property
    def codes_text(self) -> str:
        """The finding codes with their counts, in code order, for a table cell:
        `A401 x12, Q301 x3` (a package's codes come in the order they were found)."""
        return ", ".join(f"{code} x{n}" if n > 1 else code
                         for code, n in sorted(self.codes.items()))


class HardQuery(BaseModel):
    """A query that the ranked systems found hardest (lowest mean of the main metric)."""

    query: ShownText
    relevant: list[ShownText]
    mean_main_metric: float


class Provenance(BaseModel):
    """What was scored, by which version: printed with every published table."""

    tool_version: str
    edition: str
    ground_truth_file: str
    ground_truth_sha256: str | None
    n_queries: int
    #: UTC time the files were written (set by the writer, so that `rank` stays deterministic)
    generated: str | None = None


def provenance_of(truth: GroundTruth, edition: str) -> Provenance:
    """The ground truth's file name and SHA-256 (None when it was built in memory), the edition
    and this tool's version."""
    from .. import __version__

    path = Path(truth.source) if truth.source else None
    digest = None
    if path is not None and path.is_file():
        h = hashlib.sha256()
        with open_regular(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
    return Provenance(tool_version=__version__, edition=edition,
                      ground_truth_file=path.name if path is not None else "(in memory)",
                      ground_truth_sha256=digest, n_queries=truth.n_queries)


class Leaderboard(BaseModel):
    """Everything `rank` decided, with the settings needed to reproduce it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    edition: str
    main_metric: str
    metric_names: list[str]
    n_queries: int
    ground_truth: ShownText
    test: TestName
    rounds: int
    seed: int
    alpha: float
    all_pairs: bool
    confidence: float = 0.95
    #: rows for queries outside the ground truth were ignored (a ground truth of a subset)
    only_gt_queries: bool = False
    tie_rule: str = TIE_RULE_TEXT
    systems: list[SystemResult]
    comparisons: list[Comparison]
    rejected: list[Rejected]
    hardest_queries: list[HardQuery] = []
    #: queries on which every ranked system scores 0 (left out of `hardest_queries`)
    zero_for_all: int = 0
    robustness: Robustness | None = None
    paper: PaperTables | None = None
    provenance: Provenance | None = None
    _per_query: dict[str, dict[str, npt.NDArray[np.float64]]] = PrivateAttr(default_factory=dict)
    _positions: dict[str, list[list[int]]] = PrivateAttr(default_factory=dict)
    _queries: list[str] = PrivateAttr(default_factory=list)
    _relevant: list[list[str]] = PrivateAttr(default_factory=list)

    def attach_per_query(self, values: dict[str, dict[str, npt.NDArray[np.float64]]],
                         positions: dict[str, list[list[int]]], gt: GroundTruth) -> None:
        """Keep the per-query vectors (not serialised) for the per-system CSVs."""
        self._per_query = values
        self._positions = positions
        self._queries = list(gt.queries)
        self._relevant = [gt.relevant(q) for q in range(gt.n_queries)]

    @property
    def has_per_query(self) -> bool:
        return bool(self._queries)

    @property
    def best_group(self) -> list[SystemResult]:
        """The best system and every system not significantly different from it."""
        return [s for s in self.systems if s.in_best_group]

    @property
    def lenient_systems(self) -> list[SystemResult]:
        """Ranked systems scored under the lenient policy (flagged on every rendering)."""
        return [s for s in self.systems if s.lenient]

    def team_view(self) -> list[SystemResult]:
        """One row per team, its best system, in team-rank order (Table 2 of the 2022 paper)."""
        return [s for s in self.systems if s.team_best]

    def per_query(self, label: str) -> dict[str, npt.NDArray[np.float64]]:
        """Per-query metric vectors of one system (only on a leaderboard made by `rank`)."""
        return self._per_query[label]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe document: non-finite numbers become null."""
        doc: dict[str, Any] = strict_json(self.model_dump(mode="python"))
        return doc

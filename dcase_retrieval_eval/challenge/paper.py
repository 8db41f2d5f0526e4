"""The overview paper's tables, computed from a ranked leaderboard and the teams' meta files.

What the task organizers wrote by hand in the 2022 overview paper (Xie, Lipping, Virtanen, DCASE
2022 Workshop), rebuilt from the packages:
- Table 2: each team's best system with every metric and its CI;
- Table 3: a named baseline on the evaluation set beside its development figures (meta `results`);
- Table 4: characteristics of each team's best system (meta `system.description` keys);
- section 4.2's counts: for every value of every chosen characteristic, "N systems from M teams",
  with the best and the mean main metric of those systems;
- development vs evaluation: each system's self-reported development score against its
  evaluation score, flagged when the claim lies outside the evaluation CI.

This module only computes (a model); report/paper_formats.py and the page templates render it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from ..formats.meta_model import CHARACTERISTICS
from ..measure.jackknife import JackknifeStats

if TYPE_CHECKING:
    from ..formats.meta_model import SystemMeta


class SystemResult(Protocol):
    """What the tables read of a ranked system (leaderboard.SystemResult has it)."""

    @property
    def rank(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def system_name(self) -> str: ...
    @property
    def team_best(self) -> bool: ...
    @property
    def team_rank(self) -> int | None: ...
    @property
    def metrics(self) -> dict[str, JackknifeStats]: ...
    @property
    def meta(self) -> SystemMeta | None: ...

#: The paper's Table 4 columns; each name also matches the other spellings that DCASE templates
#: of different years use for it (formats.meta_model.CHARACTERISTICS).
DEFAULT_CHARACTERISTICS = ("audio_modelling", "caption_modelling", "loss_function")
#: Not a description key: read from `system.external_datasets`.
EXTERNAL = "external_datasets"


class UnknownBaseline(ValueError):
    """`baseline` names no ranked system (a usage error on the command line)."""


class TeamRow(BaseModel):
    """One team's best system: a row of Table 2 and of Table 4."""

    team_rank: int
    team: str
    team_display: str
    label: str
    system_name: str
    authors: list[str]
    technical_report: str | None
    metrics: dict[str, JackknifeStats]
    #: From a package without any PDF (P727); a manifest system has no package to hold one
    report_missing: bool = False
    #: Chosen characteristic -> its items as the team wrote them (trimmed; [] when not given).
    characteristics: dict[str, list[str]]


class BaselineTable(BaseModel):
    """Table 3: the baseline's development figures (from its meta) and evaluation figures."""

    label: str
    development_split: str | None
    development: dict[str, float | None]
    evaluation: dict[str, JackknifeStats]


class CharacteristicValue(BaseModel):
    """One value of one characteristic: "N systems from M teams", best and mean main metric."""

    characteristic: str
    value: str
    systems: int
    teams: int
    labels: list[str]
    team_names: list[str]
    best: float
    best_label: str
    mean: float


class DevEvalRow(BaseModel):
    """A system's self-reported development score against its evaluation score and CI."""

    rank: int
    label: str
    team: str
    development: float | None
    development_as_percent: bool
    evaluation: float
    ci_low: float
    ci_high: float
    #: "below": the evaluation CI lies entirely below the claim; "above": entirely above.
    outside: str | None
    flagged: bool


class PaperTables(BaseModel):
    """Everything the paper's tables and section 4.2 need (see the module docstring)."""

    main_metric: str
    metric_names: list[str]
    characteristics: list[str]
    baseline: str | None
    #: Systems and teams counted by the statistics (the baseline is not a submission).
    n_systems: int
    n_teams: int
    teams: list[TeamRow]
    table3: BaselineTable | None
    characteristic_stats: list[CharacteristicValue]
    dev_eval: list[DevEvalRow]


def canonical_metric(name: str) -> str:
    """`mAP@10`, `map_at_10`, `MAP10`, `recall@1`, `R_1` -> `map10`, `r1`: how teams spell the
    metrics in their meta `results`."""
    text = re.sub(r"[^a-z0-9]", "", name.casefold()).replace("recall", "r")
    return re.sub(r"at(?=[0-9])", "", text)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _items(value: Any) -> list[str]:
    """A description value as its items: a list counts each item; null counts nothing."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, list):
        return [item for v in value for item in _items(v)]
    if isinstance(value, dict):
        return [f"{k}: {', '.join(_items(v))}" for k, v in value.items()]
    text = " ".join(str(value).split())
    return [text] if text else []


def _spellings(key: str) -> tuple[str, ...]:
    for name, spellings in CHARACTERISTICS.items():
        if _fold(key) in (_fold(name), *(_fold(s) for s in spellings)):
            return (name, *spellings)
    return (key,)


def characteristic(meta: SystemMeta | None, key: str) -> list[str]:
    """The items of characteristic `key` in a system's `system.description` (any spelling of it,
    keys compared after trimming and case folding). `external_datasets`, unless the description
    has such a key, is the names of the `system.external_datasets` entries (section 4.2's
    "external data ... seven out of nine")."""
    if meta is None:
        return []
    description = {_fold(k): v for k, v in meta.system.description.items()}
    for spelling in _spellings(key):
        if _fold(spelling) in description:
            return _items(description[_fold(spelling)])
    if _fold(key) in (EXTERNAL, "external_data"):
        return _items([d.name for d in meta.system.external_datasets])
    return []


def authors(meta: SystemMeta | None) -> list[str]:
    if meta is None:
        return []
    return [" ".join(f"{a.firstname} {a.lastname}".split()) for a in meta.submission.authors]


def team_display(result: SystemResult) -> str:
    """The paper's way to name a team: "Xu et al.", or "Pellegrini" for a single author."""
    meta = result.meta
    if meta is None or not meta.submission.authors:
        return result.team
    first = " ".join(meta.submission.authors[0].lastname.split())
    return f"{first} et al." if len(meta.submission.authors) > 1 else first


def development_figures(meta: SystemMeta | None, metric_names: Iterable[str],
                        ) -> tuple[str | None, dict[str, float | None]]:
    """The team's development figure for each of our metrics (None when not reported), matched
    by canonical name, and the split they come from."""
    if meta is None or not meta.results:
        return None, {m: None for m in metric_names}
    split = next((s for s in meta.results if s.startswith("development")),
                 next(iter(meta.results)))
    given = {canonical_metric(k): v for k, v in meta.results[split].items()}
    return split, {m: given.get(canonical_metric(m)) for m in metric_names}


def _as_fraction(value: float | None) -> tuple[float | None, bool]:
    """Teams often report percentages (46.62 for 0.4662): a figure in (1, 100] is read as one."""
    if value is None or not math.isfinite(value):
        return None, False
    if 1.0 < value <= 100.0:
        return value / 100.0, True
    return value, False


def _team_rows(board_systems: Sequence[SystemResult], characteristics: Sequence[str],
               baseline: str | None) -> list[TeamRow]:
    rows = []
    for s in board_systems:
        if not s.team_best or s.team_rank is None:
            continue
        meta = s.meta
        rows.append(TeamRow(
            team_rank=s.team_rank, team=s.team,
            team_display="Baseline" if s.label == baseline else team_display(s), label=s.label,
            system_name=s.system_name, authors=authors(meta),
            technical_report=meta.technical_report if meta is not None else None,
            report_missing=meta is not None and meta.technical_report is None
            and s.label != baseline,
            metrics=s.metrics,
            characteristics={k: characteristic(meta, k) for k in characteristics}))
    return rows


def _statistics(systems: Sequence[SystemResult], characteristics: Sequence[str],
                main: str) -> list[CharacteristicValue]:
    out: list[CharacteristicValue] = []
    for key in characteristics:
        groups: dict[str, list[SystemResult]] = {}
        shown: dict[str, str] = {}
        for s in systems:
            seen: set[str] = set()
            for item in characteristic(s.meta, key):
                folded = _fold(item)
                if folded in seen:
                    continue
                seen.add(folded)
                shown.setdefault(folded, item)
                groups.setdefault(folded, []).append(s)
        for folded, members in groups.items():
            values = [m.metrics[main].value for m in members]
            best = max(members, key=lambda m: m.metrics[main].value)
            teams = list(dict.fromkeys(m.team for m in members))
            out.append(CharacteristicValue(
                characteristic=key, value=shown[folded], systems=len(members), teams=len(teams),
                labels=[m.label for m in members], team_names=teams,
                best=best.metrics[main].value, best_label=best.label,
                mean=sum(values) / len(values)))
    order = {k: i for i, k in enumerate(characteristics)}
    out.sort(key=lambda v: (order[v.characteristic], -v.systems, -v.teams, -v.best,
                            _fold(v.value)))
    return out


def _dev_eval(systems: Sequence[SystemResult], main: str) -> list[DevEvalRow]:
    rows = []
    for s in systems:
        _, figures = development_figures(s.meta, [main])
        dev, percent = _as_fraction(figures[main])
        m = s.metrics[main]
        outside = None
        if dev is not None and math.isfinite(m.ci_low) and math.isfinite(m.ci_high):
            outside = "below" if m.ci_high < dev else "above" if m.ci_low > dev else None
        rows.append(DevEvalRow(rank=s.rank, label=s.label, team=s.team, development=dev,
                               development_as_percent=percent, evaluation=m.value,
                               ci_low=m.ci_low, ci_high=m.ci_high, outside=outside,
                               flagged=outside is not None))
    return rows


def paper_tables(systems: Sequence[SystemResult], main_metric: str, metric_names: Sequence[str],
                 *, baseline: str | None = None,
                 characteristics: Sequence[str] | None = None) -> PaperTables:
    """The paper's tables for ranked `systems` (in rank order, as `rank` returns them).

    Raises UnknownBaseline when `baseline` names no ranked system.
    """
    chosen = list(dict.fromkeys(k.strip() for k in (characteristics or DEFAULT_CHARACTERISTICS)
                                if k.strip()))
    table3 = None
    if baseline is not None:
        base = next((s for s in systems if s.label == baseline), None)
        if base is None:
            known = ", ".join(s.label for s in systems[:5])
            raise UnknownBaseline(f"--baseline {baseline}: no ranked system has this label "
                                  f"(ranked: {known}{', ...' if len(systems) > 5 else ''})")
        split, dev = development_figures(base.meta, metric_names)
        table3 = BaselineTable(label=base.label, development_split=split,
                               development={k: _as_fraction(v)[0] for k, v in dev.items()},
                               evaluation=base.metrics)
    submitted = [s for s in systems if s.label != baseline]
    return PaperTables(
        main_metric=main_metric, metric_names=list(metric_names), characteristics=chosen,
        baseline=baseline, n_systems=len(submitted),
        n_teams=len(dict.fromkeys(s.team for s in submitted)),
        teams=_team_rows(systems, chosen, baseline), table3=table3,
        characteristic_stats=_statistics(submitted, chosen, main_metric),
        dev_eval=_dev_eval(systems, main_metric))

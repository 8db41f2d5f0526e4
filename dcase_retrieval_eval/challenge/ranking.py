"""`rank`: from a folder of team packages (or a manifest) to a `Leaderboard`.

Steps: read every package safely -> keep systems whose meta and output are usable -> score each
(official metrics, jackknife CIs) -> order by the main metric with the documented tie rule ->
paired tests against the best (or all pairs), Holm-corrected -> the group not significantly
different from the best. Which systems are left out, and why, is part of the result.
"""

from __future__ import annotations

import csv
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..check.package_check import label_task
from ..editions import Edition, check_k, resolve_edition
from ..errors import InputError
from ..findings import shown_text
from ..formats.ground_truth import GroundTruth, load_ground_truth
from ..formats.meta import SystemMeta
from ..formats.package import (
    OUTPUT_SUFFIX,
    TASK_FOLDER,
    ZipLimits,
    open_package,
    read_meta,
    read_output,
)
from ..formats.submission import Submission, load_submission
from ..formats.team_identity import DCASE_LABEL, is_label, shown_name, unsafe_characters
from ..io.csvread import DEFAULT_MAX_BYTES
from ..measure.scoring import ScoreReport, score_aligned
from .compare import compare
from .leaderboard import (
    TIE_RULE_TEXT,
    HardQuery,
    Leaderboard,
    Rejected,
    SystemResult,
    TestName,
    provenance_of,
)
from .paper import paper_tables
from .robustness import Robustness, rank_robustness

#: Package-level codes that make a whole package unusable for ranking.
PACKAGE_FATAL = ("P701", "P705", "P706", "P707", "P714")
HARDEST_SHOWN = 10
MANIFEST_HEADER = ["system", "team", "path"]


@dataclass
class Candidate:
    """A system ready to be scored."""

    label: str
    team: str
    system_name: str
    source: str
    submission: Submission
    meta: SystemMeta | None = None


def _is_package_dir(path: Path) -> bool:
    """One package rather than a folder of packages: system outputs at the top (the flat layout)
    or a DCASE task folder or label folder (`task6b/`, `Doe_UniX_task6b_1/`) at the top."""
    for child in path.iterdir():
        if child.is_file() and child.name.lower().endswith(OUTPUT_SUFFIX):
            return True
        if child.is_dir() and not child.is_symlink() and (
                TASK_FOLDER.match(child.name) or DCASE_LABEL.match(child.name)
                and (child / f"{child.name}{OUTPUT_SUFFIX}").is_file()):
            return True
    return False


#: What reading one hostile package may raise beyond its findings; it rejects that package only.
PACKAGE_READ_ERRORS = (OSError, ValueError, UnicodeError, RecursionError, zipfile.BadZipFile,
                       EOFError)


def _from_package(path: Path, max_bytes: int, limits: ZipLimits | None, task: str | None = None,
                  ) -> tuple[list[Candidate], list[Rejected]]:
    """The package's usable systems; a defect of this package never stops the others."""
    try:
        return _read_package(path, max_bytes, limits, task)
    except PACKAGE_READ_ERRORS as exc:
        reason = f"the package cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
        return [], [Rejected(label="", team=shown_name(path.stem), source=path.name,
                             reason=reason, codes={"P714": 1})]


def _read_package(path: Path, max_bytes: int, limits: ZipLimits | None, task: str | None,
                  ) -> tuple[list[Candidate], list[Rejected]]:
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    with open_package(path, limits) as pkg:
        labels = sorted(set(pkg.outputs) | set(pkg.metas))
        metas = {label: read_meta(pkg, label, task) for label in labels}
        fatal = {c: pkg.log.counts[c] for c in PACKAGE_FATAL if pkg.log.counts[c]}
        for label in labels:
            meta = metas[label]
            team = meta.team if meta is not None else shown_name(path.stem)
            source = pkg.outputs[label][1] if label in pkg.outputs else pkg.metas[label][1]
            reason = ""
            if fatal:
                reason = "the package is unusable: " + ", ".join(fatal)
            elif label not in pkg.outputs:
                reason = "no system output (P703)"
            elif meta is None:
                codes = sorted(c for c in pkg.log.counts
                               if c in ("P702", "P710") or c.startswith(("P704", "P72")))
                reason = f"missing or invalid meta-information ({'/'.join(codes) or 'P702'})"
            if reason:
                rejected.append(Rejected(label=label, team=team, source=source, reason=reason,
                                         codes=dict(pkg.log.counts)))
                continue
            assert meta is not None
            found.append(Candidate(label, meta.team, meta.system_name, source,
                                   read_output(pkg, label, max_bytes), meta))
        if not labels:
            why = ("the package is unusable: " + ", ".join(fatal)) if fatal else \
                "no system in the package (P709)"
            rejected.append(Rejected(label="", team=shown_name(path.stem), source=path.name,
                                     reason=why,
                                     codes=dict(pkg.log.counts)))
    return found, rejected


def _from_manifest(path: Path, max_bytes: int) -> tuple[list[Candidate], list[Rejected]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: the manifest cannot be read ({exc})") from None
    if not rows or [c.strip().lower() for c in rows[0]] != MANIFEST_HEADER:
        raise InputError(f"{path}: a manifest starts with the header 'system,team,path'")
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            rejected.append(Rejected(label="", team="", source=f"{path.name}:{number}",
                                     reason=f"line {number} has {len(row)} cells, not 3"))
            continue
        label, team, rel = (cell.strip() for cell in row)
        file = (path.parent / rel) if not Path(rel).is_absolute() else Path(rel)
        codes: dict[str, int] = {}
        if not is_label(label):
            reason = "the label must be 1-64 letters, digits, '_', '-' or '.' (P712)"
        elif not team:
            reason = "the team is empty"
        elif bad := unsafe_characters(team):
            reason = (f"the team name holds control or bidirectional-override characters "
                      f"({', '.join(bad[:5])}) (P725)")
            codes = {"P725": 1}
            team = shown_name(team)
        elif not file.is_file():
            reason = f"no such file: {rel}"
        else:
            found.append(Candidate(label, team, label, rel, load_submission(file,
                                                                             max_bytes=max_bytes)))
            continue
        rejected.append(Rejected(label=label, team=team, source=rel, reason=reason,
                                 codes=codes))
    return found, rejected


def input_paths(submissions: str | Path) -> list[Path]:
    """Every file or folder that ranking `submissions` reads: the folder or package itself, or
    the manifest and each file it names. Output guards compare against these; an unreadable
    manifest names only itself (reading it later reports why)."""
    path = Path(submissions)
    paths = [path]
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return paths
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return paths
    for row in rows[1:]:
        if len(row) == 3 and row[2].strip():
            rel = Path(row[2].strip())
            paths.append(rel if rel.is_absolute() else path.parent / rel)
    return paths


def collect(submissions: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
            limits: ZipLimits | None = None, bar: _Bar | None = None, task: str | None = None,
            ) -> tuple[list[Candidate], list[Rejected]]:
    """Candidates from a folder of packages, one package, or a manifest CSV `system,team,path`.

    `task`: the label task the edition requires (`task6b`, ...); None accepts any of them.
    """
    bar = bar or _Bar(None)
    path = Path(submissions)
    if path.is_file() and path.suffix.lower() == ".csv":
        return _from_manifest(path, max_bytes)
    if path.is_file():
        return _from_package(path, max_bytes, limits, task)
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    if _is_package_dir(path):
        return _from_package(path, max_bytes, limits, task)
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    children = [c for c in sorted(path.iterdir(), key=lambda p: p.name)
                if not c.name.startswith(".")]
    bar.start("reading", len(children))
    for child in children:
        bar.step(child.name)
        if child.is_symlink():
            rejected.append(Rejected(label="", team="", source=child.name,
                                     reason="a link, not a package (P705)"))
        elif child.is_dir() or child.suffix.lower() == ".zip":
            more, bad = _from_package(child, max_bytes, limits, task)
            found.extend(more)
            rejected.extend(bad)
        else:
            rejected.append(Rejected(label="", team="", source=child.name,
                                     reason="not a package (a .zip or a folder)"))
    return found, rejected


def _dedupe(cands: list[Candidate], rejected: list[Rejected]) -> list[Candidate]:
    seen: dict[str, str] = {}
    kept: list[Candidate] = []
    for c in cands:
        if c.label in seen:
            rejected.append(Rejected(label=c.label, team=c.team, source=c.source,
                                     reason=f"label already used by {seen[c.label]} (P711)"))
            continue
        seen[c.label] = c.source
        kept.append(c)
    return kept


#: Told of every step: `progress(stage, done, total, item)`, stage "reading" or "scoring".
ProgressCallback = Callable[[str, int, int, str], None]


def print_progress(stage: str, done: int, total: int, item: str) -> None:
    """The plain progress reporter behind `rank(progress=True)`: one line per step on stderr."""
    print(f"{stage} {done}/{total} {item}", file=sys.stderr, flush=True)


class _Bar:
    """Counts the steps of each stage and forwards them to the caller's callback, if any."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._stage = ""
        self._done = 0
        self._total = 0

    def start(self, stage: str, total: int) -> None:
        self._stage, self._done, self._total = stage, 0, total
        if self._callback is not None:
            self._callback(stage, 0, total, "")

    def step(self, description: str) -> None:
        self._done += 1
        if self._callback is not None:  # an upload's name, shown live: escaped (ESC, BEL, ...)
            self._callback(self._stage, self._done, self._total, shown_text(description))


def _score_all(cands: list[Candidate], gt: GroundTruth, edition: Edition, lenient: bool,
               confidence: float, bar: _Bar, rejected: list[Rejected],
               ) -> Iterator[tuple[Candidate, ScoreReport]]:
    bar.start("scoring", len(cands))
    for c in cands:
        try:
            yield c, score_aligned(c.submission, gt, edition, lenient=lenient,
                                   confidence=confidence)
        except InputError as exc:
            counts: dict[str, int] = {}
            for f in exc.findings:
                counts[f.code] = counts.get(f.code, 0) + 1
            rejected.append(Rejected(label=c.label, team=c.team, source=c.source,
                                     reason=f"invalid system output: {exc}", codes=counts))
        bar.step(c.label)


def competition_ranks(values: Sequence[float]) -> list[int]:
    """1, 2, 2, 4 ranks for values already sorted descending."""
    ranks: list[int] = []
    for i, v in enumerate(values):
        ranks.append(ranks[-1] if i and v == values[i - 1] else i + 1)
    return ranks


def rank(
    submissions: str | Path,
    gt: GroundTruth | str | Path,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    test: TestName = "randomization",
    rounds: int = 10_000,
    seed: int = 2022,
    alpha: float = 0.05,
    all_pairs: bool = False,
    lenient: bool = False,
    confidence: float = 0.95,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ZipLimits | None = None,
    progress: bool | ProgressCallback = False,
    bootstrap_rankings: int = 1000,
    baseline: str | None = None,
    characteristics: Sequence[str] | None = None,
    relevance_threshold: float | None = None,
) -> Leaderboard:
    """Score, order and compare every usable system of `submissions` against `gt`.

    `progress`: a `ProgressCallback`, or True for plain lines on stderr (the CLI passes a bar).
    `bootstrap_rankings`: resamples of the queries for the ranking-robustness analysis (seeded
    with `seed + 2`; the paired tests use `seed` and `seed + 1`); 0 skips it.
    `baseline`: the label of the baseline system (Table 3; left out of the characteristic
    statistics); a label that no ranked system has raises ValueError.
    `characteristics`: the meta `system.description` keys of Table 4 and the statistics (default
    `paper.DEFAULT_CHARACTERISTICS`, the paper's Table 4).
    `relevance_threshold`: graded ground truth only, the grade from which a file is relevant.
    """
    check_k(k)
    if isinstance(characteristics, str) or not (
            characteristics is None or all(isinstance(c, str) for c in characteristics)):
        raise TypeError("characteristics must be a list of description keys, e.g. "
                        f"['loss_function'], not {characteristics!r}")
    if test not in ("randomization", "bootstrap"):
        raise ValueError(f"unknown test {test!r}; choose randomization or bootstrap")
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie in (0, 1)")
    if bootstrap_rankings < 0:
        raise ValueError("bootstrap_rankings must be at least 0")
    truth = gt if isinstance(gt, GroundTruth) else load_ground_truth(gt, max_bytes=max_bytes)
    if relevance_threshold is not None:
        truth = truth.with_relevance_threshold(relevance_threshold)
    ed = resolve_edition(edition, truth, k)
    callback = print_progress if progress is True else progress or None
    bar = _Bar(callback)
    cands, rejected = collect(submissions, max_bytes=max_bytes, limits=limits, bar=bar,
                              task=label_task(edition, ed))
    cands = _dedupe(cands, rejected)
    scored = list(_score_all(cands, truth, ed, lenient, confidence, bar, rejected))
    main = ed.main_metric
    scored.sort(key=lambda cs: (-cs[1].metrics[main].value, cs[0].label))
    labels = [c.label for c, _ in scored]
    per_query = {c.label: r.per_query.values for c, r in scored if r.per_query is not None}
    matrix = np.column_stack([per_query[lab][main] for lab in labels]) if labels else \
        np.zeros((truth.n_queries, 0))
    comparisons = compare(matrix, labels, test=test, rounds=rounds, seed=seed, alpha=alpha,
                          all_pairs=all_pairs)
    vs_best = {c.other: c for c in comparisons if labels and c.better == labels[0]}
    ranks = competition_ranks([r.metrics[main].value for _, r in scored])
    team_rank: dict[str, int] = {}
    last_team: tuple[float, int] | None = None
    results: list[SystemResult] = []
    for (cand, report), position in zip(scored, ranks, strict=True):
        first_of_team = cand.team not in team_rank
        if first_of_team:
            value = report.metrics[main].value
            shared = last_team is not None and value == last_team[0]
            team_rank[cand.team] = last_team[1] if shared and last_team else len(team_rank) + 1
            last_team = (value, team_rank[cand.team])
        test_vs_best = vs_best.get(cand.label)
        results.append(SystemResult(
            rank=position, label=cand.label, team=cand.team, system_name=cand.system_name,
            source=cand.source, metrics=report.metrics, policy=report.policy.describe(),
            lenient=report.policy.mode == "lenient", baseline=cand.label == baseline,
            team_best=first_of_team,
            team_rank=team_rank[cand.team] if first_of_team else None,
            in_best_group=test_vs_best is None or not test_vs_best.significant,
            vs_best=test_vs_best, meta=cand.meta))
    board = Leaderboard(
        edition=ed.name, main_metric=main, metric_names=_metric_names(ed),
        n_queries=truth.n_queries, ground_truth=truth.source, test=test, rounds=rounds,
        seed=seed, alpha=alpha, all_pairs=all_pairs, confidence=confidence,
        tie_rule=TIE_RULE_TEXT, systems=results, comparisons=comparisons, rejected=rejected,
        hardest_queries=_hardest(matrix, truth), zero_for_all=_zero_for_all(matrix),
        provenance=provenance_of(truth, ed.name),
        robustness=_robustness(matrix, scored, ed, bootstrap_rankings, seed, bar),
        paper=paper_tables(results, main, _metric_names(ed), baseline=baseline,
                           characteristics=characteristics))
    board.attach_per_query(per_query, {c.label: r.per_query.positions for c, r in scored
                                       if r.per_query is not None}, truth)
    return board


def _robustness(matrix: np.ndarray, scored: list[tuple[Candidate, ScoreReport]], ed: Edition,
                resamples: int, seed: int, bar: _Bar) -> Robustness | None:
    if resamples == 0 or not scored:
        return None
    bar.start("rank robustness", 1)
    metrics = {m: [r.metrics[m].value for _, r in scored] for m in _metric_names(ed)}
    result = rank_robustness(matrix, [c.label for c, _ in scored], ed.main_metric, metrics,
                             resamples=resamples, seed=seed + 2)
    bar.step(f"{resamples} resamples")
    return result


def _metric_names(ed: Edition) -> list[str]:
    return ed.metric_names


def _zero_for_all(matrix: np.ndarray) -> int:
    return int((matrix == 0).all(axis=1).sum()) if matrix.size else 0


def _hardest(matrix: np.ndarray, truth: GroundTruth) -> list[HardQuery]:
    """The lowest-mean queries among those that separate systems (not every system equal):
    a query where all score 0 says nothing about the ranking; `_zero_for_all` counts those."""
    if matrix.size == 0:
        return []
    mean = matrix.mean(axis=1)
    separating = np.flatnonzero(matrix.max(axis=1) > matrix.min(axis=1)) \
        if matrix.shape[1] > 1 else np.flatnonzero(matrix[:, 0] > 0)
    order = separating[np.argsort(mean[separating], kind="stable")][:HARDEST_SHOWN]
    return [HardQuery(query=truth.queries[q], relevant=truth.relevant(int(q)),
                      mean_main_metric=float(mean[q])) for q in order.tolist()]

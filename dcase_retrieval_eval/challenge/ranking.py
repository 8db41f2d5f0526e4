"""`rank`: from a folder of team packages (or a manifest) to a `Leaderboard`.

Steps: read every package safely -> keep systems whose meta and output are usable -> score each
(official metrics, jackknife CIs) -> order by the main metric with the documented tie rule ->
paired tests against the best (or all pairs), Holm-corrected -> the group not significantly
different from the best. Which systems are left out, and why, is part of the result.
Collecting the systems is `collect.py`; progress goes through `progress.py`'s callback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..check.package_check import label_task
from ..editions import Edition, check_k, resolve_edition
from ..errors import InputError, ScoringRefused
from ..findings import Finding, FindingLog, Severity, located
from ..formats.ground_truth import GroundTruth
from ..formats.package import ZipLimits
from ..formats.prepare import prepare_ground_truth
from ..io.csvread import DEFAULT_MAX_BYTES
from ..measure.scoring import ScoreReport, score_aligned
from .collect import Candidate, collect, dedupe
from .compare import compare
from .leaderboard import (
    TIE_RULE_TEXT,
    Comparison,
    HardQuery,
    Leaderboard,
    Rejected,
    SystemResult,
    TestName,
    provenance_of,
)
from .paper import paper_tables
from .progress import Bar, ProgressCallback, print_progress
from .robustness import Robustness, rank_robustness

HARDEST_SHOWN = 10
#: error findings of an invalid output quoted in the "Not ranked" table
FIRST_SHOWN = 3


def _score_all(cands: list[Candidate], gt: GroundTruth, edition: Edition, lenient: bool,
               confidence: float, bar: Bar, rejected: list[Rejected],
               only_gt_queries: bool = False,
               ) -> Iterator[tuple[Candidate, ScoreReport]]:
    bar.start("scoring", len(cands))
    for c in cands:
        try:
            yield c, score_aligned(c.submission, gt, edition, lenient=lenient,
                                   confidence=confidence, only_gt_queries=only_gt_queries)
        except InputError as exc:
            log = FindingLog.of(exc.findings)
            # the page says how the organizer ranked, not how a caller would score leniently
            why = (f"{exc.refusal}; the ranking was strict (a lenient ranking scores such "
                   "outputs under a stated policy)" if isinstance(exc, ScoringRefused)
                   else str(exc))
            rejected.append(Rejected(
                label=c.label, team=c.team, source=c.source, reason=f"invalid system output: {why}",
                codes=dict(sorted(exc.counts.items())),  # past the per-code limit too
                first_findings=[located(f) for f in _causes_first(log)[:FIRST_SHOWN]]))
        bar.step(c.label)


def _causes_first(log: FindingLog) -> list[Finding]:
    """The errors, a query without a row (Q301, reported at line 0) after the findings in the
    file: a broken header or a misspelt caption is what explains the queries it leaves out."""
    return sorted(log.sorted(Severity.ERROR), key=lambda f: f.code == "Q301")


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
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    only_gt_queries: bool = False,
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
    `audio_dir` / `audio_list`: the whole evaluation set, when the ground truth names only some
    of its files (as for `score`). `only_gt_queries`: rows for queries outside `gt` are
    ignored (a ground truth of a subset of the queries, as for `score`); the settings say so.
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
    truth = prepare_ground_truth(gt, audio_dir=audio_dir, audio_list=audio_list,
                                 relevance_threshold=relevance_threshold, max_bytes=max_bytes)
    ed = resolve_edition(edition, truth, k)
    callback = print_progress if progress is True else progress or None
    bar = Bar(callback)
    cands, rejected = collect(submissions, max_bytes=max_bytes, limits=limits, bar=bar,
                              task=label_task(edition, ed))
    cands = dedupe(cands, rejected)
    scored = list(_score_all(cands, truth, ed, lenient, confidence, bar, rejected,
                             only_gt_queries))
    main = ed.main_metric
    scored.sort(key=lambda cs: (-cs[1].metrics[main].value, cs[0].label))
    labels = [c.label for c, _ in scored]
    per_query = {c.label: r.per_query.values for c, r in scored if r.per_query is not None}
    matrix = np.column_stack([per_query[lab][main] for lab in labels]) if labels else \
        np.zeros((truth.n_queries, 0))
    comparisons = compare(matrix, labels, test=test, rounds=rounds, seed=seed, alpha=alpha,
                          all_pairs=all_pairs)
    vs_best = {c.other: c for c in comparisons if labels and c.better == labels[0]}
    results = _system_results(scored, main, vs_best, baseline)
    board = Leaderboard(
        edition=ed.name, main_metric=main, metric_names=_metric_names(ed),
        n_queries=truth.n_queries, ground_truth=truth.source, test=test, rounds=rounds,
        seed=seed, alpha=alpha, all_pairs=all_pairs, confidence=confidence,
        only_gt_queries=only_gt_queries, tie_rule=TIE_RULE_TEXT, systems=results,
        comparisons=comparisons, rejected=rejected,
        hardest_queries=_hardest(matrix, truth), zero_for_all=_zero_for_all(matrix),
        provenance=provenance_of(truth, ed.name),
        robustness=_robustness(matrix, scored, ed, bootstrap_rankings, seed, bar),
        paper=paper_tables(results, main, _metric_names(ed), baseline=baseline,
                           characteristics=characteristics))
    board.attach_per_query(per_query, {c.label: r.per_query.positions for c, r in scored
                                       if r.per_query is not None}, truth)
    return board


def _system_results(scored: list[tuple[Candidate, ScoreReport]], main: str,
                    vs_best: dict[str, Comparison], baseline: str | None) -> list[SystemResult]:
    """One row per scored system, in order: its rank, and its team's rank on the team's first
    (best) system."""
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
    return results


def _robustness(matrix: np.ndarray, scored: list[tuple[Candidate, ScoreReport]], ed: Edition,
                resamples: int, seed: int, bar: Bar) -> Robustness | None:
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

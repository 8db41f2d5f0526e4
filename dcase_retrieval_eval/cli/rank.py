"""`dcase-eval rank`: a thin click command over `challenge.ranking.rank` and
`report.results_dir.write_results`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from ..io.csvread import DEFAULT_MAX_BYTES
from .exits import exit_invalid
from .options import (
    EDITION,
    INPUT_DIR,
    INPUT_FILE,
    INPUT_FILE_OR_DIR,
    MAX_ROUNDS,
    OUTPUT_DIR,
    ROUNDS,
    SEED,
    K,
    load_ground_truth_option,
)

if TYPE_CHECKING:
    from rich.console import Console


def _summary(console: Console, board: object) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..challenge.leaderboard import Leaderboard
    from ..measure.jackknife import CI_NOTE
    from ..report.leaderboard_formats import LENIENT_MARK, num, pvalue, shown_label

    assert isinstance(board, Leaderboard)
    table = Table(title=f"edition {board.edition}: {len(board.systems)} systems ranked by "
                  f"{board.main_metric}")
    for name in ("rank", "team", "system", board.main_metric, "95% CI", "Holm p", "group"):
        table.add_column(name, justify="right" if name in ("rank", "Holm p") else "left")
    for s in board.systems:
        m = s.metrics[board.main_metric]
        table.add_row(str(s.rank), Text(s.team), Text(shown_label(s, " (Baseline)")),
                      num(m.value),
                      f"[{num(m.ci_low)}, {num(m.ci_high)}]",
                      pvalue(s.vs_best.p_adjusted) if s.vs_best else "best",
                      "best group" if s.in_best_group else "")
    console.print(table)
    if board.lenient_systems:  # as every rendering says it
        console.print(Text(f"{LENIENT_MARK} scored under the lenient policy (invalid output; "
                           "the policy counts are in results.md and results.json)"))
    console.print(Text(CI_NOTE, style="dim"))
    for r in board.rejected:
        console.print(Text(f"not ranked: {r.team} {r.label} ({r.source}): {r.reason}"
                           + (f" [{r.codes_text}]" if r.codes else ""), style="yellow"))
        for finding in r.first_findings:
            console.print(Text(f"  {finding}", style="yellow"))


@click.command("rank")
@click.argument("submissions", type=INPUT_FILE_OR_DIR)
@click.option("--gt", "gt_path", required=True, type=INPUT_FILE, help="Ground-truth CSV.")
@click.option("--out", "out_dir", required=True, type=OUTPUT_DIR, help="Folder for the results.")
@click.option("--edition", type=EDITION, default="auto", show_default=True,
              help="Scoring preset; auto = 2025 for multi-relevant ground truth, graded for "
              "graded relevance, 2023 for the 2023 captions file, else 2022 (as score).")
@click.option("--k", type=K, default=None, help="Override the main cut-off.")
@click.option("--audio-dir", type=INPUT_DIR,
              help="Folder of the evaluation audio files (the audio set).")
@click.option("--audio-list", type=INPUT_FILE,
              help="Text file or CSV listing the audio file names (the audio set).")
@click.option("--relevance-threshold", type=click.FloatRange(min=0), default=None,
              help="Graded ground truth: the grade from which a file counts as relevant.")
@click.option("--test", type=click.Choice(["randomization", "bootstrap"]),
              default="randomization", show_default=True)
@click.option("--rounds", type=ROUNDS, default=10_000, show_default=True)
@click.option("--seed", type=SEED, default=2022, show_default=True)
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True)
@click.option("--all-pairs", is_flag=True, help="Test every pair, not only the best vs others.")
@click.option("--lenient", is_flag=True,
              help="Rank invalid system outputs too, with the stated scoring policy.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True)
@click.option("--bootstrap-rankings", type=click.IntRange(0, MAX_ROUNDS), default=1000,
              show_default=True,
              help="Resamples of the queries for the ranking-robustness analysis (0: skip it).")
@click.option("--baseline", default=None, metavar="LABEL",
              help="The baseline system's label: Table 3, and left out of the statistics.")
@click.option("--characteristics", default=None, metavar="K1,K2,...",
              help="Meta system.description keys for Table 4 and the statistics "
              "[default: audio_modelling,caption_modelling,loss_function].")
@click.option("--only-gt-queries", is_flag=True,
              help="Ignore rows whose query the ground truth does not hold, for a ground truth "
              "of a subset of the queries (as score --only-gt-queries).")
@click.option("--quiet", is_flag=True, help="No progress bar and no table.")
def rank_command(submissions: Path, gt_path: Path, out_dir: Path, edition: str, k: int | None,
                 audio_dir: Path | None, audio_list: Path | None,
                 relevance_threshold: float | None, test: str, rounds: int, seed: int,
                 alpha: float, all_pairs: bool, lenient: bool, max_bytes: int,
                 bootstrap_rankings: int, baseline: str | None, characteristics: str | None,
                 only_gt_queries: bool, quiet: bool) -> None:
    """Rank SUBMISSIONS (a folder of team packages, or a manifest CSV system,team,path) and
    write results.json/.csv/.md/.tex, index.html and per-query CSVs into --out."""
    from ..challenge.collect import input_paths
    from ..challenge.paper import UnknownBaseline
    from ..challenge.ranking import rank
    from ..io.atomic import guard_outputs
    from ..io.outlock import output_lock
    from ..report.console import make_console
    from ..report.results_dir import output_folders, write_results
    from ..report.terminal import ProgressBar

    if audio_dir is not None and audio_list is not None:
        raise click.UsageError("give either --audio-dir or --audio-list, not both")
    keys = None
    if characteristics is not None:
        keys = [k.strip() for k in characteristics.split(",") if k.strip()]
        if not keys:
            raise click.UsageError("--characteristics needs at least one key, e.g. "
                                   "audio_modelling,loss_function")
    inputs = [*input_paths(submissions), gt_path,
              *[p for p in (audio_dir, audio_list) if p is not None]]
    # before any work, nothing written: every folder rank writes into, resolved, against every
    # input; then the folder's lock, held until the files are in place (a second run refuses)
    guard_outputs(folders=output_folders(out_dir), inputs=inputs)
    try:
        with output_lock(out_dir):
            truth = load_ground_truth_option(gt_path, audio_dir, audio_list,
                                             relevance_threshold, max_bytes)
            with contextlib.nullcontext(None) if quiet else ProgressBar() as bar:
                board = rank(submissions, truth, edition=edition, k=k,
                             test=test,  # type: ignore[arg-type]
                             rounds=rounds, seed=seed, alpha=alpha, all_pairs=all_pairs,
                             lenient=lenient, max_bytes=max_bytes, progress=bar or False,
                             bootstrap_rankings=bootstrap_rankings, baseline=baseline,
                             characteristics=keys, only_gt_queries=only_gt_queries)
            written = write_results(board, out_dir, inputs)
    except UnknownBaseline as exc:
        raise click.UsageError(str(exc)) from None
    except InputError as exc:
        exit_invalid(str(exc), stderr=True)
    if not quiet:
        _summary(make_console(), board)
    click.echo(f"wrote {len(written)} files to {out_dir}", err=True)
    if not board.systems:
        exit_invalid("no system could be ranked", stderr=True)

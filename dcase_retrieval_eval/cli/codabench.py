"""Codabench on the command line: `dcase-eval codabench bundle`, and the checks of
`dcase-eval score --codabench INPUT_DIR OUTPUT_DIR` (the scoring program the bundle runs).

The scorer mode takes its inputs from the folders only, so any other option of `score` given
beside it would be silently ignored: it is refused instead, by its option name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from click.core import ParameterSource

from ..editions import EDITIONS
from ..errors import InputError
from .exits import exit_invalid

if TYPE_CHECKING:
    from rich.console import Console

#: The options `score --codabench` honours; any other one given is a usage error.
CODABENCH_OPTIONS = ("codabench", "edition", "k", "lenient")


def _fail(exc: InputError) -> NoReturn:
    """Findings and the verdict on standard output (the worker's log), then exit 1; the
    detailed_results.html page has every finding."""
    exit_invalid(str(exc), exc.findings, rest="... {n} more findings: see detailed_results.html")


def _progress_console() -> Console:
    """Where the bundle's progress is drawn: standard error, drawn only on a terminal."""
    from ..report.console import make_console

    return make_console(stderr=True)


@contextmanager
def _building(out: Path, quiet: bool) -> Iterator[None]:
    """A transient spinner with the elapsed time while the bundle is built (reading and
    checking a large ground truth, packing the zip); nothing with --quiet or off a terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = _progress_console()
    with Progress(SpinnerColumn(), TextColumn("building the Codabench bundle"),
                  TextColumn(str(out.name), markup=False), TimeElapsedColumn(),
                  console=console, transient=True,
                  disable=quiet or not console.is_terminal) as bar:
        bar.add_task("bundle", total=None)
        yield


def _shown(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return (param.name or "").upper()


def refuse_ignored_options(ctx: click.Context) -> None:
    """A usage error naming every option of `score` that `--codabench` would ignore."""
    given = [p for p in ctx.command.params if p.name not in CODABENCH_OPTIONS and p.name
             and ctx.get_parameter_source(p.name) in (ParameterSource.COMMANDLINE,
                                                      ParameterSource.ENVIRONMENT)]
    if given:
        names = ", ".join(_shown(p) for p in given)
        raise click.UsageError(
            f"--codabench reads INPUT_DIR/ref and INPUT_DIR/res and writes OUTPUT_DIR; it takes "
            f"only --edition, --k and --lenient, so {names} would be ignored: drop "
            f"{'it' if len(given) == 1 else 'them'}")


def run_score_mode(dirs: tuple[Path, Path], edition: str, k: int | None,
                   lenient: bool) -> None:
    """`score --codabench`: usage errors (exit 2) before anything is touched, then the run;
    a rejected submission exits 1 after its detailed_results.html is written."""
    from ..hosting.codabench import check_output_dir, run_codabench, write_failure_page

    refuse_ignored_options(click.get_current_context())
    input_dir, output_dir = dirs
    check_output_dir(input_dir, output_dir)  # an OutputError: exit 2 (see cli.main._Group)
    try:
        scores = run_codabench(input_dir, output_dir, edition=edition, k=k, lenient=lenient)
    except InputError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - the page, then the entry point's exit 3
        write_failure_page(output_dir, exc)
        raise
    click.echo(f"wrote {output_dir / 'scores.json'} ({len(scores)} keys) and "
               f"{output_dir / 'detailed_results.html'}")


#: The latest phase start accepted: the default final phase starts 8 weeks later and lasts two.
LATEST_DAY = date.max - timedelta(days=366)


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    if day > LATEST_DAY:  # the phases end weeks later: past date.max Python overflows
        raise click.BadParameter(f"{value!r} is too late: a phase must end by year 9999 "
                                 f"(give a date up to {LATEST_DAY.isoformat()})")
    return day


@click.group("codabench")
def codabench_group() -> None:
    """Host the challenge on Codabench."""


@codabench_group.command("bundle")
@click.option("--gt", "gt_path", required=True,
              type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
              help="Ground-truth CSV of the evaluation set (the reference data).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The competition bundle to write, a .zip.")
@click.option("--title", default=None, help="Competition title (default: from the edition).")
@click.option("--edition", type=click.Choice(["auto", *EDITIONS]), default="auto",
              show_default=True, help="Scoring preset written into the scoring command.")
@click.option("--docker-image", default=None,
              help="Image holding this package, pushed where the Codabench workers can pull "
                   "it (required: the worker pulls it before every submission), e.g. "
                   "docker.io/yourname/dcase-retrieval-eval:0.1.0.")
@click.option("--audio-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The evaluation audio folder: every file in it is a valid "
                                 "answer (needed when the ground truth lists fewer files).")
@click.option("--audio-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Text file or CSV listing the evaluation audio files (the "
                                 "same purpose as --audio-dir).")
@click.option("--start", callback=_day, default=None, metavar="YYYY-MM-DD",
              help="Start of the development phase (default: today, UTC).")
@click.option("--final-start", callback=_day, default=None, metavar="YYYY-MM-DD",
              help="Start of the two-week final phase (default: 8 weeks after --start).")
@click.option("--dev-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=None, help="Score the development phase on this share of the captions "
                                 "(split by clip, seeded) and the final phase on the rest.")
@click.option("--dev-gt", type=click.Path(exists=True, dir_okay=False, readable=True,
                                          path_type=Path), default=None,
              help="The development phase's own ground truth (other captions than --gt).")
@click.option("--dev-seed", type=click.IntRange(min=0), default=2022, show_default=True,
              help="Seed of the --dev-fraction split.")
@click.option("--quiet", is_flag=True,
              help="No progress and no summary; errors and notes still go to standard error.")
def bundle_command(gt_path: Path, out: Path, title: str | None, edition: str,
                   docker_image: str | None, audio_dir: Path | None, audio_list: Path | None,
                   start: date | None, final_start: date | None, dev_fraction: float | None,
                   dev_gt: Path | None, dev_seed: int, quiet: bool) -> None:
    """Write a Codabench competition bundle (competition.yaml, scoring program, reference
    data, starting kit) for the ground truth --gt; upload the zip as is."""
    from ..formats.query_set import load_audio_set
    from ..hosting.bundle import BundleOptionError, build_bundle
    from ..io.atomic import guard_outputs

    guard_outputs(files=[out], inputs=[gt_path, audio_dir, audio_list, dev_gt])  # exit 2
    if audio_dir is not None and audio_list is not None:
        raise click.UsageError("give either --audio-dir or --audio-list, not both")
    if out.suffix.lower() != ".zip":
        raise click.UsageError(f"--out {out} must name a .zip file (Codabench uploads a zip)")
    try:
        with _building(out, quiet):
            audio_set = load_audio_set(audio_dir, audio_list)
            summary = build_bundle(gt_path, out, title=title, edition=edition,
                                   docker_image=docker_image, start=start,
                                   final_start=final_start, audio_set=audio_set,
                                   dev_fraction=dev_fraction, dev_gt=dev_gt, dev_seed=dev_seed)
    except BundleOptionError as exc:
        raise click.UsageError(str(exc)) from None
    except InputError as exc:
        _fail(exc)
    except OSError as exc:
        raise click.UsageError(f"{exc.filename or out}: {exc.strerror or exc}") from None
    if not quiet:
        click.echo(f"wrote {summary.path}: edition {summary.edition}, {summary.n_queries} "
                   f"captions, {summary.n_files} audio files; leaderboard columns "
                   f"{', '.join(summary.columns)}; docker image {summary.docker_image}")
    if summary.n_dev_queries and not quiet:
        click.echo(f"the development phase scores {summary.n_dev_queries} other captions "
                   f"(reference_data_dev/), the final phase {summary.n_queries}")
    if not summary.complete_audio:
        click.echo(f"note: the audio set is the {summary.n_files} files the ground truth names; "
                   "give the evaluation set with --audio-dir or --audio-list so that the scorer "
                   "can check every ranked name", err=True)

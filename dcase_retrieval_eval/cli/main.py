"""The `dcase-eval` command line: thin click commands over the Python API.

The exit codes (0 valid, 1 invalid input, 2 usage error, 3 internal error, 130 interrupted) are
in `cli/exits.py`, with the one function that reports bad input and exits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError, OutputError
from ..io.csvread import DEFAULT_MAX_BYTES
from .exits import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    exit_invalid,
)
from .options import (
    EDITION,
    INPUT_DIR,
    INPUT_FILE,
    INPUT_FILE_OR_DIR,
    OUTPUT_DIR,
    OUTPUT_FILE,
    SEED,
    K,
)

if TYPE_CHECKING:
    from rich.console import Console

_FILE = INPUT_FILE
_DIR = INPUT_DIR
_OUT = OUTPUT_FILE
_EDITION = EDITION


def _console() -> Console:
    from ..report.console import make_console

    return make_console()


class OutputRefused(click.ClickException):
    """An `OutputError` shown as click shows usage problems: one line, exit code 2."""

    exit_code = EXIT_USAGE


class _Group(click.Group):
    """The command group; an output refused by `io.atomic.guard_outputs` (or a place that cannot
    be written) is a usage error, whoever invokes the group (the entry point or a test)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutputError as exc:
            raise OutputRefused(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dcase-retrieval-eval")
def main() -> None:
    """Validate, score and rank DCASE language-based audio retrieval submissions."""


@main.command()
@click.argument("submission", type=INPUT_FILE_OR_DIR)
@click.option("--gt", "gt_path", type=_FILE, help="Ground-truth CSV (any supported format).")
@click.option("--queries", "queries_path", type=_FILE,
              help="Query CSV with a 'caption' column (participants without ground truth).")
@click.option("--audio-dir", type=_DIR, help="Folder of the evaluation audio files.")
@click.option("--audio-list", type=_FILE, help="Text file or CSV listing the audio file names.")
@click.option("--edition", type=_EDITION, default="auto", show_default=True)
@click.option("--k", type=K, default=None, help="Override the cut-off k.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Refuse files larger than this before reading them.")
@click.option("--strip-folders", is_flag=True,
              help="Compare ranked names by their base names (cells that hold paths).")
@click.option("--only-gt-queries", is_flag=True,
              help="Ignore rows whose query the ground truth does not hold (one warning, Q304, "
              "with their number), for a ground truth of a subset of the queries.")
def validate(submission: Path, gt_path: Path | None, queries_path: Path | None,
             audio_dir: Path | None, audio_list: Path | None, edition: str, k: int | None,
             fmt: str, max_bytes: int, strip_folders: bool, only_gt_queries: bool) -> None:
    """Check SUBMISSION (a CSV, a score matrix in .npz/.npy, a TREC run, or a team package: a
    zip or a folder) and list every defect."""
    from ..api import validate as run_validate
    from ..formats.prepare import prepare_query_set

    if gt_path is None and queries_path is None:
        raise click.UsageError("give --gt GT.csv, or --queries Q.csv with --audio-dir/--audio-list")
    if gt_path is not None and queries_path is not None:
        raise click.UsageError("give either --gt or --queries, not both")
    if audio_dir is not None and audio_list is not None:
        raise click.UsageError("give either --audio-dir or --audio-list, not both")
    if queries_path is not None and audio_dir is None and audio_list is None:
        raise click.UsageError(
            "--queries needs the audio set: --audio-dir DIR or --audio-list FILE")
    try:
        if submission.is_dir() or submission.suffix.lower() == ".zip":
            if strip_folders or only_gt_queries:
                flag = "--strip-folders" if strip_folders else "--only-gt-queries"
                raise click.UsageError(f"{flag} applies to one submission file, not to a team "
                                       "package")
            against = prepare_query_set(gt_path, queries=queries_path, audio_dir=audio_dir,
                                        audio_list=audio_list, max_bytes=max_bytes)
            _validate_package(submission, against, edition, k, fmt, max_bytes)
            return
        report = run_validate(submission, gt_path, queries=queries_path, audio_dir=audio_dir,
                              audio_list=audio_list, edition=edition, k=k, max_bytes=max_bytes,
                              strip_folders=strip_folders, only_gt_queries=only_gt_queries)
    except InputError as exc:
        exit_invalid(str(exc), exc.findings, fmt="json" if fmt == "json" else "text")
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        from ..report.terminal import print_validation

        print_validation(_console(), report)
    sys.exit(EXIT_OK if report.valid else EXIT_INVALID)


def _validate_package(path: Path, against: Any, edition: str, k: int | None, fmt: str,
                      max_bytes: int) -> None:
    """A team package (zip or folder): every system checked, all findings in one run."""
    from ..check.package_check import validate_package
    from ..report.terminal import print_package

    report = validate_package(path, against, edition=edition, k=k, max_bytes=max_bytes)
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        print_package(_console(), report)
    sys.exit(EXIT_OK if report.valid else EXIT_INVALID)


@main.command()
@click.argument("submission", type=_FILE, required=False)
@click.option("--gt", "gt_path", type=_FILE, help="Ground-truth CSV.")
@click.option("--edition", type=_EDITION, default="auto", show_default=True,
              help="Scoring preset; auto = 2025 for multi-relevant ground truth, graded for "
              "graded relevance, 2023 for the 2023 captions file, else 2022.")
@click.option("--k", type=K, default=None, help="Override the main cut-off.")
@click.option("--lenient", is_flag=True, help="Score an invalid submission with a stated policy.")
@click.option("--audio-dir", type=_DIR, help="Widen the audio set to this folder's files.")
@click.option("--audio-list", type=_FILE, help="Widen the audio set to the files listed.")
@click.option("--relevance-threshold", type=click.FloatRange(min=0), default=None,
              help="Graded ground truth: the grade from which a file counts as relevant for "
              "mAP and R@k (default 1: on 0-100 ratings such as TAU's, any rating above 0; "
              "docs/formats.md suggests 50 there).")
@click.option("--per-query", "per_query", type=_OUT, help="Write per-query values to this CSV.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default=None,
              help="Default: the one --output's extension names (.json, .csv, .txt), else "
              "text.")
@click.option("--output", type=_OUT, help="Write the scores here instead of standard output "
              "(JSON: the report, also for a refused submission).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True)
@click.option("--codabench", nargs=2, type=click.Path(path_type=Path), default=None,
              metavar="INPUT_DIR OUTPUT_DIR",
              help="Run as a Codabench scoring program (INPUT_DIR/ref, INPUT_DIR/res -> "
                   "OUTPUT_DIR); only --edition, --k and --lenient apply.")
@click.option("--strip-folders", is_flag=True,
              help="Compare ranked names by their base names (cells that hold paths).")
@click.option("--only-gt-queries", is_flag=True,
              help="Ignore rows whose query the ground truth does not hold (one warning, Q304, "
              "with their number), for a ground truth of a subset of the queries.")
def score(submission: Path | None, gt_path: Path | None, edition: str, k: int | None,
          lenient: bool, audio_dir: Path | None, audio_list: Path | None,
          relevance_threshold: float | None, per_query: Path | None, fmt: str | None,
          output: Path | None, max_bytes: int, codabench: tuple[Path, Path] | None,
          strip_folders: bool, only_gt_queries: bool) -> None:
    """Score SUBMISSION (a CSV, a score matrix in .npz/.npy, or a TREC run) against --gt: mAP@k
    and R@1/5/10 with 95% jackknife CIs."""
    if codabench is not None:
        from .codabench import run_score_mode

        run_score_mode(codabench, edition, k, lenient)
        return
    if submission is None or gt_path is None:
        raise click.UsageError("give SUBMISSION and --gt GT.csv (or --codabench IN OUT)")
    # the API reads the inputs before it loads the scoring models
    from ..api import score as run_score
    from ..errors import OptionError
    from ..formats.score_matrix_npy import sidecar_paths
    from ..io.atomic import guard_outputs
    from .score_output import refuse, score_format, write_scores

    guard_outputs(files=[per_query, output], inputs=[submission, gt_path, audio_list, audio_dir,
                                                     *sidecar_paths(submission)])
    fmt = score_format(fmt, output)  # after the guard: replacing an input is the worse mistake
    try:
        report = run_score(submission, gt_path, edition=edition, k=k, lenient=lenient,
                           audio_dir=audio_dir, audio_list=audio_list,
                           relevance_threshold=relevance_threshold, max_bytes=max_bytes,
                           strip_folders=strip_folders, only_gt_queries=only_gt_queries,
                           per_query=per_query)
    except OptionError as exc:  # an option that does not fit the file: not a finding
        raise click.UsageError(str(exc)) from None
    except InputError as exc:
        refuse(exc, fmt, output)
    write_scores(report, fmt, output)


@main.command()
@click.option("--keep", "--out", "out_dir", type=OUTPUT_DIR, default=None, metavar="DIR",
              help="Keep the generated challenge in DIR (default: a temporary folder, removed "
              "at the end).")
@click.option("--seed", type=SEED, default=2022, show_default=True)
@click.option("--queries", "n_files", type=click.IntRange(20, 100_000), default=200,
              show_default=True, metavar="N",
              help="Size of the synthetic set: N audio clips with 5 captions each, so 5N "
              "queries.")
def demo(out_dir: Path | None, seed: int, n_files: int) -> None:
    """Generate a small synthetic challenge, then validate and score its systems."""
    from ..io.atomic import guard_outputs
    from .demo import run_demo

    if out_dir is not None:
        guard_outputs(folders=[out_dir])
        held = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
        if held:  # its gt.csv and system CSVs would replace the user's files
            raise click.UsageError(f"--out {out_dir} is not empty (it holds {held[0]!r}"
                                   f"{f' and {len(held) - 1} more' if len(held) > 1 else ''}); "
                                   "give a new or empty folder")
    run_demo(_console(), out_dir, seed=seed, n_files=n_files)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def codes(fmt: str) -> None:
    """List every finding code with its severity and meaning."""
    from ..findings import CATALOGUE

    if fmt == "json":
        click.echo(json.dumps([c.model_dump(mode="json") for c in CATALOGUE.values()], indent=2))
        return
    for c in CATALOGUE.values():
        click.echo(f"{c.code}  {c.severity.value:<7}  {c.name:<24}  {c.summary}")


def _register_commands() -> None:
    """Commands kept in their own modules; each imports its heavy parts only when run."""
    from .baseline import baseline_group, synth_command
    from .codabench import codabench_group
    from .convert import convert_group
    from .rank import rank_command

    for command in (rank_command, synth_command, baseline_group, codabench_group,
                    convert_group):
        main.add_command(command)


_register_commands()


def _no_idle_blas_threads(command: list[str]) -> None:
    """`score` and `validate` make no matrix product, but the threads that OpenBLAS starts
    with NumPy spin for about 0.1 s of CPU waiting for one, on the cores that the readers
    need. NumPy is not loaded yet here (a test checks it); a setting of the user's own wins.
    `rank` and the baseline keep their BLAS threads."""
    if command in (["score"], ["validate"]):
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _escape_unencodable_output() -> None:
    """A character the terminal's encoding cannot take (a lone surrogate from a non-UTF-8 file
    name, say) is printed as its escape: the names the toolkit shows are already escaped
    (`findings.shown_text`), and a message that still holds one must not end the run."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def run() -> None:
    """Entry point: usage errors exit 2, Ctrl-C exits 130 (as the baseline commands do), and any
    unexpected error is one line with exit code 3. Click runs without its standalone mode, which
    would turn Ctrl-C into "Aborted!" and exit 1."""
    _no_idle_blas_threads(sys.argv[1:2])
    _escape_unencodable_output()
    try:
        result = main.main(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else EXIT_OK)
    except SystemExit:
        raise
    except click.exceptions.Abort:  # click's form of KeyboardInterrupt (and EOF at a prompt)
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OutputError as exc:  # raised outside a command (none today); same treatment
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("please report it with the command line that caused it", err=True)
        sys.exit(EXIT_INTERNAL)

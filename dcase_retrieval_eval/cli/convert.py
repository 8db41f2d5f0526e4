"""`dcase-eval convert`: published data sets -> the ground-truth formats the toolkit reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from ..io.csvread import DEFAULT_MAX_BYTES

EXIT_INVALID = 1


@click.group("convert")
def convert_group() -> None:
    """Convert published relevance data into a ground-truth CSV."""


@convert_group.command("tau-relevances")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, readable=True,
                                          path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Refuse files larger than this before reading them.")
def tau_relevances_command(folder: Path, output: Path, max_bytes: int) -> None:
    """Join FOLDER's evaluation_relevances.csv, evaluation_text.csv and
    evaluation_audio_metadata.csv (the TAU Audio-Text Graded Relevances 2023 data) into OUTPUT,
    a graded ground truth `query,file_name,relevance` for `score --edition graded`."""
    from ..formats.tau_relevances import convert_tau_relevances, find_tau_files
    from ..io.atomic import guard_outputs, output_error

    try:
        files = find_tau_files(folder)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from None
    guard_outputs(files=[output], inputs=files.values())  # before any work: nothing is written
    try:
        done = convert_tau_relevances(folder, output, max_bytes=max_bytes)
    except InputError as exc:
        _print_failure(exc)
        sys.exit(EXIT_INVALID)
    except OSError as exc:
        raise output_error(exc, output) from None
    click.echo(f"{done.output}: {done.n_pairs} rated pairs, {done.n_queries} queries, "
               f"{done.n_files} audio files (query,file_name,relevance)")


def _print_failure(exc: InputError) -> None:
    """The findings (the first 200, with their file) and the one-line reason."""
    from rich.console import Console

    from ..report.terminal import findings_table

    console = Console(soft_wrap=False, width=max(Console().width, 120))
    for file in dict.fromkeys(f.file for f in exc.findings[:200]):
        console.print(findings_table([f for f in exc.findings[:200] if f.file == file],
                                     title=file))
    if len(exc.findings) > 200:
        console.print(f"... {len(exc.findings) - 200} more finding(s) not shown")
    console.print(f"[bold red]error:[/] {exc}")

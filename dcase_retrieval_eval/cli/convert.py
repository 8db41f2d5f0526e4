"""`dcase-eval convert`: published data sets -> the ground-truth formats the toolkit reads."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from ..errors import InputError
from ..io.csvread import DEFAULT_MAX_BYTES
from .exits import exit_invalid, print_findings
from .options import INPUT_FILE, OUTPUT_DIR

#: files per query written from a score matrix unless --depth says otherwise: enough for every
#: cut-off the editions report (at most 16) and the usual trec_eval cut-offs up to 100
MATRIX_DEPTH = 100
_REST = "... {n} more finding(s) not shown"


@click.group("convert")
def convert_group() -> None:
    """Convert published relevance data into a ground-truth CSV, or submissions and ground
    truths into TREC files."""


@convert_group.command("tau-relevances")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, readable=True,
                                          path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Refuse files larger than this before reading them.")
@click.option("--split", type=click.Choice(["development", "validation", "evaluation"]),
              default="evaluation", show_default=True,
              help="Which split's three files to join (each split has its own).")
def tau_relevances_command(folder: Path, output: Path, max_bytes: int, split: str) -> None:
    """Join FOLDER's SPLIT_relevances.csv, SPLIT_text.csv and SPLIT_audio_metadata.csv (the TAU
    Audio-Text Graded Relevances 2023 data; SPLIT is --split, evaluation by default) into
    OUTPUT, a graded ground truth `query,file_name,relevance` for `score --edition graded`."""
    from ..formats.tau_relevances import convert_tau_relevances, find_tau_files
    from ..io.atomic import guard_outputs, output_error

    try:
        files = find_tau_files(folder, split)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from None
    guard_outputs(files=[output], inputs=files.values())  # before any work: nothing is written
    try:
        done = convert_tau_relevances(folder, output, max_bytes=max_bytes, split=split)
    except InputError as exc:
        _fail(exc)
    except OSError as exc:
        raise output_error(exc, output) from None
    if done.warnings:
        print_findings(done.warnings, by_file=True, rest=_REST)
    click.echo(f"{_shown(done.output)}: the {split} split, {done.n_pairs} rated pairs, "
               f"{done.n_queries} queries, "
               f"{done.n_files} audio files (query,file_name,relevance)")


@convert_group.command("to-trec")
@click.argument("submission", type=INPUT_FILE, required=False)
@click.option("--gt", "gt_path", type=INPUT_FILE, help="Ground truth to write as qrels.txt.")
@click.option("--out", "out_dir", type=OUTPUT_DIR, required=True,
              help="Folder for qrels.txt, <submission>.run and mapping.csv.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="Files written per query (default: a top-k file's whole rows, a score "
              f"matrix's best {MATRIX_DEPTH}).")
@click.option("--tag", default=None, help="The run's tag (default: the submission's name).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
              show_default=True, help="Refuse files larger than this before reading them.")
def to_trec_command(submission: Path | None, gt_path: Path | None, out_dir: Path,
                    depth: int | None, tag: str | None, max_bytes: int) -> None:
    """Write SUBMISSION (any format `score` reads) as a TREC run and --gt as TREC qrels, for
    trec_eval, ranx or ir_measures. Names become whitespace-free ids (percent-encoded, listed in
    mapping.csv); run scores are rank complements, so every tool ranks as `score` does."""
    from ..findings import FindingLog, Severity
    from ..formats.ground_truth import load_ground_truth
    from ..formats.score_matrix_npy import sidecar_paths
    from ..formats.submission import load_submission
    from ..formats.trec import write_trec
    from ..io.atomic import guard_outputs, output_error

    if submission is None and gt_path is None:
        raise click.UsageError("give a SUBMISSION, --gt GT.csv, or both")
    run_name = f"{submission.stem}.run" if submission is not None else "run.trec"
    outputs = [out_dir / "mapping.csv", out_dir / "qrels.txt" if gt_path else None,
               out_dir / run_name if submission else None]
    inputs = [submission, gt_path, *(sidecar_paths(submission) if submission else [])]
    guard_outputs(files=outputs, inputs=inputs)  # nothing is written on refusal
    try:
        gt = load_ground_truth(gt_path, max_bytes=max_bytes) if gt_path is not None else None
        sub = None
        if submission is not None:
            sub = load_submission(submission, max_bytes=max_bytes)
            found = FindingLog.of(sub.findings, sub.finding_counts)
            if found.errors:
                raise InputError(f"{submission} has {found.errors} error(s): fix them (see "
                                 "`dcase-eval validate`) before converting",
                                 found.sorted(Severity.ERROR))
        if sub is not None and depth is None and sub.format == "matrix":
            depth = MATRIX_DEPTH
        done = write_trec(out_dir, gt=gt, sub=sub, depth=depth,
                          tag=tag or (submission.stem if submission else "dcase-eval"),
                          run_name=run_name)
    except InputError as exc:
        _fail(exc)
    except ValueError as exc:  # a graded ground truth whose grades are not whole numbers
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise output_error(exc, out_dir) from None
    if done.qrels is not None:
        click.echo(f"{_shown(done.qrels)}: {done.qrels_lines} judged pairs")
    if done.run is not None:
        click.echo(f"{_shown(done.run)}: {done.run_queries} queries, {done.run_lines} ranked "
                   "files")
    click.echo(f"{_shown(done.mapping)}: the ids and their names")
    if done.qrels is not None and done.run is not None:
        click.echo("check: trec_eval -c -m map_cut.10 -m recall.1,5,10 "
                   f"{_shown(done.qrels)} {_shown(done.run)}")


def _shown(path: Path | str) -> str:
    """A path as the terminal may print it: a control character in a file name (the run is
    named after the submission) is escaped, never sent raw."""
    from ..findings import shown_text

    return shown_text(str(path))


def _fail(exc: InputError) -> NoReturn:
    """The findings (the first 200, one table per file) and the one-line reason; exit 1."""
    exit_invalid(str(exc), exc.findings, by_file=True, rest=_REST)

"""Where `dcase-eval score` puts what it says.

The scores go to `--output` (or standard output) in the format asked, or named by the output
file's extension; a format that contradicts the extension is a usage error. A refused
submission's findings and the final `error:` line go to standard error for text and CSV, and the
JSON report, valid or not, goes where `--output` says: a script that asked for a JSON file gets
one either way, and the exit code tells the two apart.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .exits import EXIT_INVALID, SHOWN_FINDINGS, command_line_message, print_findings

if TYPE_CHECKING:
    from ..errors import InputError
    from ..measure.scoring import ScoreReport

#: the formats an output file's extension names (any other extension, or none, is text)
FORMAT_OF_SUFFIX = {".json": "json", ".csv": "csv", ".txt": "text"}
#: extensions of compressed files: nothing here compresses, so such a name is a mistake
COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst", ".zip", ".lzma", ".tgz"})


def _target(output: Path | None) -> Path | None:
    """`--output -` is standard output, as for most tools (not a file named `-`)."""
    return None if output is not None and str(output) == "-" else output


def score_format(fmt: str | None, output: Path | None) -> str:
    """The format to write: `--format` when given, else the one `--output`'s extension names,
    else text. `--format text --output x.json` contradicts itself: a usage error (exit 2)."""
    output = _target(output)
    if output is None:
        return fmt or "text"
    if output.suffix.lower() in COMPRESSED_SUFFIXES:
        raise click.UsageError(
            f"--output {output} names a compressed file, and the scores are written as plain "
            f"text: name it {output.name[:-len(output.suffix)]} (and compress it afterwards)")
    named = FORMAT_OF_SUFFIX.get(output.suffix.lower())
    if fmt is None:
        return named or "text"
    if named is not None and named != fmt:
        raise click.UsageError(
            f"--format {fmt} contradicts --output {output}, whose extension {output.suffix!r} "
            f"means {named}: drop --format, or name the file {output.stem}"
            f"{next(s for s, f in FORMAT_OF_SUFFIX.items() if f == fmt)}")
    return fmt


def write_scores(report: ScoreReport, fmt: str, output: Path | None) -> None:
    """The scores in `fmt`, to `output` (written atomically) or to standard output; a lenient
    policy is also said on standard error for the machine-readable formats."""
    from ..io.atomic import write_text_atomic

    output = _target(output)
    if fmt == "text":  # rich loads for text only
        from ..report.console import make_console
        from ..report.terminal import print_score

        if output is None:
            print_score(make_console(), report)
            return
        with open(os.devnull, "w") as devnull:
            console = make_console(record=True, width=120, file=devnull)
            print_score(console, report)
        write_text_atomic(output, console.export_text())
        return
    from ..report.tabular import score_csv, score_json

    text = score_json(report) if fmt == "json" else score_csv(report)
    if output is not None:
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if report.policy.mode == "lenient":
        click.echo(f"policy: {report.policy.describe()}", err=True)


def refuse(exc: InputError, fmt: str, output: Path | None) -> NoReturn:
    """An unusable or refused submission: exit 1 with its findings. JSON: the report
    `{"valid": false, "error", "counts", "findings"}` to `output` or standard output. Text and
    CSV: the first findings, a note of how many more there are, and `error: ...`, on standard
    error (standard output and `output` get no scores)."""
    message = command_line_message(exc)
    counts = exc.counts
    output = _target(output)
    if fmt == "json":
        from ..io.atomic import write_text_atomic

        doc = {"valid": False, "error": message, "counts": counts,
               "findings": [f.model_dump(mode="json") for f in exc.findings]}
        text = json.dumps(doc, indent=2) + "\n"
        if output is not None:
            write_text_atomic(output, text)
        else:
            click.echo(text, nl=False)
        sys.exit(EXIT_INVALID)
    from ..report.console import error_line, make_console
    from ..report.terminal import more_findings_note

    print_findings(exc.findings, stderr=True)
    console = make_console(stderr=True)
    hidden = sum(counts.values()) - min(len(exc.findings), SHOWN_FINDINGS)
    if hidden > 0:
        console.print(more_findings_note(hidden))
    console.print(error_line(message))
    sys.exit(EXIT_INVALID)


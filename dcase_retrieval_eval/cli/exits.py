"""How every `dcase-eval` command ends: the exit codes, and the one function that reports bad
input (its findings and the reason) and exits.

0: done; an input that was checked is valid (warnings allowed).
1: invalid input; the findings say why (`InputError`, an invalid submission or package).
2: usage error: a mistaken command line, or an output that would replace an input.
3: internal error, reported in one line, never a traceback (a defect of the toolkit).
130: interrupted (Ctrl-C), as a shell reports it.
143: terminated (SIGTERM: `timeout`, `kill`, `docker stop`), cleaned up as after Ctrl-C.

Nothing heavy is imported here: `cli/__init__` reads the codes before the commands load.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NoReturn

if TYPE_CHECKING:
    from ..findings import Finding

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM
#: findings printed in a terminal; the JSON document and the Codabench page hold all of them
SHOWN_FINDINGS = 200


def command_line_message(exc: Exception) -> str:
    """An input error's message as the command line says it: a strict refusal names the
    `--lenient` option, not the Python API's `lenient=True`."""
    from ..errors import LENIENT_ON_COMMAND_LINE, ScoringRefused

    return exc.message(LENIENT_ON_COMMAND_LINE) if isinstance(exc, ScoringRefused) else str(exc)


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread where the signal arrives. It unwinds the run as Ctrl-C
    does, so every `finally` and context manager cleans up (an extracted package, a staging
    folder, a temporary file), and then ends the process with exit 143. Being a SystemExit, no
    `except Exception` on the way can swallow it."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)
        #: set by a command that has already said so with its own remedy
        self.reported = False


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up
    raise Terminated


def handle_sigterm() -> None:
    """Turn SIGTERM into `Terminated` for this process (the command line only: the Python API
    leaves the caller's signal handlers alone). A no-op outside the main thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def exit_invalid(message: str, findings: Sequence[Finding] = (), *,
                 fmt: Literal["text", "json"] = "text", stderr: bool = False,
                 by_file: bool = False, rest: str | None = None) -> NoReturn:
    """Report bad input and exit 1.

    Text: the findings as `print_findings` shows them, then `error: <message>`; on standard
    error when `stderr`. JSON: one document on standard output,
    `{"valid": false, "error": message, "findings": [...]}` with every finding.
    """
    if fmt == "json":
        doc = {"valid": False, "error": message,
               "findings": [f.model_dump(mode="json") for f in findings]}
        import click

        click.echo(json.dumps(doc, indent=2))
        sys.exit(EXIT_INVALID)
    from ..report.console import error_line, make_console

    print_findings(findings, stderr=stderr, by_file=by_file, rest=rest)
    make_console(stderr=stderr).print(error_line(message))
    sys.exit(EXIT_INVALID)


def print_findings(findings: Sequence[Finding], *, stderr: bool = False, by_file: bool = False,
                   rest: str | None = None) -> None:
    """The first `SHOWN_FINDINGS` findings as a table (`by_file`: one per file, titled with its
    name), then `rest` with `{n}` the number left out, when some were."""
    from ..report.console import make_console
    from ..report.terminal import findings_table

    console = make_console(stderr=stderr)
    shown = list(findings[:SHOWN_FINDINGS])
    if by_file:
        for file in dict.fromkeys(f.file for f in shown):
            console.print(findings_table([f for f in shown if f.file == file], title=file or ""))
    elif shown:
        console.print(findings_table(shown))
    if rest is not None and len(findings) > len(shown):
        console.print(rest.format(n=len(findings) - len(shown)))

"""The `dcase-eval` command line: thin click commands, one module per command group.

`main.py` holds the group and the core commands (validate, score, codes, demo), `rank.py` the
organizer's ranking, `baseline.py` the reference system's commands. Nothing here computes: every
command parses options, calls the Python API and hands the result to a renderer in `report/`.

The commands are imported lazily, inside `run()`: importing them (click, pydantic, the readers)
takes about a tenth of a second, and a Ctrl-C in that time must end like one later on, with
"interrupted" and exit 130, not a traceback; SIGTERM likewise ends with "terminated" and 143.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from .exits import EXIT_INTERRUPTED, Terminated, handle_sigterm

__all__ = ["main", "run"]


def _commands() -> Any:
    module = importlib.import_module(".main", __name__)
    globals()["main"] = module.main  # the click group, not the submodule of the same name
    return module


def run() -> None:
    """The console script's entry point (see `cli.main.run` for the exit codes). SIGTERM is
    handled from the first instant, like Ctrl-C: clean up, "terminated", exit 143."""
    handle_sigterm()
    try:
        try:
            commands = _commands()
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            sys.exit(EXIT_INTERRUPTED)
        commands.run()
    except Terminated as exc:
        if not exc.reported:
            sys.stderr.write("terminated\n")
        raise


def __getattr__(name: str) -> Any:
    if name == "main":
        return _commands().main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

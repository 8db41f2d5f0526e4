"""Progress bars of the long baseline steps (synth, features, train, predict).

A bar is drawn only where it can be redrawn in place: on a terminal, unless `--quiet`. Written
to a file, a pipe or a CI log, rich would print the last frame of each bar (and a blank line for
a transient one) among the messages, so there the bar is off and only the messages remain. A
CI log viewer that renders terminal output can ask for the bars with rich's own variable,
`TTY_COMPATIBLE=1`.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, ProgressColumn


def progress_bar(console: Console, *columns: str | ProgressColumn, show: bool = True,
                 transient: bool = False) -> Progress:
    """A rich `Progress` on `console`, disabled when `show` is false or the console is not a
    terminal (`console.is_terminal`, which honours `TTY_COMPATIBLE` and `FORCE_COLOR`)."""
    return Progress(*columns, console=console, disable=not (show and console.is_terminal),
                    transient=transient)

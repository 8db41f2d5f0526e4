"""Progress of a long `rank`: stages and steps, told to the caller's callback.

Domain code never draws a bar (no rich here): it calls a `ProgressCallback`, and the CLI passes
one that draws. `print_progress` is the plain one behind `rank(progress=True)`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..findings import shown_text

#: Told of every step: `progress(stage, done, total, item)`, stage "reading" or "scoring".
ProgressCallback = Callable[[str, int, int, str], None]


def print_progress(stage: str, done: int, total: int, item: str) -> None:
    """The plain progress reporter behind `rank(progress=True)`: one line per step on stderr."""
    print(f"{stage} {done}/{total} {item}", file=sys.stderr, flush=True)


class Bar:
    """Counts the steps of each stage and forwards them to the caller's callback, if any."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._stage = ""
        self._done = 0
        self._total = 0

    def start(self, stage: str, total: int) -> None:
        self._stage, self._done, self._total = stage, 0, total
        if self._callback is not None:
            self._callback(stage, 0, total, "")

    def step(self, description: str) -> None:
        self._done += 1
        if self._callback is not None:  # an upload's name, shown live: escaped (ESC, BEL, ...)
            self._callback(self._stage, self._done, self._total, shown_text(description))

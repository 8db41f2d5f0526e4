"""The one place where text meets rich: consoles that print every string as given.

Paths, captions, team names and messages come from users, and rich would read `[/]` or `[bold]` in
them as markup (a crash, or text that vanishes) and `:smile:` as an emoji code. Every console of
the toolkit is made here with markup, emoji codes and highlighting off, so no string can be
misread; our own styles are attached as `Text` styles, never as markup in a string.
"""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.text import Text

from ..findings import shown_text

MIN_WIDTH = 120


def make_console(*, stderr: bool = False, record: bool = False, file: IO[str] | None = None,
                 width: int | None = None) -> Console:
    """A console that never interprets the text it prints (see the module docstring)."""
    if width is None and file is None:
        width = max(Console(stderr=stderr).width, MIN_WIDTH)
    return Console(stderr=stderr, record=record, file=file, width=width, markup=False,
                   emoji=False, highlight=False, soft_wrap=False)


def styled(text: str, style: str) -> Text:
    """`text` shown in `style`, its brackets and colons kept literally."""
    return Text(text, style=style)


def error_line(message: str) -> Text:
    """`error: <message>` with the label in bold red; control characters of a name quoted in
    the message are shown escaped (`findings.shown_text`)."""
    return Text.assemble(("error:", "bold red"), " ", shown_text(message))

"""Who a system belongs to: the label rules and the names that must not pass for another team's.

A label is a folder and file-name stem, so it is kept to portable characters (P712). DCASE writes
it `<Lastname>_<Inst>_<task>_<1-4>` (P724): the team is everything before the task, and the task
is the edition's (`Edition.task`). A team or system name is shown on public leaderboards, so
control, format (Cf) and filler characters, which make a name display as another or as nothing,
are refused (P725) where a name is read, and escaped (`shown_name`) wherever one is shown.
The package reader, the meta checks and the ranking all ask here.
"""

from __future__ import annotations

import re

from ..editions import RETRIEVAL_TASKS, task_years
from ..findings import shown_text, unshowable_characters

#: A file-name label is also a folder and file-name stem, so it is kept to portable characters.
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: The DCASE label form `<Lastname>_<Inst>_<task>_<1-4>`; the team is everything before the task.
DCASE_LABEL = re.compile(
    r"^(?P<team>[^_\s]+(?:_[^_\s]+)+?)_(?P<task>task[0-9]+[a-z]?)_(?P<index>[1-4])$",
    re.IGNORECASE)

def is_label(text: str) -> bool:
    return re.fullmatch(LABEL_PATTERN, text) is not None


def team_of_label(label: str) -> str:
    """The DCASE team of a label: the label without `_<task>_<n>` (`<Lastname>_<Inst>`), or the
    whole label when it is not of the DCASE form."""
    match = DCASE_LABEL.match(label)
    return match.group("team") if match else label


def task_of_label(label: str) -> str | None:
    """The task a DCASE label names, lower-case (`task6b`), or None for another form."""
    match = DCASE_LABEL.match(label)
    return match.group("task").lower() if match else None


def unsafe_characters(text: str) -> list[str]:
    """The characters of `text` that a name must not hold, as U+XXXX names: exactly those every
    surface escapes (`findings.unshowable_characters`: controls, every format character of
    category Cf including the zero-width joiners, the Hangul fillers, lone surrogates), so that
    what is refused in a name and what is escaped when shown are one rule."""
    return unshowable_characters(text)


def shown_name(text: str) -> str:
    """`text` as it may appear in results (`findings.shown_text`)."""
    return shown_text(text)


def label_problems(label: str, task: str | None, tasks: frozenset[str] = RETRIEVAL_TASKS,
                   ) -> list[tuple[str, str, str]]:
    """The defects of a meta file's label, as (code, message, hint); at most one.

    `task` is the label task the edition requires; None accepts any of `tasks`.
    """
    if re.fullmatch(LABEL_PATTERN, label) is None:
        return [("P712", f"{label[:80]!r} is not a valid label",
                 "Use letters, digits, '_', '-' or '.', e.g. Doe_UniX_task6b_1.")]
    match = DCASE_LABEL.match(label)
    expected = task or "/".join(sorted(tasks))
    years = task_years() + "."
    if match is None:
        return [("P724", f"{label!r} is not of the DCASE form <Lastname>_<Inst>_<task>_<1-4>",
                 f"For example Doe_UniX_{task or 'task6b'}_1 ({expected}).")]
    named = match.group("task")
    if task is not None and named.lower() != task:
        return [("P724", f"the task of {label!r} is {named}, but this edition's is {task}",
                 years)]
    if task is None and named.lower() not in tasks:
        return [("P724", f"{named} is not a language-based audio retrieval task ({expected})",
                 years)]
    return []

"""Ranked names that carry a folder: a script that writes `os.path.join(audio_dir, name)`.

The audio set names files without a folder; DCASE's package validator compares base names. By
default such names are findings (A406, in `check/validation.py`); on request (`--strip-folders`)
the names are reduced to their base names before the checks, with one warning (A407).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..findings import FindingLog
from .submission import ABSENT, BLANK, Submission


def base_name(name: str) -> str:
    """The part of a name after its last `/` or `\\` (the name itself when that part is empty)."""
    base = name[max(name.rfind("/"), name.rfind("\\")) + 1:]
    return base or name


def without_folders(sub: Submission) -> Submission:
    """`sub` with every ranked name reduced to its base name, as DCASE's package validator
    compares names: a script that writes `os.path.join(audio_dir, name)` is then scored by the
    names it means. One warning (A407) says how many names carried which folders. A score
    matrix is returned as it is: its columns are its audio set and their order its tie rule."""
    if sub.format not in ("topk", "trec"):
        return sub
    bases = [base_name(n) for n in sub.names]
    changed = [n for n, b in zip(sub.names, bases, strict=True) if n != b]
    if not changed:
        return sub
    index: dict[str, int] = {}
    table = np.empty(len(bases) + 2, np.int32)  # the last two take BLANK (-2) and ABSENT (-1)
    for i, b in enumerate(bases):
        table[i] = index.setdefault(b, len(index))
    table[-2:] = BLANK, ABSENT
    log = FindingLog(sub.path)
    log.extend(sub.findings)
    folders = folder_summary(changed)
    log.add("A407", f"{len(changed)} ranked file name(s) carry a folder ({folders}): they were "
            "compared by their base names (--strip-folders).", line=sub.header_line,
            hint="Write base names only (os.path.basename) to score without the option.")
    counts = dict(sub.finding_counts)
    counts["A407"] = 1
    return replace(sub, names=list(index), ranks=table[sub.ranks], findings=log.sorted(),
                   finding_counts=counts)


def folder_summary(names: Sequence[str]) -> str:
    """The most frequent folder of some names, and how many others there are."""
    folders = Counter(n[:len(n) - len(base_name(n))] for n in names)
    (top, _), others = folders.most_common(1)[0], len(folders) - 1
    return f"{top[:80]!r}" + (f" and {others} other folder(s)" if others else "")

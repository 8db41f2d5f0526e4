"""Collecting the systems to rank: from a folder of team packages, one package, or a manifest.

Every package is read safely and on its own: a defect of one package rejects that package (or
system), with the reason and its finding codes, and never stops the others. A manifest CSV
`system,team,path` names system outputs directly; it is read by one function (`_manifest_rows`),
which both the collection and the output guards' list of inputs (`input_paths`) use.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..formats.meta_model import SystemMeta
from ..formats.package import (
    OUTPUT_SUFFIX,
    TASK_FOLDER,
    ZipLimits,
    open_package,
    read_meta,
    read_output,
)
from ..formats.submission import Submission, load_submission
from ..formats.team_identity import (
    DCASE_LABEL,
    is_label,
    shown_name,
    team_of_label,
    unsafe_characters,
)
from ..io.csvread import DEFAULT_MAX_BYTES
from ..io.regular import NOT_REGULAR, open_regular
from .leaderboard import Rejected
from .progress import Bar

#: Package-level codes that make a whole package unusable for ranking.
PACKAGE_FATAL = ("P701", "P705", "P706", "P707", "P714")
#: The errors of a meta file, named in the reason of a system left out for its meta: not the
#: package's warnings (P721 unknown key, P726 misplaced file, P727 no report, P728 other task).
META_ERRORS = ("P702", "P704", "P710", "P720", "P722", "P723", "P724", "P725")
MANIFEST_HEADER = ["system", "team", "path"]
#: the `_<task>` that ends a DCASE package name (`Doe_UniX_task6b.zip`)
_PACKAGE_TASK = re.compile(r"_task[0-9]+[a-z]?$", re.IGNORECASE)


@dataclass
class Candidate:
    """A system ready to be scored."""

    label: str
    team: str
    system_name: str
    source: str
    submission: Submission
    meta: SystemMeta | None = None


def _is_package_dir(path: Path) -> bool:
    """One package rather than a folder of packages: system outputs at the top (the flat layout)
    or a DCASE task folder or label folder (`task6b/`, `Doe_UniX_task6b_1/`) at the top."""
    for child in path.iterdir():
        if child.is_file() and child.name.lower().endswith(OUTPUT_SUFFIX):
            return True
        if child.is_dir() and not child.is_symlink() and (
                TASK_FOLDER.match(child.name) or DCASE_LABEL.match(child.name)
                and (child / f"{child.name}{OUTPUT_SUFFIX}").is_file()):
            return True
    return False


#: What reading one hostile package may raise beyond its findings; it rejects that package only.
PACKAGE_READ_ERRORS = (OSError, ValueError, UnicodeError, RecursionError, zipfile.BadZipFile,
                       EOFError)


def _from_package(path: Path, max_bytes: int, limits: ZipLimits | None, task: str | None = None,
                  ) -> tuple[list[Candidate], list[Rejected]]:
    """The package's usable systems; a defect of this package never stops the others."""
    try:
        return _read_package(path, max_bytes, limits, task)
    except PACKAGE_READ_ERRORS as exc:
        reason = f"the package cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
        return [], [Rejected(label="", team=package_team(path, []), source=path.name,
                             reason=reason, codes={"P714": 1})]


def package_team(path: Path, labels: list[str]) -> str:
    """The team a package belongs to, named as its ranked systems are (`Doe_UniX`): the one
    team of its DCASE labels, else the package name without its `_<task>` (DCASE names a
    package `<Lastname>_<Inst>_<task>`)."""
    teams = {team_of_label(label) for label in labels if DCASE_LABEL.match(label)}
    if len(teams) == 1:
        return shown_name(teams.pop())
    return shown_name(_PACKAGE_TASK.sub("", path.stem) or path.stem)


def _read_package(path: Path, max_bytes: int, limits: ZipLimits | None, task: str | None,
                  ) -> tuple[list[Candidate], list[Rejected]]:
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    with open_package(path, limits) as pkg:
        labels = sorted(set(pkg.outputs) | set(pkg.metas))
        metas = {label: read_meta(pkg, label, task) for label in labels}
        fatal = {c: pkg.log.counts[c] for c in PACKAGE_FATAL if pkg.log.counts[c]}
        for label in labels:
            meta = metas[label]
            team = meta.team if meta is not None else package_team(path, [label])
            source = pkg.outputs[label][1] if label in pkg.outputs else pkg.metas[label][1]
            reason = ""
            if fatal:
                reason = "the package is unusable: " + ", ".join(fatal)
            elif label not in pkg.outputs:
                reason = "no system output (P703)"
            elif meta is None:
                codes = sorted(c for c in pkg.log.counts if c in META_ERRORS)
                reason = f"missing or invalid meta-information ({'/'.join(codes) or 'P702'})"
            if reason:
                rejected.append(Rejected(label=label, team=team, source=source, reason=reason,
                                         codes=dict(pkg.log.counts)))
                continue
            assert meta is not None
            found.append(Candidate(label, meta.team, meta.system_name, source,
                                   read_output(pkg, label, max_bytes), meta))
        if not labels:
            why = ("the package is unusable: " + ", ".join(fatal)) if fatal else \
                "no system in the package (P709)"
            rejected.append(Rejected(label="", team=package_team(path, labels),
                                     source=path.name, reason=why,
                                     codes=dict(pkg.log.counts)))
    return found, rejected


def _is_manifest(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".csv"


def _manifest_rows(path: Path) -> list[list[str]]:
    """The manifest's rows, header included; InputError when it cannot be read."""
    try:
        with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: the manifest cannot be read ({exc})") from None


def _from_manifest(path: Path, max_bytes: int) -> tuple[list[Candidate], list[Rejected]]:
    rows = _manifest_rows(path)
    if not rows or [c.strip().lower() for c in rows[0]] != MANIFEST_HEADER:
        raise InputError(f"{path}: a manifest starts with the header 'system,team,path'")
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            rejected.append(Rejected(label="", team="", source=f"{path.name}:{number}",
                                     reason=f"line {number} has {len(row)} cells, not 3"))
            continue
        label, team, rel = (cell.strip() for cell in row)
        file = (path.parent / rel) if not Path(rel).is_absolute() else Path(rel)
        codes: dict[str, int] = {}
        if not is_label(label):
            reason = "the label must be 1-64 letters, digits, '_', '-' or '.' (P712)"
        elif not team:
            reason = "the team is empty"
        elif bad := unsafe_characters(team):
            reason = (f"the team name holds control, invisible or bidirectional characters "
                      f"({', '.join(bad[:5])}) (P725)")
            codes = {"P725": 1}
            team = shown_name(team)
        elif file.exists() and not file.is_file():
            reason = f"{rel} is {NOT_REGULAR}; it was not read"
        elif not file.is_file():
            reason = f"no such file: {rel}"
        else:
            found.append(Candidate(label, team, label, rel, load_submission(file,
                                                                             max_bytes=max_bytes)))
            continue
        rejected.append(Rejected(label=label, team=team, source=rel, reason=reason,
                                 codes=codes))
    return found, rejected


def input_paths(submissions: str | Path) -> list[Path]:
    """Every file or folder that ranking `submissions` reads: the folder or package itself, or
    the manifest and each file it names. Output guards compare against these; an unreadable
    manifest names only itself (reading it later reports why)."""
    path = Path(submissions)
    paths = [path]
    if not _is_manifest(path):
        return paths
    try:
        rows = _manifest_rows(path)
    except InputError:
        return paths
    for row in rows[1:]:
        if len(row) == 3 and row[2].strip():
            rel = Path(row[2].strip())
            paths.append(rel if rel.is_absolute() else path.parent / rel)
    return paths


def collect(submissions: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
            limits: ZipLimits | None = None, bar: Bar | None = None, task: str | None = None,
            ) -> tuple[list[Candidate], list[Rejected]]:
    """Candidates from a folder of packages, one package, or a manifest CSV `system,team,path`.

    `task`: the label task the edition requires (`task6b`, ...); None accepts any of them.
    """
    bar = bar or Bar(None)
    path = Path(submissions)
    if _is_manifest(path):
        return _from_manifest(path, max_bytes)
    if path.is_file():
        return _from_package(path, max_bytes, limits, task)
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    if _is_package_dir(path):
        return _from_package(path, max_bytes, limits, task)
    found: list[Candidate] = []
    rejected: list[Rejected] = []
    children = [c for c in sorted(path.iterdir(), key=lambda p: p.name)
                if not c.name.startswith(".")]
    bar.start("reading", len(children))
    for child in children:
        bar.step(child.name)
        if child.is_symlink():
            rejected.append(Rejected(label="", team="", source=child.name,
                                     reason="a link, not a package (P705)"))
        elif child.is_dir() or child.suffix.lower() == ".zip":
            more, bad = _from_package(child, max_bytes, limits, task)
            found.extend(more)
            rejected.extend(bad)
        else:
            rejected.append(Rejected(label="", team="", source=child.name,
                                     reason="not a package (a .zip or a folder)"))
    return found, rejected


def dedupe(cands: list[Candidate], rejected: list[Rejected]) -> list[Candidate]:
    """The first system of each label; a later one is rejected (P711)."""
    seen: dict[str, str] = {}
    kept: list[Candidate] = []
    for c in cands:
        if c.label in seen:
            rejected.append(Rejected(label=c.label, team=c.team, source=c.source,
                                     reason=f"label already used by {seen[c.label]} (P711)"))
            continue
        seen[c.label] = c.source
        kept.append(c)
    return kept

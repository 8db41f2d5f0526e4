"""The folders a Codabench worker hands the scorer (input/res, input/ref): a bounded walk.

The worker unzips whatever a participant uploads into input/res, so the walk must survive a zip
of 1,500 nested folders (no recursion, a depth and an entry limit), must never follow a link out
of the folder, and must report everything it found at once so that one rejection page names
every problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding, make_finding

#: Deeper folders are not opened: a CSV is expected at the top of the upload or one level down.
MAX_DEPTH = 16
#: Entries looked at before the walk stops (a submission is one CSV, perhaps with its meta file).
MAX_ENTRIES = 10_000
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")


@dataclass
class FolderScan:
    """What a folder holds, by kind; paths are relative to `root` in POSIX form."""

    root: Path
    files: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    truncated: bool = False


def scan_folder(root: Path) -> FolderScan:
    """Walk `root` iteratively, in name order, never following links."""
    scan = FolderScan(root)
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    seen = 0
    while stack and not scan.truncated:
        folder, prefix, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            scan.unreadable.append(prefix or ".")
            continue
        subfolders: list[tuple[Path, str, int]] = []
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                scan.truncated = True
                break
            rel = f"{prefix}{entry.name}"
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                scan.hidden.append(rel)
            elif entry.is_symlink():
                scan.links.append(rel)
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_DEPTH:
                    scan.too_deep.append(rel)
                else:
                    subfolders.append((Path(entry.path), f"{rel}/", depth + 1))
            elif entry.is_file(follow_symlinks=False):
                scan.files.append(rel)
            else:
                scan.special.append(rel)
        stack.extend(reversed(subfolders))
    return scan


def _names(items: list[str]) -> str:
    return ", ".join(repr(i) for i in items)


def _scan_findings(scan: FolderScan, label: str) -> list[Finding]:
    """Errors that refuse the folder whatever else it holds."""
    out: list[Finding] = []
    for rel in scan.links:
        out.append(make_finding(
            "H804", f"{label} holds the symbolic link {rel!r}; links are not followed.",
            file=f"{label}/{rel}", hint="Put the file itself in the zip, not a link to it."))
    for rel in scan.special:
        out.append(make_finding(
            "H804", f"{label} holds {rel!r}, which is neither a file nor a folder.",
            file=f"{label}/{rel}", hint="Upload regular files only."))
    for rel in scan.too_deep:
        out.append(make_finding(
            "H805", f"{label} nests folders deeper than {MAX_DEPTH} levels (at {rel!r}).",
            file=f"{label}/{rel}", hint="Put the CSV at the top level of the zip."))
    if scan.truncated:
        out.append(make_finding(
            "H805", f"{label} holds more than {MAX_ENTRIES} files and folders; the walk stopped.",
            file=label, hint="Upload a zip holding the CSV (and its meta YAML) only."))
    for rel in scan.unreadable:
        out.append(make_finding(
            "F105", f"The folder {rel!r} of {label} cannot be read.", file=f"{label}/{rel}",
            hint="Make the folder readable."))
    return out


def pick_csv(root: Path, label: str, what: str, *, ignore: tuple[str, ...] = (),
             hint: str = "Upload a zip holding one CSV file.",
             ) -> tuple[Path | None, list[Finding]]:
    """The one CSV of an upload folder, or every reason why there is none.

    `label` names the folder in findings (`res`, `ref`); `what` is what it should hold. Exactly
    one `<label>.output.csv` wins over other CSVs, as in a team package. `ignore`: files at the
    top of the folder that are not the participant's (the worker's own `metadata`, which it
    writes beside the submission in input/res). `hint`: what to do when the CSV is missing,
    said to whoever made the folder (the participant for `res`, the organizer for `ref`).
    """
    if not root.is_dir() or root.is_symlink():
        state = "is a link" if root.is_symlink() else (
            "is not a folder" if root.exists() else "is missing")
        return None, [make_finding("H801", f"{label} {state}: it should hold the {what}.",
                                   file=label, hint=hint)]
    scan = scan_folder(root)
    scan.files = [f for f in scan.files if f not in ignore]
    findings = _scan_findings(scan, label)
    csvs = [f for f in scan.files if f.lower().endswith(".csv")]
    preferred = [f for f in csvs if f.lower().endswith(".output.csv")]
    chosen = preferred if len(preferred) == 1 else csvs
    if len(chosen) == 1:
        return (None if findings else root / chosen[0]), findings
    if len(csvs) > 1:
        findings.append(make_finding(
            "H802", f"{label} holds {len(csvs)} CSV files: {_names(csvs)}; the {what} must be "
            "one CSV (or exactly one <label>.output.csv).", file=label,
            hint="Upload one CSV per submission."))
        return None, findings
    archives = [f for f in scan.files if f.lower().endswith(ARCHIVE_SUFFIXES)]
    if archives:
        findings.append(make_finding(
            "H803", f"{label} holds the archive(s) {_names(archives)} and no CSV: the upload "
            "is an archive inside the zip.", file=label,
            hint="Zip the CSV itself, not a zip or a folder of zips."))
    elif scan.files:
        findings.append(make_finding(
            "H801", f"{label} holds no CSV file, only {_names(scan.files)}; it should hold the "
            f"{what}.", file=label, hint=hint))
    elif scan.hidden:
        findings.append(make_finding(
            "H801", f"{label} holds only hidden files ({_names(scan.hidden)}); it should hold "
            f"the {what}.", file=label,
            hint="Names starting with '.' and __MACOSX folders are skipped; zip the CSV itself."))
    elif not findings:
        findings.append(make_finding(
            "H801", f"{label} is empty; it should hold the {what}.", file=label,
            hint=hint))
    else:
        findings.append(make_finding(
            "H801", f"{label} holds no usable CSV file; it should hold the {what}.", file=label,
            hint=hint))
    return None, findings

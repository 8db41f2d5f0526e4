"""Team packages: a zip or a folder of up to four systems, each `<label>.output.csv` plus
`<label>.meta.yaml`, and the technical report PDF(s).

DCASE asks for `<label>/<label>.output.csv` and `<label>/<label>.meta.yaml`, optionally under the
task's folder (`task6b/`, `task8/`, `task6/`), with the report at the top; files found flat (all
in one folder) are read too. Files are found by name wherever they sit; a system file inside a
folder named for another label (P726) or another task (P724) is reported.

Uploads are hostile until proven otherwise. A zip is inspected before anything is written:
too many members, too many uncompressed bytes or a suspicious compression ratio refuse the whole
archive (P706, nothing extracted); a member with an absolute path, a `..` part or a link is
skipped (P705). The rest is extracted only into a private temporary folder that is removed
afterwards; the organizer's files are never modified. Every problem is a finding, all in one run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shlex
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..editions import RETRIEVAL_TASKS, task_years
from ..findings import FindingLog, shown_text
from ..io.csvread import DEFAULT_MAX_BYTES
from ..io.regular import NOT_REGULAR, NotRegularFile, open_regular
from ..io.scratch import make_scratch_dir
from .meta import declared_label, load_meta
from .meta_model import SystemMeta
from .submission import Submission, load_submission
from .team_identity import DCASE_LABEL, is_label

MAX_SYSTEMS = 4
#: a zip package is extracted into $TMPDIR/dcase-package-<pid>-<random> (io/scratch)
EXTRACT_PREFIX = "dcase-package-"
OUTPUT_SUFFIX = ".output.csv"
META_SUFFIXES = (".meta.yaml", ".meta.yml")
#: Operating-system litter that is skipped silently.
IGNORED = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_DIRS = {"__MACOSX"}
#: Package files sit at most this many folders deep (`task6b/<label>/` is two); deeper members
#: are skipped with a P708, so a hostile nesting costs neither a crash nor a whole package.
MAX_DEPTH = 32
_DEEP_HINT = "Put each system's files in task6b/<label>/ (at most two folders deep)."
#: A DCASE task folder name (`task6b`, `task8`, `task6`, ...).
TASK_FOLDER = re.compile(r"^task[0-9]+[a-z]?$", re.IGNORECASE)


@dataclass(frozen=True)
class ZipLimits:
    """Limits checked on the zip's directory before extracting anything."""

    max_members: int = 200
    max_total_bytes: int = 2 * DEFAULT_MAX_BYTES
    max_ratio: float = 200.0
    #: Members smaller than this are exempt from the ratio check (tiny files compress oddly).
    ratio_min_bytes: int = 1 << 20


@dataclass
class OpenedPackage:
    """A package made readable on disk: files by display name, with the package-level log."""

    path: Path
    display: str
    log: FindingLog
    outputs: dict[str, tuple[Path, str]] = field(default_factory=dict)
    metas: dict[str, tuple[Path, str]] = field(default_factory=dict)
    reports: list[tuple[Path, str]] = field(default_factory=list)
    #: label -> the other task a system's file name or folder is for (P724): its output is
    #: then not checked as a retrieval output
    foreign: dict[str, str] = field(default_factory=dict)


def _member_parts(name: str) -> list[str] | None:
    """The path parts of a zip member name, or None when it could escape the folder."""
    if not name or "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in re.split(r"[\\/]", name) if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def _check_limits(zf: zipfile.ZipFile, limits: ZipLimits, log: FindingLog) -> bool:
    infos = zf.infolist()
    ok = True
    if len(infos) > limits.max_members:
        log.add("P706", f"The zip holds {len(infos)} members; at most {limits.max_members} are "
                "accepted.", hint="A package holds at most 4 systems: 8 files and a PDF.")
        ok = False
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        log.add("P706", f"The zip expands to {total} bytes; at most {limits.max_total_bytes} are "
                "accepted.", hint="Nothing was extracted.")
        ok = False
    for info in infos:
        if info.file_size < limits.ratio_min_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            log.add("P706", f"Member {info.filename[:200]!r} expands {ratio:.0f}-fold "
                    f"({info.compress_size} -> {info.file_size} bytes); at most "
                    f"{limits.max_ratio:.0f}-fold is accepted.", hint="Nothing was extracted.")
            ok = False
    return ok


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one member to `target`, never writing more than declared or than `budget`."""
    written = 0
    limit = min(info.file_size, budget)
    with zf.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise OverflowError(info.filename)
            dst.write(chunk)
    return written


def _extract_zip(
    path: Path, into: Path, limits: ZipLimits, log: FindingLog
) -> list[tuple[Path, str]]:
    """Safe members extracted under `into`, as (file, display name); problems go to `log`."""
    try:
        fh = open_regular(path)  # a pipe named like a zip would block open() for ever
    except NotRegularFile:
        log.add("P707", f"{shown_text(path.name)} is {NOT_REGULAR}; it was not read.",
                hint="Upload the package as a zip file or a folder.")
        return []
    except OSError as exc:
        log.add("P707", f"{shown_text(path.name)} cannot be opened ({exc.strerror}).",
                hint="Create the archive with a standard zip tool.")
        return []
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        fh.close()
        log.add("P707", f"{shown_text(path.name)} is not a readable zip archive ({exc}).",
                hint="Create the archive with a standard zip tool.")
        return []
    files: list[tuple[Path, str]] = []
    with fh, zf:
        if not _check_limits(zf, limits, log):
            return []
        budget = limits.max_total_bytes
        for info in zf.infolist():
            shown = shown_text(info.filename[:200])
            parts = _member_parts(info.filename)
            if parts is None:
                log.add("P705", f"Member {shown!r} has an absolute path or a '..' part; skipped.",
                        hint="Zip the package with paths relative to its folder.")
                continue
            if _is_link(info):
                log.add("P705", f"Member {shown!r} is a symbolic link; skipped.",
                        hint="Put the file itself in the zip, not a link to it.")
                continue
            if info.is_dir() or not parts:
                continue
            if len(parts) > MAX_DEPTH:
                log.add("P708", f"Member {shown!r} is nested {len(parts) - 1} folders deep (at "
                        f"most {MAX_DEPTH}); skipped.", hint=_DEEP_HINT)
                continue
            if parts[0] in IGNORED_DIRS or parts[-1] in IGNORED:
                continue
            if info.flag_bits & 0x1:
                log.add("P707", f"Member {shown!r} is encrypted; skipped.",
                        hint="Upload the package without a password.")
                continue
            target = into.joinpath(*parts)
            display = shown_text(f"{path.name}/{'/'.join(parts)}")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy_member(zf, info, target, budget)
            except FileExistsError:
                log.add("P705", f"Member {shown!r} appears twice or clashes with a folder; "
                        "skipped.", hint="Each file may appear once in the zip.")
                continue
            except OverflowError:
                log.add("P706", f"Member {shown!r} expands beyond its declared size or the "
                        "package limit; the package was refused.", hint="Nothing is used.")
                return []
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                    RuntimeError) as exc:
                log.add("P707", f"Member {shown!r} cannot be decompressed ({exc}).",
                        hint="Re-create the zip with a standard tool (deflate or stored).")
                with contextlib.suppress(OSError):
                    target.unlink()
                continue
            files.append((target, display))
    return files


def _scan_folder(path: Path, log: FindingLog) -> list[tuple[Path, str]]:
    """Regular files under a package folder, walked without recursion (a folder nested a
    thousand deep is an upload's choice, not a crash); links are refused, never followed, and
    nothing below `MAX_DEPTH` folders is read."""
    files: list[tuple[Path, str]] = []
    stack: list[tuple[Path, int]] = [(path, 0)]
    while stack:
        folder, depth = stack.pop()
        rel_folder = folder.relative_to(path).as_posix()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            log.add("P714", f"{shown_text(rel_folder)}: cannot be read ({exc.strerror}).")
            continue
        subfolders: list[Path] = []
        for entry in entries:
            file = Path(entry.path)
            rel = shown_text(file.relative_to(path).as_posix())
            if entry.is_symlink() and file.is_dir():
                log.add("P705", f"{rel} is a link to a folder; skipped.",
                        hint="Put the files themselves in the package.")
            elif entry.is_symlink():
                log.add("P705", f"{rel} is a symbolic link; skipped.",
                        hint="Put the file itself in the package, not a link to it.")
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in IGNORED_DIRS:
                    continue
                if depth + 1 >= MAX_DEPTH:
                    log.add("P708", f"{rel}/ is nested more than {MAX_DEPTH} folders deep; "
                            "nothing in it was read.", hint=_DEEP_HINT)
                    continue
                subfolders.append(file)
            elif entry.name in IGNORED:
                continue
            elif not entry.is_file(follow_symlinks=False):
                log.add("P708", f"{rel} is not a regular file; skipped.")
            else:
                files.append((file, f"{shown_text(path.name)}/{rel}"))
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))
    return files


def _classify(pkg: OpenedPackage, files: list[tuple[Path, str]]) -> None:
    log = pkg.log
    for file, display in files:
        name = file.name
        lower = name.lower()
        kind: str | None = None
        label = ""
        if lower.endswith(OUTPUT_SUFFIX):
            kind, label = "output", name[: -len(OUTPUT_SUFFIX)]
        else:
            for suffix in META_SUFFIXES:
                if lower.endswith(suffix):
                    kind, label = "meta", name[: -len(suffix)]
        if kind is None:
            if lower.endswith(".pdf"):
                pkg.reports.append((file, display))
                with contextlib.suppress(OSError), open_regular(file) as fh:
                    if fh.read(5) != b"%PDF-":
                        log.add("P713", f"{display} does not start like a PDF file.",
                                hint="Upload the technical report as a PDF.")
            elif lower.endswith(".zip"):  # a package among packages: `validate uploads/`
                # the file as the user can name it; inside an extracted zip it has no such path
                own = (f" (dcase-eval validate {shown_text(shlex.quote(str(file)))})"
                       if pkg.path.is_dir() else "")
                log.add("P708", f"{display} is a zip inside the package; ignored (a package is "
                        "one zip or one folder).", hint=f"Unpack it into the package, or check "
                        f"it as a package of its own{own}; rank takes a folder of packages.")
            else:
                log.add("P708", f"{display} is neither a system output, a meta YAML nor a PDF; "
                        "ignored.", hint="Name files <label>.output.csv and <label>.meta.yaml.")
            continue
        if not is_label(label):
            log.add("P712", f"{display}: the label {label[:80]!r} is not a valid label.",
                    hint="Use 1-64 letters, digits, '_', '-' or '.', starting with a letter or "
                    "digit.")
            continue
        other = _check_place(log, display, label)
        if other is not None:
            pkg.foreign.setdefault(label, other)
        table = pkg.outputs if kind == "output" else pkg.metas
        if label in table:
            log.add("P711", f"{display}: label {label!r} already used by {table[label][1]}.",
                    hint="Give every system of the package its own label.")
            continue
        table[label] = (file, display)


def _check_place(log: FindingLog, display: str, label: str) -> str | None:
    """DCASE layout checks of one system file: its label folder and its task folder. Returns
    the task it is for when that is not a retrieval task (from its folder or its label)."""
    folders = display.split("/")[1:-1]
    if folders and folders[-1] != label and DCASE_LABEL.match(folders[-1]):
        log.add("P726", f"{display} sits in the folder of another label ({folders[-1]}).",
                hint=f"DCASE asks for {label}/{label}.output.csv and {label}/{label}.meta.yaml.")
    match = DCASE_LABEL.match(label)
    label_task = match.group("task").lower() if match else None
    foreign = label_task if label_task is not None and label_task not in RETRIEVAL_TASKS \
        else None
    tasks = [f for f in folders if TASK_FOLDER.match(f)]
    if not tasks:
        return foreign
    folder = tasks[-1].lower()
    if folder not in RETRIEVAL_TASKS:
        foreign = folder
        log.add("P724", f"{display} sits in the folder {tasks[-1]}/, which is not a "
                "language-based audio retrieval task.",
                hint=task_years("/") + ".")
    elif match is not None and match.group("task").lower() != folder:
        log.add("P724", f"{display} sits in {tasks[-1]}/ but its label names "
                f"{match.group('task')}.", hint="Put each system in its own task's folder.")
    return foreign


def _report_name(path: Path) -> str:
    """The report file DCASE asks for, named after the package (`Doe_UniX_task6b.zip` ->
    `Doe_UniX_task6b.technical_report.pdf`), shown safely."""
    name = path.name or path.resolve().name  # `validate .` inside the package
    stem = name[:-4] if name.lower().endswith(".zip") else name
    return shown_text(f"{stem}.technical_report.pdf")


@contextlib.contextmanager
def open_package(path: str | Path, limits: ZipLimits | None = None) -> Iterator[OpenedPackage]:
    """Make a package (zip or folder) readable; temporary files are removed on exit."""
    path = Path(path)
    pkg = OpenedPackage(path=path, display=shown_text(path.name),
                        log=FindingLog(shown_text(path.name)))
    tmp: str | None = None
    try:
        if path.is_dir():
            files = _scan_folder(path, pkg.log)
        else:
            # named after this process, so that a later run removes it if this one is killed
            tmp = str(make_scratch_dir(tempfile.gettempdir(), EXTRACT_PREFIX))
            files = _extract_zip(path, Path(tmp), limits or ZipLimits(), pkg.log)
        _classify(pkg, files)
        labels = sorted(set(pkg.outputs) | set(pkg.metas))
        if not pkg.outputs and not pkg.log.has("P706") and not pkg.log.has("P707"):
            pkg.log.add("P709", "The package holds no system output (<label>.output.csv).",
                        hint="Add one <label>.output.csv and <label>.meta.yaml per system.")
        if pkg.outputs and not pkg.reports and not pkg.log.has("P706"):
            pkg.log.add("P727", "The package holds no technical report (a PDF); DCASE asks "
                        "for one per package, describing its systems.",
                        hint=f"Add the report at the top of the package, e.g. "
                        f"{_report_name(path)}.")
        if len(pkg.outputs) > MAX_SYSTEMS:
            pkg.log.add("P701", f"The package holds {len(pkg.outputs)} systems; at most "
                        f"{MAX_SYSTEMS} are accepted.", hint="Submit at most four systems.")
        for label in labels:
            if label in pkg.outputs and label not in pkg.metas:
                pkg.log.add("P702", f"{pkg.outputs[label][1]} has no {label}.meta.yaml.",
                            hint="Copy examples/meta.example.yaml and fill it in.")
            if label in pkg.metas and label not in pkg.outputs:
                pkg.log.add("P703", f"{pkg.metas[label][1]} has no {label}.output.csv.",
                            hint="Add the system output or remove the meta file.")
        yield pkg
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def read_meta(pkg: OpenedPackage, label: str, task: str | None = None) -> SystemMeta | None:
    """The checked meta of one system (findings go to the package log), None if unusable.

    `task` is the label task the edition requires (None: any retrieval task). The returned meta
    names the package's technical report (the PDF named after the team, else the first PDF).
    """
    if label not in pkg.metas:
        return None
    file, display = pkg.metas[label]
    meta = load_meta(file, pkg.log, display=display, task=task)
    # checked whatever else is wrong with the file: a label copied from system 1 into the
    # others is reported for each of them
    stated = meta.label if meta is not None else declared_label(file)
    if stated is not None and stated != label:
        pkg.log.add("P710", f"{display}: label {stated!r} differs from the file name's "
                    f"label {label!r}.", hint="Make the 'label' key equal to the file name stem "
                    "(a meta file copied from another system keeps that system's label).")
        return None
    if meta is None:
        return None
    reports = sorted(shown for _, shown in pkg.reports)
    mine = [r for r in reports if r.rsplit("/", 1)[-1].lower().startswith(meta.team.lower())]
    report = (mine or reports)[0] if (mine or reports) else None
    return meta.model_copy(update={"technical_report": report}) if report else meta


def read_output(pkg: OpenedPackage, label: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Submission:
    """The system output, with paths shown as inside the package rather than the temp folder."""
    file, display = pkg.outputs[label]
    sub = load_submission(file, max_bytes=max_bytes)
    return dataclasses.replace(
        sub, path=display, findings=[f.model_copy(update={"file": display}) for f in sub.findings])

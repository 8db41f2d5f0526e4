"""The layout pages match the tree: docs/architecture.md names every module of the core, and
neither it nor the README's layout section names a module, folder or file that is not there.

The architecture table's first column names top-level modules (`api.py`) or one folder (`io/`);
in a folder's row, each backticked lower-case name is a module of that folder (`csvread`), a
subfolder (`significance/`) or a subfolder's module (`significance/holm`). The README's layout
block gives each folder a line `folder/  job: entry, entry, ...`, each entry a module or
subfolder name (several joined by `/` or `+`) with an optional `(note)`.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dcase_retrieval_eval"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"
TOP_FOLDERS = ("baseline", "benchmarks", "docs", "examples", "tests", ".ci")
#: a module or folder reference: `csvread`, `significance/`, `conventions/dcase`
MODULE_NAME = re.compile(r"[a-z_][a-z0-9_]*(?:/[a-z_][a-z0-9_]*)*/?")
#: a path from the repository root in backticks or a link: `tests/test_layout.py`
REPO_PATH = re.compile("(?:" + "|".join(map(re.escape, (*TOP_FOLDERS, "dcase_retrieval_eval")))
                       + r")/[\w./-]*")


def _core_modules() -> set[str]:
    """Every module of the core as a path inside the package (`measure/conventions/dcase.py`)."""
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
            if p.name != "__init__.py"}


def _core_folders() -> set[str]:
    """The package's first-level folders (`io/`, `measure/`)."""
    return {f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _in_package(path: str) -> bool:
    """Whether `path` (`io/`, `api.py`, `io/csvread`) is a folder, file or module of the core."""
    target = PACKAGE / path
    if path.endswith("/"):
        return target.is_dir()
    return target.is_file() if path.endswith(".py") else target.with_name(
        target.name + ".py").is_file()


def _table_rows(text: str) -> list[tuple[list[str], list[str]]]:
    """(names of the first cell, backticked names of the job cell) of each layout-table row."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Folder / module |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        head, job = (cell.strip() for cell in line.strip().strip("|").split("|", 1))
        rows.append((re.findall(r"`([^`]+)`", head), re.findall(r"`([^`]+)`", job)))
    return rows


def _architecture_names(text: str) -> tuple[set[str], list[str]]:
    """The core modules the table names (paths in the package), and the names it gives that
    are not in the tree."""
    named: set[str] = set()
    absent: list[str] = []
    for heads, names in _table_rows(text):
        folders = [h for h in heads if h.endswith("/")]
        refs = list(heads)
        if len(folders) == 1 and len(heads) == 1:
            refs += [folders[0] + n for n in names if MODULE_NAME.fullmatch(n)]
        for ref in refs:
            if not _in_package(ref):
                absent.append(ref)
            elif not ref.endswith("/"):
                named.add(ref if ref.endswith(".py") else f"{ref}.py")
    return named, absent


def _repo_paths(text: str) -> list[str]:
    """Repository paths a page names in backticks or links (`tests/test_layout.py`)."""
    found = re.findall(r"`([^`\s]+)`", text) + re.findall(r"\]\(([^)#\s]+)", text)
    return [p for p in found if REPO_PATH.fullmatch(p)]


def _readme_layout() -> list[tuple[int, list[str], str]]:
    """(indent, heads, description) of each entry of the README's layout block: heads are the
    leading `folder/` or `module.py` words, the description runs over continuation lines."""
    section = README.read_text(encoding="utf-8").split("\n## Layout\n", 1)[1].split("\n## ")[0]
    block = section.split("```\n", 2)[1]
    entries: list[tuple[int, list[str], str]] = []
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip():
            continue
        if indent > 2 and entries:  # a continuation line
            i, heads, text = entries[-1]
            entries[-1] = (i, heads, f"{text} {line.strip()}")
            continue
        words = line.split()
        n = next((k for k, w in enumerate(words) if not w.endswith(("/", ".py"))), len(words))
        entries.append((indent, words[:n], " ".join(words[n:])))
    return entries


def _readme_entries(description: str) -> list[str]:
    """The module names of a folder's README description: `job: a (note), b / c, d + e`."""
    if ":" not in description:
        return []
    listed = description.split(":", 1)[1]
    while re.search(r"\([^()]*\)", listed):
        listed = re.sub(r"\([^()]*\)", "", listed)
    return [name.strip() for entry in listed.split(",") for name in re.split(r"[+]| / ", entry)]


def test_the_architecture_table_names_every_core_module() -> None:
    named, _ = _architecture_names(ARCHITECTURE.read_text(encoding="utf-8"))
    missing = sorted(_core_modules() - named)
    assert not missing, ("docs/architecture.md does not name these modules in its layout "
                         f"table (add each to its folder's row): {missing}")


def test_the_architecture_page_names_only_what_exists() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    _, absent = _architecture_names(text)
    assert not absent, f"docs/architecture.md names modules or folders that are gone: {absent}"
    gone = [p for p in _repo_paths(text) if not (ROOT / p).exists()]
    assert not gone, f"docs/architecture.md names paths that are gone: {gone}"


def test_the_readme_layout_names_only_what_exists() -> None:
    absent: list[str] = []
    core_heads: set[str] = set()
    in_core = False
    for indent, heads, description in _readme_layout():
        if indent == 0:
            in_core = heads == ["dcase_retrieval_eval/"]
            absent += [h for h in heads if not in_core and not (ROOT / h).exists()]
            continue
        assert in_core, f"an indented README layout line outside dcase_retrieval_eval/: {heads}"
        core_heads.update(heads)
        absent += [h for h in heads if not _in_package(h)]
        folders = [h for h in heads if h.endswith("/")]
        for name in _readme_entries(description) if folders else []:
            if not MODULE_NAME.fullmatch(name):
                absent.append(f"{folders[0]}: {name!r} is not a module name; write "
                              "'job: module (note), module, ...'")
            elif not _in_package(folders[0] + name):
                absent.append(folders[0] + name)
    assert not absent, f"the README's layout names what is not in the tree: {absent}"
    assert sorted(_core_folders() - core_heads) == [], "the README's layout misses folders"
    tops = {h.rstrip("/") for _, heads, _ in _readme_layout() for h in heads}
    assert sorted(set(TOP_FOLDERS) - tops) == [], "the README's layout misses top-level folders"
    gone = [p for p in _repo_paths(README.read_text(encoding="utf-8"))
            if not (ROOT / p).exists()]
    assert not gone, f"README.md names paths that are gone: {gone}"


def test_the_layout_checks_catch_a_stale_page() -> None:
    # a table with a module that is gone and without one that exists, as a page goes stale
    page = ("| Folder / module | Job |\n|---|---|\n"
            "| `io/` | CSV (`csvread`), a reader long gone (`oldreader`), `FindingLog` |\n"
            "| `api.py` | the public functions |\n")
    named, absent = _architecture_names(page)
    assert absent == ["io/oldreader"]
    assert "io/csvread.py" in named and "io/atomic.py" not in named
    assert _readme_entries("model -> text: html (+ templates/), svg / tabular, meta + x") == [
        "html", "svg", "tabular", "meta", "x"]
    assert _repo_paths("see `tests/test_layout.py` and [guide](docs/gone.md)") == [
        "tests/test_layout.py", "docs/gone.md"]

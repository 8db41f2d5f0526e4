"""The folders are the pipeline: imports run one way, domain code knows no UI library, the
baseline reaches the core only through its public API and `io`, and the installed wheel holds
no bare `baseline` module."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dcase_retrieval_eval"
BASELINE = ROOT / "baseline"

#: Lowest first: a module may import its own room and any room before it in this list.
LAYERS = ["findings", "errors", "editions", "io", "formats", "check", "measure", "challenge",
          "report", "hosting", "api", "cli", "__main__"]
#: The vocabulary modules form one room: findings <- errors <- editions.
VOCABULARY = {"findings": 0, "errors": 1, "editions": 2}
DOMAIN = {"io", "formats", "check", "measure", "challenge"}
UI_LIBRARIES = {"rich", "click"}


def _room(module: str) -> str | None:
    """The layer of `dcase_retrieval_eval.<room>...`, or None for the package root itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "dcase_retrieval_eval" else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str | None = None) -> list[tuple[int, str]]:
    """Every imported module of a file, relative imports resolved, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = (name or _module_name(path)).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # `from . import x`: x may be a module
                    found.extend((node.lineno, f"{target}.{a.name}") for a in node.names)
                    continue
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def _core_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _upward_imports(path: Path, name: str) -> list[str]:
    """Imports of `path` (module `name`) that reach a room above its own."""
    source_room = _room(name)
    if source_room is None:  # the package's __init__: lazy re-exports only
        return []
    if source_room not in LAYERS:
        return [f"{name}: a module outside the known rooms {LAYERS}; put it in one"]
    wrong: list[str] = []
    for line, target in _imports(path, name):
        target_room = _room(target)
        if target_room is None or target_room not in LAYERS or target_room == source_room:
            continue
        if source_room in VOCABULARY and target_room in VOCABULARY:
            ok = VOCABULARY[target_room] < VOCABULARY[source_room]
        else:
            ok = LAYERS.index(target_room) <= LAYERS.index(source_room)
        if not ok:
            wrong.append(f"{name}:{line} imports {target}")
    return wrong


def test_imports_run_down_the_pipeline() -> None:
    wrong = [w for p in _core_files() for w in _upward_imports(p, _module_name(p))]
    assert not wrong, "imports against the pipeline:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    modules = {_module_name(p) for p in _core_files()}
    for path in _core_files():
        name = _module_name(path)
        graph[name] = set()
        for _, target in _imports(path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target != "dcase_retrieval_eval":
                graph[name].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_domain_code_never_imports_rich_or_click() -> None:
    wrong = [f"{p.relative_to(ROOT)}:{line} imports {target}"
             for p in _core_files() if _room(_module_name(p)) in DOMAIN
             for line, target in _imports(p) if target.split(".")[0] in UI_LIBRARIES]
    assert not wrong, "\n".join(wrong)


def test_baseline_uses_only_the_public_api_and_io() -> None:
    wrong: list[str] = []
    for path in sorted(BASELINE.glob("*.py")):
        for line, target in _imports(path):
            parts = target.split(".")
            if parts[0] != "dcase_retrieval_eval":
                continue
            if len(parts) == 1 or parts[1] == "io":
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "the baseline reaches into private modules:\n" + "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """Guard the guard: upward imports, relative or absolute, even inside a function, are caught."""
    fake = tmp_path / "reader.py"
    fake.write_text("from ..io.csvread import CsvFile\n"
                    "def f():\n    from ..cli.main import main\n"
                    "import dcase_retrieval_eval.challenge.ranking\n")
    wrong = sorted(_upward_imports(fake, "dcase_retrieval_eval.formats.reader"))
    assert wrong == ["dcase_retrieval_eval.formats.reader:3 imports dcase_retrieval_eval.cli.main",
                     "dcase_retrieval_eval.formats.reader:4 imports "
                     "dcase_retrieval_eval.challenge.ranking"]


@pytest.mark.slow
def test_wheel_holds_no_bare_baseline_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600)  # isolated build: pyproject's setuptools
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("dcase_retrieval_eval-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"dcase_retrieval_eval", "dcase_retrieval_baseline"}, tops
    assert "dcase_retrieval_baseline/train.py" in names
    for init in PACKAGE.rglob("__init__.py"):  # pyproject lists packages one by one
        assert init.relative_to(ROOT).as_posix() in names, f"{init} missing from the wheel"
    for template in (PACKAGE / "report" / "templates").glob("*"):
        assert template.relative_to(ROOT).as_posix() in names, f"{template} missing"

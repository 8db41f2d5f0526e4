"""Small modules with one job: every core module is at most `MAX_LINES` lines, and no function of
the core is more complex than `MAX_COMPLEXITY` (radon's cyclomatic complexity, the number that
`radon cc -s dcase_retrieval_eval` prints), so that each can be read and tested in one sitting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dcase_retrieval_eval"
MAX_LINES = 450
MAX_COMPLEXITY = 25


def _modules() -> dict[str, str]:
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(PACKAGE.rglob("*.py"))}


def _complexity() -> Any:
    """radon's `cc_visit` (a test dependency); absent outside CI, the check is skipped."""
    try:
        from radon.complexity import cc_visit
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("radon is missing under CI=true: it is in the `test` extra")
        pytest.skip("radon is not installed (pip install '.[test]')")
    return cc_visit


def _functions(blocks: list[Any]) -> list[tuple[str, int]]:
    """(name, complexity) of every function, method and nested function; a class's own figure
    is an average of its methods, so only the methods count."""
    out: list[tuple[str, int]] = []
    for block in blocks:
        if hasattr(block, "methods"):  # a class: its methods are listed on their own
            continue
        name = f"{block.classname}.{block.name}" if block.classname else block.name
        out.append((name, block.complexity))
        out += _functions(block.closures)
    return out


def test_every_core_module_is_short() -> None:
    long = {name: text.count("\n") for name, text in _modules().items()
            if text.count("\n") > MAX_LINES}
    assert long == {}, (
        f"modules over {MAX_LINES} lines (split each by job): {long}")


def test_no_core_function_is_too_complex() -> None:
    cc_visit = _complexity()
    over = {f"{name}:{function}": n for name, text in _modules().items()
            for function, n in _functions(cc_visit(text)) if n > MAX_COMPLEXITY}
    assert over == {}, (
        f"functions above cyclomatic complexity {MAX_COMPLEXITY} (split them): {over}")


def test_the_complexity_check_counts_branches() -> None:
    cc_visit = _complexity()
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(MAX_COMPLEXITY))
    source = f"def f(x):\n{branches}    return -1\n\nclass C:\n    def g(self):\n" + \
             "        def inner(y):\n            return 1 if y else 2\n        return inner\n"
    found = dict(_functions(cc_visit(source)))
    assert found["f"] == MAX_COMPLEXITY + 1  # one path, plus one per branch
    assert found == {"f": MAX_COMPLEXITY + 1, "C.g": 1, "inner": 2}

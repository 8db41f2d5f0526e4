"""One rule, one place: each rule the toolkit applies in several commands is written in one
module, and these checks fail when a copy appears elsewhere in the core."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dcase_retrieval_eval"


def _sources() -> dict[str, str]:
    return {path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(PACKAGE.rglob("*.py"))}


def _where(pattern: str) -> list[str]:
    rx = re.compile(pattern)
    return [name for name, text in _sources().items() if rx.search(text)]


def test_metric_names_are_spelled_by_the_edition_alone() -> None:
    # a metric name built from a cut-off: f"mAP@{k}", f"nDCG@{k}", f"R@{k}"; the conventions
    # of other codebases (measure/conventions) report those codebases' own metrics
    spelled = _where(r"f[\"'](?:mAP|nDCG|R)@\{")
    assert [n for n in spelled if not n.startswith("measure/conventions/")] == []
    assert _where(r"f[\"']\{kind\}@\{k\}") == ["editions.py"]


def test_exit_codes_are_defined_once() -> None:
    assigned = []
    for name, text in _sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigned += [(name, t.id) for t in targets
                             if isinstance(t, ast.Name) and t.id.startswith("EXIT_")]
    assert {name for name, _ in assigned} == {"cli/exits.py"}
    # and no command exits with a bare number other than through those names
    assert _where(r"sys\.exit\((?:[1-9]\d*)\)") == []


def test_findings_are_reported_by_one_function() -> None:
    # the findings table of a failed command is printed by cli.exits.exit_invalid only
    printing = [n for n in _where(r"findings_table\(") if n.startswith("cli/")]
    assert printing == ["cli/exits.py"]


def _severity_compared(text: str) -> bool:
    """Whether `text` compares a severity (`f.severity == "error"`, `... == Severity.ERROR`):
    the way to count or pick errors and warnings by hand."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Attribute) and (
                        side.attr == "severity"
                        or isinstance(side.value, ast.Name) and side.value.id == "Severity"):
                    return True
    return False


def test_errors_and_warnings_are_counted_by_the_finding_log_alone() -> None:
    # FindingLog.errors / .warnings / .sorted(severity) are the only readers of a severity
    assert _severity_compared('n = sum(1 for f in found if f.severity == "error")')
    assert _severity_compared("n = sum(v for c, v in counts.items() "
                              "if CATALOGUE[c].severity == Severity.WARNING)")
    assert not _severity_compared('style = STYLE[f.severity.value]')
    counting = [name for name, text in _sources().items() if _severity_compared(text)]
    assert counting == ["findings.py"]

"""The test suite's own rules: tests are named and described by what they check, never by the
issue that asked for them, and the core command runs in-process through one helper,
`conftest.cli`, so that every such run gets the same crash check and the same return shape."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ISSUE_NUMBER = re.compile(r"\bissues? *#?\d|\btest_items?_?\d", re.I)
OWN_RUNNER = re.compile(r"^def cli\(|CliRunner\(\)\.invoke\(main\b", re.M)


def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TESTS.glob("*.py"))}


def test_no_test_names_an_issue_number() -> None:
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
             for name, text in _sources().items() for m in ISSUE_NUMBER.finditer(text)]
    assert not found, "name the concept, not the issue: " + "; ".join(found)


def test_the_core_command_runs_in_process_through_conftest_cli() -> None:
    found = [name for name, text in _sources().items()
             if name != "conftest.py" and OWN_RUNNER.search(text)]
    assert not found, f"use conftest.cli instead of an own runner in {found}"


def test_the_rules_see_what_they_forbid() -> None:
    """The examples are built from pieces so that this file does not break its own rules."""
    number = "2" + "2"
    assert ISSUE_NUMBER.search(f"regression of issue {number}")
    assert ISSUE_NUMBER.search(f"def test_item{number}_x")
    assert not ISSUE_NUMBER.search("the first item of a ranking, issued twice")
    assert OWN_RUNNER.search("x = 1\ndef " + "cli(*args):\n")
    assert OWN_RUNNER.search("CliRunner()" + ".invoke(main, ['validate'])")

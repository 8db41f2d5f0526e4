"""Names shown on a leaderboard hold only visible characters: every format character (Unicode
category Cf), the fillers and lone surrogates are refused in team names and authors (P725), by
the same rule that escapes them wherever a name is shown."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import yaml

from dcase_retrieval_eval.findings import shown_text
from dcase_retrieval_eval.formats.team_identity import unsafe_characters

from .conftest import run_cli
from .organizer_data import make_challenge, meta_doc

#: Characters that display as nothing or change how a name reads; each passed the old check.
INVISIBLE = ["\u200d", "\u200c", "\u2061", "\u2062", "\u2063", "\u2064", "\u00ad", "\u180e",
             "\u3164", "\u115f", "\uffa0", "\U000e0041", "\u206a"]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_every_invisible_character_is_refused_and_escaped(char: str) -> None:
    name = f"Te{char}am"
    assert unsafe_characters(name) == [f"U+{ord(char):04X}"]
    assert char not in shown_text(name)


def test_the_refused_set_covers_every_format_character_of_this_python() -> None:
    cf = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert [c for c in cf if not unsafe_characters(c)] == []
    assert unsafe_characters("Doe UniX, Tampere – Ærø 東京") == []


def _meta(folder: Path, label: str) -> Path:
    return next(folder.rglob(f"{label}.meta.yaml"))


@pytest.mark.parametrize("char", ["\u200d", "\u00ad", "\u3164"])
def test_validate_refuses_an_invisible_character_in_the_name_and_an_author(
        tmp_path: Path, char: str) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.7)]})
    meta = _meta(uploads, "Doe_UniX_task6b_1")
    doc = meta_doc("Doe_UniX_task6b_1", name=f"Team{char}A")
    doc["submission"]["authors"][1]["lastname"] = f"Ro{char}e"
    meta.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    proc = run_cli("validate", uploads / "pkg00", "--gt", gt_path, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    text = json.dumps(report)
    assert text.count("P725") >= 2 and f"U+{ord(char):04X}" in text
    assert "submission.name" in text and "authors[2].lastname" in text


def test_two_names_that_look_alike_are_not_both_ranked(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(
        tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.7)],
                   "Roe_UniY": [("Roe_UniY_task6b_1", 0.6)]},
        names={"Doe_UniX": "Team A", "Roe_UniY": "Team\u200dA"})
    out = tmp_path / "out"
    proc = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "50")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ranked = [s["label"] for s in results["systems"]]
    assert ranked == ["Doe_UniX_task6b_1"]
    assert "\u200d" not in (out / "results.md").read_text(encoding="utf-8")


def test_a_lone_surrogate_in_a_meta_string_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """YAML's `"\\ud800"` escape decodes to a lone surrogate, which no UTF-8 writer accepts."""
    gt_path, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.7)],
                                                 "Roe_UniY": [("Roe_UniY_task6b_1", 0.6)]})
    meta = _meta(uploads, "Doe_UniX_task6b_1")
    text = meta.read_text(encoding="utf-8")
    text = text.replace("name: System Doe_UniX_task6b_1", 'name: "System \\ud800 one"')
    text = text.replace("location: Tampere, Finland", 'location: "Tampere \\udfff"', 1)
    assert "\\ud800" in text
    meta.write_text(text, encoding="utf-8")
    proc = run_cli("validate", uploads / "pkg00", "--gt", gt_path, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "P725" in proc.stdout and "U+D800" in proc.stdout
    out = tmp_path / "out"
    proc = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "50")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in results["systems"]] == ["Roe_UniY_task6b_1"]
    (out / "index.html").read_text(encoding="utf-8")

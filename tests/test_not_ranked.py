"""The "Not ranked" table tells an organizer who was left out and why: the team named as on the
leaderboard (`Doe_UniX`, not the package's `Doe_UniX_task6b`), the finding codes with their
counts and the first findings, on every surface."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from .conftest import run_cli
from .organizer_data import make_challenge


def _replace_cells(output: Path, where: list[tuple[int, int]]) -> None:
    """Put an unknown file name in each (row, column) of a system output (row 1: the first)."""
    with open(output, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for n, (row, column) in enumerate(where):
        rows[row][column] = f"unknown_{n}.wav"
    with open(output, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _challenge(tmp_path: Path) -> tuple[Path, Path]:
    gt_path, uploads = make_challenge(tmp_path, {"Alpha_UA": [("Alpha_UA_task6b_1", 0.8)],
                                                 "Doe_UniX": [("Doe_UniX_task6b_1", 0.6)]})
    # DCASE names a package <Lastname>_<Inst>_<task>
    shutil.move(uploads / "pkg01", uploads / "Doe_UniX_task6b")
    _replace_cells(next(uploads.rglob("Doe_UniX_task6b_1.output.csv")), [(2, 3)])
    empty = uploads / "Roe_UniY_task6b"
    empty.mkdir()
    (empty / "notes.txt").write_text("no system here", encoding="utf-8")
    return gt_path, uploads


def test_every_surface_names_the_team_the_codes_and_the_first_findings(tmp_path: Path) -> None:
    gt_path, uploads = _challenge(tmp_path)
    out = tmp_path / "out"
    proc = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "50")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    rejected = {r["team"]: r for r in
                json.loads((out / "results.json").read_text(encoding="utf-8"))["rejected"]}
    assert set(rejected) == {"Doe_UniX", "Roe_UniY"}
    invalid = rejected["Doe_UniX"]
    assert invalid["label"] == "Doe_UniX_task6b_1" and invalid["codes"] == {"A401": 1}
    [first] = invalid["first_findings"]
    assert first.startswith("line 3, column 4: A401 ") and "unknown_0.wav" in first
    assert rejected["Roe_UniY"]["codes"].get("P709") == 1

    md = (out / "results.md").read_text(encoding="utf-8")
    table = md[md.index("## Not ranked"):]
    assert "| Codes | First findings |" in table
    row = next(line for line in table.splitlines() if "Doe\\_UniX\\_task6b\\_1" in line
               or "Doe_UniX_task6b_1" in line)
    assert "| A401 |" in row and "line 3, column 4: A401" in row
    assert "Doe_UniX_task6b |" not in table.replace("\\_", "_")

    html = (out / "index.html").read_text(encoding="utf-8")
    part = html[html.index('id="rejected"'):]
    part = part[:part.index("</table>")]
    assert "<th>Codes</th><th>First findings</th>" in part
    assert ">Roe_UniY<" in part and "line 3, column 4: A401" in part

    assert "not ranked: Doe_UniX Doe_UniX_task6b_1" in proc.stdout
    assert "[A401]" in proc.stdout and "line 3, column 4: A401" in proc.stdout


def test_many_findings_are_counted_and_three_are_quoted(tmp_path: Path) -> None:
    gt_path, uploads = _challenge(tmp_path)
    _replace_cells(next(uploads.rglob("Doe_UniX_task6b_1.output.csv")),
                   [(row, 2) for row in range(1, 8)])
    out = tmp_path / "out"
    assert run_cli("rank", uploads, "--gt", gt_path, "--out", out,
                   "--rounds", "50").returncode == 0
    [invalid] = [r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))
                 ["rejected"] if r["team"] == "Doe_UniX"]
    assert invalid["codes"]["A401"] >= 7
    assert len(invalid["first_findings"]) == 3
    assert [f.split(":")[0] for f in invalid["first_findings"]] == ["line 2, column 3",
                                                                     "line 3, column 3",
                                                                     "line 3, column 4"]

"""The first findings of a left-out system explain it: the finding in the file that broke it (a
header cell, a misspelt caption) before the queries it leaves without a row (Q301), and every
control character in them escaped on every surface, so that an upload cannot retitle or
recolour the organizer's terminal through its own error messages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .conftest import cli
from .organizer_data import make_challenge

TITLE = "\x1b]0;PWNED\x07\x1b[31m"  # retitles a terminal, then paints it red


def test_a_broken_output_is_explained_by_its_own_findings_escaped(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"Alpha_UA": [("Alpha_UA_task6b_1", 0.8)],
                                                 "Doe_UniX": [("Doe_UniX_task6b_1", 0.6)]})
    output = next(uploads.rglob("Doe_UniX_task6b_1.output.csv"))
    with open(output, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0][3] = TITLE + "file_x"  # a header cell C202 names
    rows[1][0] = TITLE + rows[1][0]  # a caption Q302 names, leaving its query without a row
    with open(output, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    out = tmp_path / "out"
    code, stdout, stderr = cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "50")
    assert code == 0, stdout + stderr

    [rejected] = json.loads((out / "results.json").read_text(encoding="utf-8"))["rejected"]
    first = rejected["first_findings"]
    assert [f.split(": ", 1)[1][:4] for f in first[:2]] == ["C202", "Q302"], first
    assert "\\x1b]0;PWNED\\x07\\x1b[31mfile_x" in first[0]
    for text in (stdout, stderr, *(p.read_text(encoding="utf-8") for p in out.iterdir()
                                   if p.is_file() and p.suffix in (".md", ".html", ".csv",
                                                                   ".json", ".tex"))):
        assert "\x1b" not in text and "\x07" not in text
    shown = [line.strip() for line in stdout.split("not ranked: Doe_UniX", 1)[1].splitlines()
             if line.startswith("  ")]
    assert shown[0].startswith("line 1, column 4: C202"), shown

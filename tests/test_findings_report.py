"""How the findings of one run are reported: all of them in one run, sorted by line; at most
1,000 kept per code with the full number counted; the text view's table and summary. Data from
`tests/builders.py`."""

from __future__ import annotations

from pathlib import Path

from .builders import FILES, codes, sub_file, topk_rows, validate
from .conftest import cli


def test_all_findings_in_one_run_sorted(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[2][4] = "c"  # A401 line 4
    rows[5][6] = rows[5][1]  # A402 line 7
    rows[10][3] = ""  # C206 line 12
    rows.insert(20, rows[0])  # Q303 line 22
    rows[30][0] = "a dog barks"  # Q302 line 32 (a duplicate of row 0's query otherwise)
    code, doc = validate(sub_file(tmp_path, rows), gt)
    assert code == 1
    placed = [(f["line"], f["code"]) for f in doc["findings"] if f["line"]]
    assert placed == sorted(placed)
    assert {"A401", "A402", "C206", "Q303", "Q302"} <= codes(doc)
    assert doc["errors"] == sum(1 for f in doc["findings"] if f["severity"] == "error")


def test_findings_beyond_the_cap_are_counted(tmp_path: Path, gt: Path) -> None:
    """At most 1,000 findings of one code are kept; `counts` and `errors` hold the full number."""
    rows = topk_rows() + [[f"Unknown query {i}.", *FILES[:10]] for i in range(1200)]
    code, doc = validate(sub_file(tmp_path, rows), gt)
    kept = [f for f in doc["findings"] if f["code"] == "Q302"]
    assert code == 1 and len(kept) == 1000 and doc["counts"]["Q302"] == 1200
    assert doc["errors"] == 1200
    assert [f["line"] for f in kept] == list(range(62, 1062))


def test_text_output_has_table_and_summary(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[2][4] = "c"
    code, out, _ = cli("validate", sub_file(tmp_path, rows), "--gt", gt)
    assert code == 1
    assert "A401" in out and "INVALID" in out and "1 error(s)" in out

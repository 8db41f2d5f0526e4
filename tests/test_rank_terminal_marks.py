"""rank's own table, the first thing an organizer reads, marks the baseline and the systems
scored leniently as every results file does ("(Baseline)", "†" with its note)."""

from __future__ import annotations

from pathlib import Path

from .conftest import cli
from .organizer_data import make_challenge


def test_the_terminal_table_marks_baseline_and_lenient(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.8)],
                                            "Roe_CompY": [("Roe_CompY_task6b_1", 0.6)],
                                            "Xie_TAU": [("Xie_TAU_task6b_1", 0.3)]},
                                 n_files=20)
    output = next(uploads.rglob("Roe_CompY_task6b_1.output.csv"))
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    output.write_text("".join(lines[:1] + lines[3:]), encoding="utf-8")  # two missing queries
    code, out, err = cli("rank", uploads, "--gt", gt, "--out", tmp_path / "results",
                         "--baseline", "Xie_TAU_task6b_1", "--lenient", "--rounds", "99",
                         "--bootstrap-rankings", "0")
    assert code == 0, out + err
    rows = {line.split("│")[3].strip(): line for line in out.splitlines()
            if line.startswith("│")}
    assert {"Doe_UniX_task6b_1", "Roe_CompY_task6b_1 †", "Xie_TAU_task6b_1 (Baseline)"} \
        <= set(rows), rows
    assert "† scored under the lenient policy" in out
    code, out, err = cli("rank", uploads, "--gt", gt, "--out", tmp_path / "strict",
                         "--rounds", "99", "--bootstrap-rankings", "0")
    assert code == 0 and "†" not in out and "(Baseline)" not in out, out + err

"""`validate` on a team package (a folder or a zip) ends with one line per system (label,
verdict, error and warning counts) and the package's verdict on the last line; no summary of a
single file comes first where it would read as the package's verdict."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import run_cli
from .organizer_data import make_gt, system_rankings, write_system, zip_folder


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three systems: one valid, one missing three queries, one with a broken meta figure."""
    tmp = tmp_path_factory.mktemp("package_summary")
    gt_path = make_gt(tmp, n_files=30, seed=3)
    gt = load_ground_truth(gt_path)
    pkg = tmp / "Doe_UniX"
    write_system(pkg, gt, "Doe_UniX_task6b_1", 0.7, seed=1)
    output = write_system(pkg, gt, "Doe_UniX_task6b_2", 0.7, seed=2)
    write_topk_csv(output, system_rankings(gt, 0.5, seed=2)[:-3])
    write_system(pkg, gt, "Doe_UniX_task6b_3", 0.7, seed=3, total_parameters="many")
    good = tmp / "Good_UniY"
    for i in (1, 2):
        write_system(good, gt, f"Good_UniY_task6b_{i}", 0.6, seed=10 + i)
    return {"gt": gt_path, "folder": pkg, "zip": zip_folder(pkg, tmp / "Doe_UniX.zip"),
            "good": good}


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_one_line_per_system_and_the_package_verdict_last(team: dict[str, Path],
                                                           form: str) -> None:
    proc = run_cli("validate", team[form], "--gt", team["gt"])
    assert proc.returncode == 1
    lines = _lines(proc.stdout)
    assert lines[-4:-1] == [
        "Doe_UniX_task6b_1 valid 0 error(s), 0 warning(s); 150 rows for 150 queries",
        "Doe_UniX_task6b_2 INVALID 3 error(s), 0 warning(s); 147 rows for 150 queries",
        "Doe_UniX_task6b_3 INVALID 1 error(s), 0 warning(s); 150 rows for 150 queries",
    ]
    assert re.fullmatch(r".*Doe_UniX(\.zip)?: INVALID package - 2 of 3 system\(s\) invalid; "
                        r"4 error\(s\), 0 warning\(s\) in all; scored at depth 10", lines[-1])
    # no "valid - 0 error(s)" summary of the package's own files before the systems
    assert not any(re.search(r": valid - 0 error\(s\)", line) for line in lines)
    assert "Q301" in proc.stdout and "P704" in proc.stdout


def test_a_valid_package_says_so_last(team: dict[str, Path]) -> None:
    proc = run_cli("validate", team["good"], "--gt", team["gt"])
    assert proc.returncode == 0, proc.stdout
    lines = _lines(proc.stdout)
    assert lines[-3].startswith("Good_UniY_task6b_1 valid 0 error(s)")
    assert lines[-2].startswith("Good_UniY_task6b_2 valid 0 error(s)")
    assert lines[-1].endswith("Good_UniY: valid package - 0 of 2 system(s) invalid; 0 error(s), "
                              "0 warning(s) in all; scored at depth 10")


def test_package_level_findings_have_their_own_line(team: dict[str, Path],
                                                    tmp_path: Path) -> None:
    gt = load_ground_truth(team["gt"])
    pkg = tmp_path / "Roe_UniZ"
    write_system(pkg, gt, "Roe_UniZ_task6b_1", 0.6, seed=21)
    for pdf in pkg.glob("*.pdf"):
        pdf.unlink()  # no technical report: one P727 warning for the package
    proc = run_cli("validate", pkg, "--gt", team["gt"])
    assert proc.returncode == 0, proc.stdout
    lines = _lines(proc.stdout)
    assert lines[-2] == "(package layout and reports) 0 error(s), 1 warning(s)"
    assert lines[-1].endswith("valid package - 0 of 1 system(s) invalid; 0 error(s), "
                              "1 warning(s) in all; scored at depth 10")


def test_the_json_report_counts_each_systems_meta_findings(team: dict[str, Path]) -> None:
    proc = run_cli("validate", team["folder"], "--gt", team["gt"], "--format", "json")
    assert proc.returncode == 1
    systems = {s["label"]: s for s in json.loads(proc.stdout)["systems"]}
    assert systems["Doe_UniX_task6b_3"]["counts"] == {"P704": 1}
    assert systems["Doe_UniX_task6b_1"]["counts"] == {}
    assert systems["Doe_UniX_task6b_2"]["validation"]["counts"] == {"Q301": 3}


def test_a_system_missing_a_file_is_invalid_on_its_line(team: dict[str, Path],
                                                        tmp_path: Path) -> None:
    gt = load_ground_truth(team["gt"])
    pkg = tmp_path / "Poe_UniW"
    write_system(pkg, gt, "Poe_UniW_task6b_1", 0.6, seed=31).unlink()  # meta, no output
    output = write_system(pkg, gt, "Poe_UniW_task6b_2", 0.6, seed=32)
    output.with_name("Poe_UniW_task6b_2.meta.yaml").unlink()  # output, no meta
    proc = run_cli("validate", pkg, "--gt", team["gt"])
    assert proc.returncode == 1
    lines = _lines(proc.stdout)
    assert lines[-4] == "Poe_UniW_task6b_1 INVALID (no output, P703) 0 error(s), 0 warning(s)"
    assert lines[-3].startswith("Poe_UniW_task6b_2 INVALID (no meta file, P702) 0 error(s)")
    assert lines[-2] == "(package layout and reports) 2 error(s), 0 warning(s)"
    assert lines[-1].endswith("INVALID package - 2 of 2 system(s) invalid; 2 error(s), "
                              "0 warning(s) in all; scored at depth 10")

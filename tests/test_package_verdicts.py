"""Team packages as the DCASE templates and real teams build them: a package without its
technical report, and a system for another DCASE task bundled with the retrieval ones."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth

from .conftest import run_cli
from .organizer_data import make_gt, write_system


def _validate(pkg: Path, gt: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = run_cli("validate", pkg, "--gt", gt, "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def test_a_package_without_its_report_is_one_warning_and_shown_on_the_page(
        tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=30, seed=3)
    gt = load_ground_truth(gt_path)
    pkg = tmp_path / "uploads" / "Doe_UniX"
    for i in (1, 2):
        write_system(pkg, gt, f"Doe_UniX_task6b_{i}", 0.6 + 0.1 * i, seed=i)
    for pdf in pkg.glob("*.pdf"):
        pdf.unlink()
    code, doc = _validate(pkg, gt_path)
    assert code == 0, doc
    found = [f["code"] for f in doc["package"]["findings"]]
    assert found == ["P727"]  # once for the package, not once per system
    assert "technical report" in doc["package"]["findings"][0]["message"]
    out = tmp_path / "results"
    proc = run_cli("rank", tmp_path / "uploads", "--gt", gt_path, "--out", out,
                   "--rounds", "200")
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "no report (P727)" in page


def test_a_system_for_another_task_stops_at_its_verdict(tmp_path: Path) -> None:
    """A task-4 system in the package: one P724, one P728 saying its output was not checked,
    and none of the thousands of query and file findings its CSV would give."""
    gt_path = make_gt(tmp_path, n_files=30, seed=4)
    gt = load_ground_truth(gt_path)
    pkg = tmp_path / "Doe_UniX"
    write_system(pkg, gt, "Doe_UniX_task6b_1", 0.7, seed=1)
    sed = pkg / "task4" / "Doe_UniX_task4_1"
    sed.mkdir(parents=True)
    with open(sed / "Doe_UniX_task4_1.output.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerows([f"clip_{i}.wav", f"{i}.0", f"{i + 1}.5", "Speech"]
                         for i in range(500))  # a sound event detection output
    (sed / "Doe_UniX_task4_1.meta.yaml").write_text(
        (pkg / "task6b" / "Doe_UniX_task6b_1" / "Doe_UniX_task6b_1.meta.yaml").read_text(
            encoding="utf-8").replace("Doe_UniX_task6b_1", "Doe_UniX_task4_1"),
        encoding="utf-8")
    code, doc = _validate(pkg, gt_path)
    assert code == 1
    systems = {s["label"]: s for s in doc["systems"]}
    assert systems["Doe_UniX_task4_1"]["validation"] is None
    assert systems["Doe_UniX_task6b_1"]["validation"]["valid"]
    package = [f["code"] for f in doc["package"]["findings"]]
    assert "P728" in package and "P724" in package
    assert not any(c.startswith(("Q", "A", "C")) for c in package)
    p728 = next(f for f in doc["package"]["findings"] if f["code"] == "P728")
    assert "task4" in p728["message"] and "not checked" in p728["message"]

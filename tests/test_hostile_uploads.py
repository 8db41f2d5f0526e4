"""One hostile upload never stops the others: packages and data folders nested a
thousand deep, special files where packages are expected, and published data with empty fields.

Every case runs through the CLI (`run_cli`, a subprocess, so the Python recursion limit and the
exit codes are the real ones) or the public API, on generated data.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import run_cli
from .organizer_data import make_challenge
from .test_tau_relevances import _dataset

DEEP = 1_300
FAST = ("--rounds", "50", "--bootstrap-rankings", "0")


def _deep_folder(base: Path, levels: int) -> Path:
    """`base/d/d/.../d` `levels` deep, made with relative steps (the full path would be too
    long for one system call)."""
    here = os.getcwd()
    try:
        os.makedirs(base, exist_ok=True)
        os.chdir(base)
        for _ in range(levels):
            os.mkdir("d")
            os.chdir("d")
        Path("deep.txt").write_text("x")
    finally:
        os.chdir(here)
    return base


def _remove_deep(base: Path) -> None:
    """Remove a deep tree without recursion (shutil.rmtree, and so pytest's own clean-up of
    old temporary folders, recurse once per level and fail at this depth)."""
    for root, dirs, files in _walk_bottom_up(base):
        for name in files:
            os.unlink(os.path.join(root, name))
        for name in dirs:
            os.rmdir(os.path.join(root, name))


def _walk_bottom_up(base: Path) -> list[tuple[str, list[str], list[str]]]:
    levels: list[tuple[str, list[str], list[str]]] = []
    stack = [str(base)]
    while stack:
        here = stack.pop()
        dirs, files = [], []
        for entry in os.scandir(here):
            (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        levels.append((here, dirs, files))
        stack.extend(os.path.join(here, d) for d in dirs)
    return levels[::-1]


@pytest.fixture(autouse=True)
def _no_deep_leftovers(tmp_path: Path) -> Iterator[None]:
    yield
    _remove_deep(tmp_path)


def _challenge(root: Path) -> tuple[Path, Path]:
    return make_challenge(root, {"Doe_Uni": [("Doe_Uni_task6b_1", 0.8)],
                                 "Roe_Inst": [("Roe_Inst_task6b_1", 0.5)]},
                          zipped=["Roe_Inst"])


def test_a_package_folder_nested_1300_deep_is_checked(tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path)
    _deep_folder(uploads / "pkg00" / "junk", DEEP)
    proc = run_cli("validate", uploads / "pkg00", "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    codes = [f["code"] for f in doc["package"]["findings"]]
    assert "P708" in codes and "P714" not in codes
    assert any("folders deep" in f["message"] for f in doc["package"]["findings"])
    assert doc["systems"][0]["validation"]["valid"]
    proc = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    ranked = json.loads((tmp_path / "out" / "results.json").read_text())["systems"]
    assert {s["label"] for s in ranked} == {"Doe_Uni_task6b_1", "Roe_Inst_task6b_1"}


def test_a_zip_member_nested_1300_deep_is_skipped_not_a_bad_zip(
        tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path)
    with zipfile.ZipFile(uploads / "pkg01.zip", "a") as zf:
        zf.writestr("d/" * DEEP + "deep.txt", "x")
    proc = run_cli("validate", uploads / "pkg01.zip", "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    findings = doc["package"]["findings"]
    assert [f["code"] for f in findings] == ["P708"], findings
    assert f"nested {DEEP} folders deep" in findings[0]["message"]
    proc = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    ranked = json.loads((tmp_path / "out" / "results.json").read_text())["systems"]
    assert "Roe_Inst_task6b_1" in {s["label"] for s in ranked}


def test_convert_tau_on_a_folder_nested_1300_deep(tmp_path: Path) -> None:
    _dataset(tmp_path / "tau", nested=True)
    _deep_folder(tmp_path / "tau" / "deep", DEEP)
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", tmp_path / "graded.csv")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "graded.csv").is_file()
    # a partial folder: the missing file is a usage error, not a crash
    (tmp_path / "tau" / "data" / "text_data" / "evaluation_text.csv").unlink()
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", tmp_path / "other.csv")
    assert proc.returncode == 2, proc.stderr
    assert "evaluation_text.csv" in proc.stderr and not (tmp_path / "other.csv").exists()


def _edit(path: Path, column: str, row: int, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_convert_tau_reports_an_empty_caption_and_writes_no_empty_field(
        tmp_path: Path) -> None:
    _dataset(tmp_path)
    _edit(tmp_path / "evaluation_text.csv", "text", 7, "  ")
    proc = run_cli("convert", "tau-relevances", tmp_path, tmp_path / "graded.csv")
    assert proc.returncode == 0, proc.stderr
    assert "G602" in proc.stdout
    with open(tmp_path / "graded.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(cell.strip() for row in rows for cell in row)
    assert len(rows) - 1 == 11 * 17  # the 12th caption's 17 ratings are left out


def test_convert_tau_refuses_an_empty_file_name(tmp_path: Path) -> None:
    _dataset(tmp_path)
    _edit(tmp_path / "evaluation_audio_metadata.csv", "file_name", 3, "")
    proc = run_cli("convert", "tau-relevances", tmp_path, tmp_path / "graded.csv")
    assert proc.returncode == 1, proc.stderr
    assert "C206" in proc.stdout and "file_name" in proc.stdout
    assert not (tmp_path / "graded.csv").exists()


def test_a_400_digit_result_figure_is_a_finding_and_the_others_are_ranked(
        tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path)
    (meta,) = (uploads / "pkg00").rglob("*.meta.yaml")
    text = meta.read_text(encoding="utf-8")
    assert "mAP@10: 0.31" in text
    meta.write_text(text.replace("mAP@10: 0.31", "mAP@10: " + "9" * 400), encoding="utf-8")
    proc = run_cli("validate", uploads / "pkg00", "--gt", gt, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (finding,) = [f for f in json.loads(proc.stdout)["package"]["findings"]
                  if f["code"] == "P704"]
    assert "not a finite non-negative number" in finding["message"]
    assert len(finding["message"]) < 300
    proc = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    ranked = json.loads((tmp_path / "out" / "results.json").read_text())["systems"]
    assert "Roe_Inst_task6b_1" in {s["label"] for s in ranked}

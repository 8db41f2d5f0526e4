"""Named pipes among the uploads: never opened (open() would wait for a writer for ever), each
reported, and every other team still ranked. Each run has a short timeout, so a regression
fails instead of hanging the suite."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dcase_retrieval_eval.findings import FindingLog
from dcase_retrieval_eval.formats.meta import load_meta
from dcase_retrieval_eval.formats.package import open_package

from .conftest import run_cli
from .organizer_data import make_challenge

TIMEOUT = 120
LABEL = "A_T_task6b_1"

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def _rank(uploads: Path, gt: Path, out: Path) -> dict:
    result = run_cli("rank", uploads, "--gt", gt, "--out", out, "--rounds", "50",
                     "--bootstrap-rankings", "0", "--quiet", timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_a_pipe_named_like_a_zip_package_is_rejected_and_the_rest_ranked(
        tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"A_T": [(LABEL, 0.7)]}, seed=2)
    os.mkfifo(uploads / "B_T_task6b.zip")
    doc = _rank(uploads, gt, tmp_path / "out")
    assert [s["label"] for s in doc["systems"]] == [LABEL]
    [rejected] = doc["rejected"]
    assert rejected["source"] == "B_T_task6b.zip" and rejected["codes"] == {"P707": 1}
    assert "P707" in rejected["reason"]


def test_a_pipe_as_a_manifest_entry_is_rejected_as_not_a_regular_file(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"A_T": [(LABEL, 0.7)]}, seed=2)
    fifo = tmp_path / "B_1.output.csv"
    os.mkfifo(fifo)
    manifest = tmp_path / "manifest.csv"
    real = next(uploads.rglob(f"{LABEL}.output.csv"))
    manifest.write_text(f"system,team,path\nA_1,A,{real}\nB_1,B,{fifo}\n", encoding="utf-8")
    doc = _rank(manifest, gt, tmp_path / "out")
    assert [s["label"] for s in doc["systems"]] == ["A_1"]
    [rejected] = doc["rejected"]
    assert rejected["label"] == "B_1" and "not a regular file" in rejected["reason"]


@pytest.mark.parametrize("name", [f"{LABEL}.meta.yaml", f"{LABEL}.output.csv",
                                  "A_T_task6b.technical_report.pdf"])
def test_a_pipe_inside_a_package_folder_is_skipped_and_reported(tmp_path: Path,
                                                                 name: str) -> None:
    """A pipe in place of one of a package's files: the package is checked without reading it
    (`validate` on the folder ends, with the pipe reported)."""
    gt, uploads = make_challenge(tmp_path, {"A_T": [(LABEL, 0.7)]}, seed=2)
    package = uploads / "pkg00"
    target = next(package.rglob(name))
    target.unlink()
    os.mkfifo(target)
    result = run_cli("validate", package, "--gt", gt, timeout=TIMEOUT)
    assert result.returncode in (0, 1), result.stderr
    assert "not a regular file" in result.stdout + result.stderr


@pytest.mark.timeout(60, method="signal")
def test_the_readers_refuse_a_pipe_without_blocking(tmp_path: Path) -> None:
    """The meta reader and the zip opener, called directly on a pipe (a name swapped for a pipe
    after the folder was listed): a finding, never a wait. No writer ever opens these pipes, so
    a blocking open() would wait until the timeout fails the test."""
    meta = tmp_path / f"{LABEL}.meta.yaml"
    os.mkfifo(meta)
    log = FindingLog("pkg")
    assert load_meta(meta, log, display=meta.name) is None
    assert log.has("P704") and "not a regular file" in log.sorted()[0].message
    archive = tmp_path / "Team_task6b.zip"
    os.mkfifo(archive)
    with open_package(archive) as pkg:
        assert pkg.log.has("P707") and "not a regular file" in pkg.log.sorted()[0].message

"""SIGTERM (`timeout`, `kill`, `docker stop`) ends a run as Ctrl-C does: everything it made is
cleaned up, "terminated" is said, the exit code is 143. Extraction folders of processes that
were killed outright (SIGKILL: no clean-up possible) are removed by the next run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dcase_retrieval_eval.formats.package import EXTRACT_PREFIX
from dcase_retrieval_eval.io.outlock import LOCK_NAME
from dcase_retrieval_eval.report.results_dir import RECORD

from .conftest import run_cli
from .organizer_data import make_challenge
from .paused_cli import PausedRun

LABEL = "Ab_TAU_task6b_1"
FAST = ("--rounds", "50", "--bootstrap-rankings", "0", "--quiet")


@pytest.fixture
def zipped(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(ground truth, uploads folder holding one zip package, a private $TMPDIR)."""
    gt, uploads = make_challenge(tmp_path / "c", {"Ab_TAU": [(LABEL, 0.7)]}, seed=5,
                                 zipped=["Ab_TAU"])
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    return gt, uploads, tmpdir


def _extractions(tmpdir: Path) -> list[Path]:
    return sorted(p for p in tmpdir.iterdir() if p.name.startswith(EXTRACT_PREFIX))


def _results(out: Path) -> dict[Path, bytes]:
    """Every file of a results folder but the lock file (which holds the last run's pid)."""
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME}


def _terminate_after(run: PausedRun) -> tuple[int, str]:
    run.wait_paused()
    run.proc.send_signal(signal.SIGTERM)
    code, _, err = run.finish(timeout=120)
    return code, err


def test_sigterm_during_validate_of_a_zip_removes_the_extracted_package(
        zipped: tuple[Path, Path, Path], tmp_path: Path) -> None:
    gt, uploads, tmpdir = zipped
    package = next(uploads.glob("*.zip"))
    run = PausedRun(tmp_path, "dcase_retrieval_eval.formats.package", "_extract_zip",
                    "validate", package, "--gt", gt, env={"TMPDIR": str(tmpdir)})
    run.wait_paused()
    [folder] = _extractions(tmpdir)  # extracted and held: the package is on disk
    assert str(run.proc.pid) in folder.name and any(folder.rglob("*.output.csv"))
    run.proc.send_signal(signal.SIGTERM)
    code, _, err = run.finish(timeout=120)
    assert code == 143 and "terminated" in err
    assert _extractions(tmpdir) == []


def test_sigterm_during_rank_removes_the_extraction_and_writes_nothing(
        zipped: tuple[Path, Path, Path], tmp_path: Path) -> None:
    gt, uploads, tmpdir = zipped
    out = tmp_path / "out"
    run = PausedRun(tmp_path, "dcase_retrieval_eval.formats.package", "_extract_zip",
                    "rank", uploads, "--gt", gt, "--out", out, *FAST,
                    env={"TMPDIR": str(tmpdir)})
    code, err = _terminate_after(run)
    assert code == 143 and "terminated" in err
    assert _extractions(tmpdir) == []
    assert not out.exists()  # the folder it had made for its lock is gone too


def test_sigterm_while_rank_writes_keeps_the_previous_results(
        zipped: tuple[Path, Path, Path], tmp_path: Path) -> None:
    gt, uploads, tmpdir = zipped
    out = tmp_path / "out"
    assert run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST).returncode == 0
    before = _results(out)
    run = PausedRun(tmp_path, "dcase_retrieval_eval.report.results_dir", "write_per_query_csv",
                    "rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "3",
                    env={"TMPDIR": str(tmpdir)})
    code, err = _terminate_after(run)
    assert code == 143 and "terminated" in err
    assert _results(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging.")]


def test_an_extraction_folder_of_a_dead_process_is_removed_by_the_next_run(
        zipped: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    gt, uploads, tmpdir = zipped
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmpdir / f"{EXTRACT_PREFIX}{gone.pid}-0a1b2c3d"
    live = tmpdir / f"{EXTRACT_PREFIX}{os.getpid()}-0a1b2c3d"  # this test process runs
    foreign = tmpdir / f"{EXTRACT_PREFIX}abcdefgh"  # not named by this toolkit's pattern
    for folder in (dead, live, foreign):
        (folder / "task6b").mkdir(parents=True)
        (folder / "task6b" / "big.output.csv").write_bytes(b"x" * 1000)
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    result = run_cli("validate", next(uploads.glob("*.zip")), "--gt", gt)
    assert result.returncode in (0, 1), result.stderr
    assert set(_extractions(tmpdir)) == {foreign, live}


def test_ctrl_c_still_ends_with_130(zipped: tuple[Path, Path, Path], tmp_path: Path) -> None:
    gt, uploads, tmpdir = zipped
    run = PausedRun(tmp_path, "dcase_retrieval_eval.formats.package", "_extract_zip",
                    "validate", next(uploads.glob("*.zip")), "--gt", gt,
                    env={"TMPDIR": str(tmpdir)})
    run.wait_paused()
    run.proc.send_signal(signal.SIGINT)
    code, _, err = run.finish(timeout=120)
    assert code == 130 and "interrupted" in err
    assert _extractions(tmpdir) == []


def test_demo_removes_the_temporary_folder_of_a_killed_demo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f"dcase-eval-demo-{gone.pid}-0a1b2c3d"
    (dead / "systems").mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert not dead.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("dcase-eval-demo-")]


def test_sigterm_while_rank_moves_its_files_into_place_waits_until_all_are(
        zipped: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """The moment the staged files are renamed into OUT, signals are held back: a SIGTERM sent
    after the first rename still lets the run publish its whole set, then ends it (143)."""
    gt, uploads, tmpdir = zipped
    out = tmp_path / "out"
    assert run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST).returncode == 0
    run = PausedRun(tmp_path, "dcase_retrieval_eval.report.results_dir", "move_into_place",
                    "rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "3",
                    env={"TMPDIR": str(tmpdir)})
    run.wait_paused()
    run.proc.send_signal(signal.SIGTERM)
    run.resume()
    code, _, err = run.finish(timeout=120)
    assert code == 143 and "terminated" in err
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    stamp = f"Generated: {doc['provenance']['generated']}"
    assert doc["seed"] == 3  # the new run's files, all of them (the old run's stamp differs)
    assert all(stamp in (out / name).read_text(encoding="utf-8")
               for name in ("results.md", "results.tex"))
    recorded = json.loads((out / RECORD).read_text(encoding="utf-8"))["files"]
    assert all((out / f["path"]).stat().st_size == f["size"] for f in recorded)
    assert not [p for p in out.iterdir() if p.name.startswith(".staging.")]

"""Two runs on one output at once: `rank --out OUT` takes OUT's lock (a second run refuses,
exit 2, naming the holder), a run's files reach OUT together or not at all, and temporaries of
dead runs are cleaned while those of live runs are left alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dcase_retrieval_eval.io.outlock import LOCK_NAME, output_lock
from dcase_retrieval_eval.report.results_dir import RECORD

from .conftest import run_cli
from .organizer_data import make_challenge
from .paused_cli import PausedRun

TEAMS = {"Ab_TAU": [("Ab_TAU_task6b_1", 0.7), ("Ab_TAU_task6b_2", 0.5)],
         "Cd_UC": [("Cd_UC_task6b_1", 0.6)]}
FAST = ("--rounds", "50", "--bootstrap-rankings", "0", "--quiet")


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_challenge(tmp_path_factory.mktemp("c"), TEAMS, seed=4)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_held_lock_makes_rank_refuse_before_writing(challenge: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    gt, uploads = challenge
    out = tmp_path / "out"
    with output_lock(out):
        result = run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST)
        assert result.returncode == 2
        assert f"another dcase-eval run (pid {os.getpid()}) is writing" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
    again = run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST)  # released: it runs
    assert again.returncode == 0, again.stderr


def test_a_second_rank_refuses_while_the_first_is_running(challenge: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    gt, uploads = challenge
    out = tmp_path / "out"
    first = PausedRun(tmp_path, "dcase_retrieval_eval.challenge.ranking", "rank",
                      "rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "1")
    first.wait_paused()
    second = run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "2")
    assert second.returncode == 2 and "another dcase-eval run" in second.stderr
    assert f"pid {first.proc.pid}" in second.stderr
    first.resume()
    code, _, err = first.finish()
    assert code == 0, err
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["seed"] == 1
    recorded = {f["path"] for f in json.loads((out / RECORD).read_text())["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == recorded | {RECORD, LOCK_NAME}  # one run's files, all recorded


def test_a_run_killed_while_writing_leaves_the_previous_results_whole(
        challenge: tuple[Path, Path], tmp_path: Path) -> None:
    """Killed (SIGKILL, no clean-up possible) after staging one per-query file: OUT still
    holds the earlier run's complete set, byte for byte; the next run removes the dead run's
    staging folder and publishes its own set."""
    gt, uploads = challenge
    out = tmp_path / "out"
    assert run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME}
    run = PausedRun(tmp_path, "dcase_retrieval_eval.report.results_dir", "write_per_query_csv",
                    "rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "9")
    run.wait_paused()
    run.proc.send_signal(signal.SIGKILL)
    run.proc.communicate(timeout=60)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME
            and ".staging." not in p.as_posix()} == before
    [staging] = [p for p in out.iterdir() if p.name.startswith(".staging.")]
    assert str(run.proc.pid) in staging.name
    result = run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST, "--seed", "9")
    assert result.returncode == 0, result.stderr
    assert not staging.exists()
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["seed"] == 9


def test_a_stale_staging_folder_of_a_dead_run_is_removed_a_live_ones_kept(
        challenge: tuple[Path, Path], tmp_path: Path) -> None:
    gt, uploads = challenge
    out = tmp_path / "out"
    out.mkdir()
    dead = out / f".staging.{_dead_pid()}-0123abcd.dcase-eval-tmp"
    live = out / f".staging.{os.getpid()}-0123abcd.dcase-eval-tmp"
    for folder in (dead, live):
        (folder / "per_query").mkdir(parents=True)
        (folder / "per_query" / "x.csv").write_text("half written")
    assert run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST).returncode == 0
    assert not dead.exists() and (live / "per_query" / "x.csv").exists()


SYNTH = ("--clips-per-split", "2", "--min-seconds", "0.5", "--max-seconds", "0.5", "--quiet")


def _synth_temporaries(out: Path) -> list[Path]:
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.synth-"))


def test_a_second_synth_leaves_the_running_ones_folder_alone(tmp_path: Path) -> None:
    out = tmp_path / "challenge"
    first = PausedRun(tmp_path, "dcase_retrieval_baseline.synth", "_write_challenge",
                      "synth", out, *SYNTH)
    first.wait_paused()
    [live] = _synth_temporaries(out)
    assert str(first.proc.pid) in live.name
    second = run_cli("synth", out, *SYNTH, "--seed", "5")
    assert second.returncode == 2
    assert f"another synth run (pid {first.proc.pid}) is writing" in second.stderr
    assert live.is_dir() and (live / "clotho_captions_evaluation.csv").is_file()
    first.resume()
    code, _, err = first.finish()
    assert code == 0, err
    assert (out / "clotho_captions_evaluation.csv").is_file() and _synth_temporaries(out) == []


def test_synth_removes_the_temporary_folder_of_a_dead_run(tmp_path: Path) -> None:
    out = tmp_path / "challenge"
    dead = tmp_path / f".challenge.synth-{_dead_pid()}-0123abcd.tmp"
    (dead / "development").mkdir(parents=True)
    result = run_cli("synth", out, *SYNTH)
    assert result.returncode == 0, result.stderr
    assert not dead.exists() and (out / "development").is_dir()


def test_an_output_on_a_file_system_without_locks_is_still_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network mounts refuse flock (ENOLCK): the run goes ahead unlocked, not refused."""
    import errno
    import fcntl

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with output_lock(tmp_path / "out") as folder:
        assert (folder / LOCK_NAME).is_file()

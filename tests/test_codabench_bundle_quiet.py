"""`codabench bundle` shows its progress on a terminal like every long-running command, and
`--quiet` leaves only errors and notes: a script building bundles gets silence and an exit code."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from dcase_retrieval_eval.cli import codabench as cli_codabench

from .conftest import cli
from .organizer_data import make_gt

IMAGE = "docker.io/dcase/scorer:0.1.0"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw the progress as on a terminal, into the captured standard error."""
    from rich.console import Console

    monkeypatch.setattr(cli_codabench, "_progress_console",
                        lambda: Console(file=sys.stderr, force_terminal=True, width=100))


def _bundle(tmp_path: Path, name: str, *extra: str) -> tuple[int, str, str, Path]:
    gt = make_gt(tmp_path, n_files=40) if not (tmp_path / "gt.csv").exists() \
        else tmp_path / "gt.csv"
    out = tmp_path / name
    code, stdout, stderr = cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                               "--out", out, *extra)
    return code, stdout, stderr, out


def test_progress_on_a_terminal_and_the_summary(tmp_path: Path, terminal: None) -> None:
    code, stdout, stderr, out = _bundle(tmp_path, "loud.zip")
    assert code == 0, stdout + stderr
    assert "building the Codabench bundle" in stderr
    assert stdout.startswith(f"wrote {out}: edition 2022")
    assert zipfile.ZipFile(out).namelist()


def test_quiet_prints_nothing_but_notes(tmp_path: Path, terminal: None) -> None:
    code, stdout, stderr, out = _bundle(tmp_path, "quiet.zip", "--quiet", "--dev-fraction", "0.5")
    assert code == 0, stdout + stderr
    assert stdout == ""
    assert "building" not in stderr and "wrote" not in stderr
    assert "reference_data/final_ground_truth.csv" in zipfile.ZipFile(out).namelist()


def test_no_progress_off_a_terminal(tmp_path: Path) -> None:
    code, stdout, stderr, _ = _bundle(tmp_path, "plain.zip")
    assert code == 0 and "building" not in stderr and "\x1b" not in stdout + stderr


def test_quiet_still_reports_an_error(tmp_path: Path, terminal: None) -> None:
    code, stdout, stderr, out = _bundle(tmp_path, "bad.zip", "--quiet", "--title", "")
    assert code == 2 and "--title" in stderr and not out.exists()

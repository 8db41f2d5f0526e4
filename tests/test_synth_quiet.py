"""`synth --quiet`, like every long-running baseline command: no progress bar, only the
final line; on a terminal the bar is drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dcase_retrieval_eval.cli import baseline as cli_baseline
from dcase_retrieval_eval.cli.baseline import synth_command


def _synth(out: Path, *args: str) -> str:
    result = CliRunner().invoke(synth_command, [str(out), "--clips-per-split", "2",
                                                "--min-seconds", "1", "--max-seconds", "1",
                                                *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_synth_quiet_prints_only_the_summary(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    monkeypatch.setattr(cli_baseline, "_console",
                        lambda: Console(force_terminal=True, width=80, stderr=False))
    loud = _synth(tmp_path / "loud")
    assert "synth" in loud and "6/6" in loud  # the bar, on a terminal
    quiet = _synth(tmp_path / "quiet", "--quiet")
    assert quiet.splitlines() == [f"wrote 2 development, 2 validation, 2 evaluation clips "
                                  f"(0.1 min of audio) to {tmp_path / 'quiet'}"]
    assert (tmp_path / "quiet").is_dir()

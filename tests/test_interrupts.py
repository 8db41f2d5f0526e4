"""Ctrl-C in a core command, at any moment, is exit 130 with one line and no output file:
while the commands are still being imported, and while scoring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_ctrl_c_while_the_commands_import_exits_130_without_a_traceback() -> None:
    """Ctrl-C in the first tenth of a second, while click and pydantic are being imported, is
    the same interruption as later on: one line and exit 130. The interrupt is raised by an
    import hook at the moment click is imported, as the console script imports `run`."""
    script = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['dcase-eval', 'codes']\n"
        "from dcase_retrieval_eval.cli import run\n"
        "run()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 130
    assert done.stderr.strip() == "interrupted"
    assert "Traceback" not in done.stdout + done.stderr


def test_ctrl_c_in_a_core_command_exits_130_and_writes_nothing(
        sub_and_gt: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while scoring: exit 130 and one line, as in the baseline commands (click's own
    standalone mode would print "Aborted!" and exit 1), and no output file."""
    from dcase_retrieval_eval import api
    from dcase_retrieval_eval.cli import run

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "score", interrupted)
    sub, gt = sub_and_gt
    out = tmp_path / "scores.json"
    monkeypatch.setattr(sys, "argv", ["dcase-eval", "score", str(sub), "--gt", str(gt),
                                      "--output", str(out)])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    assert not out.exists()

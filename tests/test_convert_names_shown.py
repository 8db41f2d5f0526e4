"""`convert to-trec` names the run after the submission and prints the paths it wrote: a
submission file named with a terminal escape (retitle, recolour) has it escaped on the
terminal, as every other command shows such names, and the run's tag is percent-encoded."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import cli

NAME = "e\x1b]0;PWNED\x07\x1b[31m.csv"


def test_the_written_paths_are_printed_escaped(tmp_path: Path,
                                               sub_and_gt: tuple[Path, Path]) -> None:
    sub, gt = sub_and_gt
    hostile = tmp_path / NAME
    shutil.copy(sub, hostile)
    out = tmp_path / "trec"
    code, stdout, stderr = cli("convert", "to-trec", hostile, "--gt", gt, "--out", out)
    assert code == 0, stdout + stderr
    assert "\x1b" not in stdout + stderr and "\x07" not in stdout + stderr
    assert "e\\x1b]0;PWNED\\x07\\x1b[31m.run: 200 queries" in stdout
    run = next(out.glob("*.run")).read_text(encoding="utf-8")
    assert run.splitlines()[0].endswith(" e%1B]0;PWNED%07%1B[31m")

"""The README's main job: `dcase-eval demo` on built-in data."""

from __future__ import annotations

from pathlib import Path

from dcase_retrieval_eval import score, validate
from dcase_retrieval_eval.cli.demo import make_challenge
from tests.conftest import run_cli


def test_demo_command_prints_graded_table(tmp_path: Path) -> None:
    proc = run_cli("demo", "--out", tmp_path / "demo")
    assert proc.returncode == 0, proc.stderr
    for label in ("strong", "medium", "weak", "random", "broken"):
        assert label in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_demo_systems_are_graded_and_broken_is_invalid(tmp_path: Path) -> None:
    gt, systems = make_challenge(tmp_path, n_files=60, seed=3)
    maps = [score(p, gt).metrics["mAP@10"].value for p in systems[:3]]
    assert maps[0] > maps[1] > maps[2] > 0
    broken = validate(systems[-1], gt)
    assert not broken.valid
    assert set(broken.counts) == {"A401", "C204", "Q301", "Q303"}

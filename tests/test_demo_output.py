"""`demo --out DIR` never replaces a user's files: a non-empty folder is
refused as `synth` refuses one, before anything is written."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_cli


def test_demo_refuses_a_non_empty_out_folder(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "gt.csv").write_text("my own ground truth\n")
    (out / "notes.txt").write_text("keep me\n")
    proc = run_cli("demo", "--out", out, "--queries", "20")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "is not empty" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["gt.csv", "notes.txt"]
    assert (out / "gt.csv").read_text() == "my own ground truth\n"


def test_demo_writes_into_a_new_or_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "new"):
        proc = run_cli("demo", "--out", out, "--queries", "20")
        assert proc.returncode == 0, proc.stderr
        assert (out / "gt.csv").is_file()

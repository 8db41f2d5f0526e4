"""`dcase-eval demo` names a folder only when it keeps it (`--keep DIR`), and its `--queries`
help says what the number counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli


def test_demo_without_keep_names_no_folder_and_leaves_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's temporary folder goes into its own TMPDIR, so a demo run by another test at
    the same time cannot be mistaken for a leftover."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    proc = run_cli("demo", "--queries", "20")
    assert proc.returncode == 0, proc.stderr
    assert "in a temporary folder, removed at the end (--keep DIR keeps it)" in proc.stdout
    assert "dcase-eval-demo-" not in proc.stdout
    assert list(tmp.iterdir()) == []


def test_demo_keep_dir_keeps_and_names_it(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    proc = run_cli("demo", "--keep", kept, "--queries", "20")
    assert proc.returncode == 0, proc.stderr
    assert f"in {kept}" in " ".join(proc.stdout.split())
    assert (kept / "gt.csv").is_file() and (kept / "broken.output.csv").is_file()
    assert len(list(kept.glob("*.output.csv"))) == 5


def test_demo_queries_help_says_clips_and_captions() -> None:
    proc = run_cli("demo", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert re.search(r"--queries N\s+Size of the synthetic set: N audio clips with 5 captions "
                     r"each, so 5N queries\.", text), text
    assert "--keep, --out DIR" in text and "Audio files" not in text

"""Shared fixtures: the organizers' reference files and a CLI runner that needs no install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"


def reference_dir(name: str) -> Path:
    """A folder of ../shared/reference; skips when absent, but fails under CI."""
    path = SHARED / name
    if not path.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"reference data {path} is missing and CI=true: it must be beside the "
                        "project (../shared/reference)")
        pytest.skip(f"reference data {path} is absent (it lives in ../shared/reference)")
    return path


@pytest.fixture
def ref2022() -> Path:
    return reference_dir("dcase2022-baseline")


@pytest.fixture
def ref2025() -> Path:
    return reference_dir("dcase2025-dev-eval")


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `dcase-eval` as a subprocess from this checkout, installed or not."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "dcase_retrieval_eval", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=600,
    )

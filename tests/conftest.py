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


def check_no_crash(code: int, stdout: str, stderr: str, args: object) -> None:
    """Fail the test when a CLI run crashed: exit 3 (internal error) or a traceback. The CLI
    promises neither on any input, so every run of the suite checks it."""
    if code == 3 or "Traceback (most recent call last)" in stdout + stderr:
        pytest.fail(f"the CLI crashed (exit {code}) on {args!r}:\n{stderr[-3000:]}")


def run_cli(*args: str | Path, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `dcase-eval` as a subprocess from this checkout, installed or not. `timeout` is a
    safety net against hangs, sized for a busy 2-core machine, not a speed target."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "dcase_retrieval_eval", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=timeout,
    )
    check_no_crash(proc.returncode, proc.stdout, proc.stderr, args)
    return proc


@pytest.fixture(autouse=True)
def _no_crash_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check for commands run in-process with click's CliRunner: an exception that is
    not a clean exit is what the entry point would turn into exit 3."""
    from click.testing import CliRunner, Result

    invoke = CliRunner.invoke

    def checked(self: CliRunner, *args: object, **kwargs: object) -> Result:
        result = invoke(self, *args, **kwargs)  # type: ignore[arg-type]
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            pytest.fail(f"the CLI raised {type(exc).__name__}: {exc} on {args!r}")
        check_no_crash(result.exit_code, result.stdout, result.stderr if
                       result.stderr_bytes is not None else "", args)
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)

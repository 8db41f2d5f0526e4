"""Shared fixtures and helpers: the organizers' reference files, the CLI run in-process
(`cli`) or as a subprocess that needs no install (`run_cli`), and the small data sets several
test files start from (the builders themselves are in `tests/builders.py`)."""

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


def cli(*args: str | Path, input: str | None = None) -> tuple[int, str, str]:
    """Run `dcase-eval ARGS` in this process with click's runner (fast); returns (exit code,
    stdout, stderr). A crash fails the test (see `_no_crash_in_process`)."""
    from click.testing import CliRunner

    from dcase_retrieval_eval.cli.main import main

    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to show that a command changed nothing."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_page_example(page: str, name: str) -> tuple[str, str]:
    """Run the ```python NAME block of docs/PAGE in a fresh interpreter of this checkout and
    return (what it printed, the ```text NAME-output block the page shows after it)."""
    import re

    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    code = re.search(rf"```python {re.escape(name)}\n(.*?)```", text, re.S)
    shown = re.search(rf"```text {re.escape(name)}-output\n(.*?)```", text, re.S)
    assert code and shown, f"docs/{page} has no {name} example with its output"
    proc = subprocess.run([sys.executable, "-c", code.group(1)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, shown.group(1)


@pytest.fixture
def gt(tmp_path: Path) -> Path:
    """The findings tests' ground truth: 12 Clotho files x 5 captions (`builders.gt_rows`)."""
    from .builders import gt_file, gt_rows

    return gt_file(tmp_path, gt_rows())


@pytest.fixture
def sub_and_gt(tmp_path: Path) -> tuple[Path, Path]:
    """A valid top-10 submission and its 40-file Clotho ground truth (`organizer_data`)."""
    from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
    from dcase_retrieval_eval.formats.submission import write_topk_csv

    from .organizer_data import make_gt, system_rankings

    gt_path = make_gt(tmp_path, n_files=40, seed=1)
    sub = tmp_path / "sub.csv"
    write_topk_csv(sub, system_rankings(load_ground_truth(gt_path), 0.7, seed=2))
    return sub, gt_path


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

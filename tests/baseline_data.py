"""A tiny challenge and a tiny recipe for the baseline's hardening tests (seconds, not minutes)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from dcase_retrieval_eval.cli.baseline import baseline_group, synth_command

from .conftest import snapshot  # noqa: F401  (the baseline tests import it from here)

TINY_YAML = """\
model: {conv_channels: [4, 4, 8, 8, 8], gru_hidden: 8, embed_dim: 16}
text: {vector_size: 16, epochs: 5}
train: {batch_size: 8, max_epochs: 2, threads: 1}
"""
SIZES = "6,3,12"


def run_baseline(*args: str | Path) -> Result:
    """`dcase-eval baseline ARGS` in this process (click's runner; stderr is in .output)."""
    return CliRunner().invoke(baseline_group, [str(a) for a in args])


def run_synth(*args: str | Path) -> Result:
    return CliRunner().invoke(synth_command, [str(a) for a in args])


def make_challenge(root: Path) -> Path:
    data = root / "challenge"
    result = run_synth(data, "--clips-per-split", SIZES, "--seed", "2", "--min-seconds", "1",
                       "--max-seconds", "1.5")
    assert result.exit_code == 0, result.output
    return data


def tiny_config(root: Path, extra: str = "") -> Path:
    path = root / "tiny.yaml"
    path.write_text(TINY_YAML + extra, encoding="utf-8")
    return path


def copy_tree(src: Path, dst: Path) -> Path:
    """A copy keeping modification times, so the feature cache stays valid."""
    shutil.copytree(src, dst)
    return dst


def one_line_error(result: Result, code: int = 2) -> str:
    """The single `error:` line of a refused command; fails on tracebacks and multi-line text."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output and "warnings.warn" not in result.output
    return errors[0]

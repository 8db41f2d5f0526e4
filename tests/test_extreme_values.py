"""Extreme but valid values give a number or a usage error, never a crash or NaN (relevance
grades near the float maximum, phase dates near year 9999), through the CLI and the public API
on generated data."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import score

from .conftest import run_cli
from .organizer_data import make_gt

FILES = [f"clip_{i}.wav" for i in range(12)]


def _graded(tmp_path: Path, top: float) -> tuple[Path, Path]:
    """A graded ground truth whose grades reach `top`, and a submission ranking the files."""
    rng = np.random.default_rng(14)
    gt = tmp_path / "graded.csv"
    sub = tmp_path / "sub.csv"
    with open(gt, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["query", "file_name", "relevance"])
        for q in range(6):
            for j, name in enumerate(rng.choice(FILES, 5, replace=False)):
                w.writerow([f"query {q}", name, repr(top / (j + 1))])
    with open(sub, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["caption", *[f"file_name_{i}" for i in range(1, 11)]])
        for q in range(6):
            w.writerow([f"query {q}", *rng.choice(FILES, 10, replace=False)])
    return gt, sub


def test_ndcg_of_grades_near_the_float_maximum_is_finite_and_scale_free(
        tmp_path: Path) -> None:
    huge_gt, sub = _graded(tmp_path, 1.7e308)
    small = tmp_path / "small"
    small.mkdir()
    small_gt, _ = _graded(small, 1.7)
    with _no_warning():
        huge = score(sub, huge_gt, edition="graded").metrics["nDCG@10"]
    ref = score(sub, small_gt, edition="graded").metrics["nDCG@10"]
    assert math.isfinite(huge.value) and 0 < huge.value <= 1
    assert huge.value == pytest.approx(ref.value, abs=1e-12)
    proc = run_cli("score", sub, "--gt", huge_gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "RuntimeWarning" not in proc.stderr and "overflow" not in proc.stderr
    assert json.loads(proc.stdout)["metrics"]["nDCG@10"]["value"] == pytest.approx(ref.value)


class _no_warning:
    """Fails on any NumPy warning (overflow, invalid value) inside the block."""

    def __enter__(self) -> None:
        self._old = np.seterr(all="raise")

    def __exit__(self, *exc: object) -> None:
        np.seterr(**self._old)


@pytest.mark.parametrize("option", ["--start", "--final-start"])
def test_a_phase_date_near_year_9999_is_a_usage_error(tmp_path: Path, option: str) -> None:
    gt = make_gt(tmp_path, n_files=20)
    extra = [option, "9999-12-01"] + (["--start", "2026-01-05"] if option != "--start" else [])
    proc = run_cli("codabench", "bundle", "--docker-image", "docker.io/dcase/scorer:0.1.0",
                   "--gt", gt, "--out", tmp_path / "c.zip", *extra)
    assert proc.returncode == 2, proc.stderr
    assert "too late" in proc.stderr and not (tmp_path / "c.zip").exists()

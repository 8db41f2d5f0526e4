"""A record wider than any real file is refused before its cells exist (C212), so memory stays a
small multiple of the file size whatever the shape of its lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval.io.csvread import MAX_CELLS

from .conftest import run_cli
from .organizer_data import make_gt

HEADER = "caption," + ",".join(f"file_name_{i}" for i in range(1, 11)) + "\n"


@pytest.fixture
def gt_path(tmp_path: Path) -> Path:
    return make_gt(tmp_path, n_files=40)


def _validate(sub: Path, gt_path: Path) -> dict[str, object]:
    proc = run_cli("validate", sub, "--gt", gt_path, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert isinstance(report, dict)
    return report


def _c212(report: dict[str, object]) -> dict[str, object]:
    [finding] = [f for f in report["findings"] if f["code"] == "C212"]  # type: ignore[attr-defined]
    return finding  # type: ignore[no-any-return]


def test_a_row_of_millions_of_tiny_cells_is_refused(tmp_path: Path, gt_path: Path) -> None:
    sub = tmp_path / "sub.csv"
    sub.write_text(HEADER + "a dog," + ",".join(["ab"] * (3 * MAX_CELLS)) + "\n",
                   encoding="utf-8")
    finding = _c212(_validate(sub, gt_path))
    assert finding["line"] == 2 and f"{MAX_CELLS:,}" in str(finding["message"])


def test_a_matrix_header_a_million_columns_wide_is_refused(tmp_path: Path,
                                                           gt_path: Path) -> None:
    sub = tmp_path / "matrix.csv"
    sub.write_text("caption," + ",".join(f"f{i}.wav" for i in range(MAX_CELLS + 5)) + "\n"
                   "a dog," + ",".join(["0.5"] * (MAX_CELLS + 5)) + "\n", encoding="utf-8")
    assert _c212(_validate(sub, gt_path))["line"] == 1


def test_quoted_line_breaks_do_not_hide_a_wide_record(tmp_path: Path, gt_path: Path) -> None:
    """Every cell on its own physical line: the count is per record, not per line."""
    sub = tmp_path / "sub.csv"
    sub.write_text(HEADER + "a dog," + ",".join(['"a\nb"'] * (MAX_CELLS + 1)) + "\n",
                   encoding="utf-8")
    assert _c212(_validate(sub, gt_path))["line"] == 2


def test_a_ground_truth_with_a_wide_record_is_refused(tmp_path: Path, gt_path: Path) -> None:
    wide = tmp_path / "wide_gt.csv"
    wide.write_text(gt_path.read_text(encoding="utf-8") + "x.wav," + ",".join(
        ["c"] * (MAX_CELLS + 1)) + "\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text(HEADER, encoding="utf-8")
    proc = run_cli("score", sub, "--gt", wide)
    assert proc.returncode != 0 and "C212" in proc.stdout + proc.stderr


def test_wide_but_real_rows_still_read(tmp_path: Path, gt_path: Path) -> None:
    """A score matrix over 2,000 clips is far below the limit and reads as before."""
    names = [f"clip{i}.wav" for i in range(2000)]
    sub = tmp_path / "matrix.csv"
    sub.write_text("caption," + ",".join(names) + "\n" + "a dog," +
                   ",".join(str(i / 2000) for i in range(2000)) + "\n", encoding="utf-8")
    report = _validate(sub, gt_path)
    assert "C212" not in report["counts"]  # type: ignore[operator]
    assert report["format"] == "matrix"

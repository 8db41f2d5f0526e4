"""Submission readers: the Arrow fast path and the csv path build the same Submission."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import dcase_retrieval_eval.formats.submission as submission_module
from dcase_retrieval_eval import load_submission, write_topk_csv
from dcase_retrieval_eval.formats.submission import TIE_RULE
from dcase_retrieval_eval.io import fastread


def _named_rows(sub: submission_module.Submission) -> list[tuple[int, str, list[str]]]:
    return [(int(sub.lines[r]), sub.queries[r], sub.row_files(r)) for r in range(sub.n_rows)]


@pytest.mark.parametrize("clean", [True, False])
def test_fast_and_slow_paths_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   clean: bool) -> None:
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    files = [f"clip {i}, 'x' é.wav" for i in range(40)]
    rows = [(f"caption number {q}", [files[j] for j in rng.choice(40, 10, replace=False)])
            for q in range(300)]
    path = tmp_path / "sub.csv"
    write_topk_csv(path, rows)
    if not clean:  # a blank cell on line 5: only the csv path may decide
        lines = path.read_text(encoding="utf-8").splitlines()
        cells = next(csv.reader([lines[4]]))
        cells[3] = ""
        lines[4] = ",".join(f'"{c}"' for c in cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    slow = load_submission(path)
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    fast = load_submission(path)
    assert _named_rows(fast) == _named_rows(slow)
    assert fast.findings == slow.findings
    assert bool(slow.findings) is (not clean)
    np.testing.assert_array_equal(fast.n_given, slow.n_given)


def test_score_matrix_ties_broken_by_name_never_by_column_order(tmp_path: Path) -> None:
    path = tmp_path / "matrix.csv"
    path.write_text("index,c.wav,a.wav,b.wav\nq1,0.5,0.5,0.9\nq2,1,1,1\n", encoding="utf-8")
    sub = load_submission(path)
    assert sub.format == "matrix"
    assert sub.row_files(0) == ["b.wav", "a.wav", "c.wav"]
    assert sub.row_files(1) == ["a.wav", "b.wav", "c.wav"]
    assert "file name ascending" in TIE_RULE

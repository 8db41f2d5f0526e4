"""M5xx findings, the score matrix, through `dcase-eval validate` and `score`: scores that are
not numbers (M501) or not finite (M502), a repeated audio column (M503), a missing one (M504, a
warning), a tie at the cut-off (M505) and a constant matrix (M506), which scores at chance level.
Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth

from .builders import FILES, codes, matrix, matrix_rows, only, queries, validate, where
from .conftest import cli


@pytest.mark.parametrize("bad", ["abc", "", "1,5", "0x1p3"])
def test_M501_non_numeric_score(tmp_path: Path, gt: Path, bad: str) -> None:
    rows = matrix_rows()
    rows[8][5] = bad
    code, doc = validate(matrix(tmp_path, rows), gt)
    f = only(doc, "M501")
    assert (code, where(f)) == (1, (10, 6))


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400"])
def test_M502_non_finite_score(tmp_path: Path, gt: Path, bad: str) -> None:
    rows = matrix_rows()
    rows[9][2] = bad
    code, doc = validate(matrix(tmp_path, rows), gt)
    f = only(doc, "M502")
    assert (code, where(f)) == (1, (11, 3))
    assert "M501" not in codes(doc)


def test_M503_duplicate_audio_column(tmp_path: Path, gt: Path) -> None:
    columns = [*FILES, "c.wav"]
    rows = [[*r, "0.0"] for r in matrix_rows()]
    code, doc = validate(matrix(tmp_path, rows, columns=columns), gt)
    f = only(doc, "M503")
    assert (code, where(f)) == (1, (1, 14))
    assert "column 4" in f["message"]


def test_M504_missing_audio_column_is_a_warning(tmp_path: Path, gt: Path) -> None:
    columns = [c for c in FILES if c != "k.wav"]
    pairs = [(q, f) for q, f in queries() if f != "k.wav"]
    rows = matrix_rows(pairs, columns) + [[q, *["0.1"] * 11] for q, f in queries() if f == "k.wav"]
    # the k.wav queries get a constant row; give them distinct scores to avoid other warnings
    for r in rows[-5:]:
        r[1:] = [repr(0.9 - 0.01 * i) for i in range(11)]
    code, doc = validate(matrix(tmp_path, rows, columns), gt)
    f = only(doc, "M504")
    assert (code, where(f), f["severity"]) == (0, (1, 0), "warning")
    assert "k.wav" in f["message"]
    assert doc["valid"] is True


def test_M505_tie_at_cutoff_is_a_warning(tmp_path: Path, gt: Path) -> None:
    rows = matrix_rows()
    # row on line 14 (query of c.wav): make the 10th and 11th best scores equal
    r = rows[12]
    ranked = sorted(range(1, 13), key=lambda j: -float(r[j]))
    r[ranked[10]] = r[ranked[9]]
    code, doc = validate(matrix(tmp_path, rows), gt)
    f = only(doc, "M505")
    assert (code, where(f), f["severity"]) == (0, (14, 0), "warning")


def test_M506_constant_matrix_warns(tmp_path: Path, gt: Path) -> None:
    rows = [[q, *["0.5"] * 12] for q, _ in queries()]
    code, doc = validate(matrix(tmp_path, rows), gt)
    f = only(doc, "M506")
    assert (code, where(f), f["severity"]) == (0, (1, 0), "warning")
    assert doc["valid"] is True


def test_constant_matrix_scores_at_chance_level(tmp_path: Path, gt: Path) -> None:
    """The tie rule never looks at the ground truth: a constant matrix is not a perfect system.

    The columns are written in ground-truth order on purpose, the order a naive tie-break by
    column would follow. With ties broken by file name every query gets the ranking a, b, ..., l:
    each file has 5 of the 60 queries, so mAP@10 = (1 + 1/2 + ... + 1/10) / 12 and R@1 = 1/12,
    which is exactly the expected value of a uniformly random ranking.
    """
    pairs = queries()
    rows = [[q, *["0.5"] * 12] for q, _ in pairs]
    sub = matrix(tmp_path, rows)
    code, out, err = cli("score", sub, "--gt", gt, "--format", "json")
    assert code == 0, (out, err)
    doc = json.loads(out)
    h10 = sum(1 / r for r in range(1, 11))
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx(h10 / 12, abs=1e-12)
    assert doc["metrics"]["R@1"]["value"] == pytest.approx(1 / 12, abs=1e-12)
    assert doc["metrics"]["R@10"]["value"] == pytest.approx(10 / 12, abs=1e-12)
    # reversing the column order changes nothing
    rev = matrix(tmp_path, rows, columns=FILES[::-1])
    code2, out2, _ = cli("score", rev, "--gt", gt, "--format", "json")
    assert code2 == 0
    assert json.loads(out2)["metrics"] == doc["metrics"]


def test_matrix_without_audio_columns_is_invalid(sub_and_gt: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    _, gt_path = sub_and_gt
    queries = load_ground_truth(gt_path).queries
    sub = tmp_path / "matrix.csv"
    sub.write_text("index\n" + "\n".join(queries) + "\n", encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    assert code == 1 and "M507" in json.loads(out)["counts"]
    assert cli("score", sub, "--gt", gt_path)[0] == 1


@pytest.mark.parametrize("cell", ["1_000", "١٫٥", " 1.5 ", "0x1p-2", "1,5", "½"])
def test_only_plain_numbers_are_scores(tmp_path: Path, cell: str) -> None:
    gt_path = tmp_path / "gt.csv"
    gt_path.write_text("query,file_name\nA dog barks.,a.wav\nRain.,b.wav\n", encoding="utf-8")
    sub = tmp_path / "m.csv"
    sub.write_text(f'index,a.wav,b.wav\nA dog barks.,"{cell}",0.25\nRain.,1e-3,-.5\n',
                   encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["counts"] == {"M501": 1}
    assert [(f["line"], f["column"]) for f in doc["findings"]] == [(2, 2)]

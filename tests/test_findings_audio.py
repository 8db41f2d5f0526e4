"""A4xx findings, the audio files of a ranking, through `dcase-eval validate`: an unknown file
with a hint for a missing extension, stray spaces, case or Unicode normalisation (A401), a repeat
(A402), too few files for the edition's k (A403) or more (A404, a warning: scored at k). Data from
`tests/builders.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .builders import (
    FILES,
    HEADER,
    codes,
    gt_file,
    gt_rows,
    matrix_rows,
    only,
    queries,
    sub_file,
    topk_rows,
    validate,
    where,
)


@pytest.mark.parametrize(("name", "hint"), [
    ("c", "Add the extension: 'c.wav'"),
    (" c.wav", "stray whitespace"),
    ("c.wav ", "stray whitespace"),
    ("C.WAV", "Mind the case: 'c.wav'"),
    ("zzz.wav", "evaluation audio set"),
])
def test_A401_unknown_audio_file(tmp_path: Path, gt: Path, name: str, hint: str) -> None:
    rows = topk_rows()
    pos = rows[0].index("c.wav")
    rows[0][pos] = name
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "A401")
    assert (code, where(f)) == (1, (2, pos + 1))
    assert hint in f["hint"]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_A401_unicode_normalisation_hint(tmp_path: Path, form: str) -> None:
    """'Café.wav' composed in one file and decomposed in the other (macOS lists NFD names)."""
    import unicodedata

    other = "NFD" if form == "NFC" else "NFC"
    name = unicodedata.normalize(form, "Café.wav")
    rows = gt_rows()
    rows[2][0] = name  # instead of c.wav
    gt = gt_file(tmp_path, rows)
    sub = topk_rows()  # every row ranks c.wav once: write the other form there
    for r in sub:
        r[1:] = [unicodedata.normalize(other, name) if x == "c.wav" else x for x in r[1:]]
    code, doc = validate(sub_file(tmp_path, sub), gt)
    found = [f for f in doc["findings"] if f["code"] == "A401"]
    assert code == 1 and len(found) == 60
    assert "Unicode normalisation" in found[0]["hint"] and repr(name) in found[0]["hint"]


def test_A401_unknown_matrix_column(tmp_path: Path, gt: Path) -> None:
    columns = [*FILES, "m.wav"]
    code, doc = validate(sub_file(tmp_path, matrix_rows(columns=columns),
                                  header=["index", *columns]), gt)
    f = only(doc, "A401")
    assert (code, where(f)) == (1, (1, 14))


def test_A402_repeated_file(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[5][6] = rows[5][1]  # position 6 (cell 7) repeats position 1
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "A402")
    assert (code, where(f)) == (1, (7, 7))
    assert "position 1" in f["message"]


def test_A403_too_few_files_trailing_blanks(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[11][9:] = ["", ""]  # 8 files, then two empty cells
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "A403")
    assert (code, where(f)) == (1, (13, 10))  # cell 10 is the first one without a file
    assert "C206" not in codes(doc)


def test_A403_too_few_files_short_header(tmp_path: Path, gt: Path) -> None:
    rows = [r[:10] for r in topk_rows()]
    code, doc = validate(sub_file(tmp_path, rows, header=HEADER[:10]), gt)
    # the header explains every row: one C211 on it, no A403 per row
    assert code == 1 and codes(doc) == {"C211"}
    assert where(only(doc, "C211")) == (1, 11)


def test_A403_header_without_file_columns(tmp_path: Path, gt: Path) -> None:
    """A header of only 'caption' (found by the fuzz test: the rows lost their alignment)."""
    rows = [[q] for q, _ in queries()]
    code, doc = validate(sub_file(tmp_path, rows, header=["caption"]), gt)
    found = [f for f in doc["findings"] if f["code"] == "A403"]
    assert code == 1 and len(found) == 60 and doc["n_rows"] == 60
    assert where(found[0]) == (2, 2)


def test_A404_too_many_files(tmp_path: Path, gt: Path) -> None:
    """Deeper than k: valid, scored at depth k, one warning for the file on its first row."""
    rows = topk_rows(k=11)
    header = [*HEADER, "file_name_11"]
    code, doc = validate(sub_file(tmp_path, rows, header=header), gt)
    found = [f for f in doc["findings"] if f["code"] == "A404"]
    assert code == 0 and len(found) == 1 and found[0]["severity"] == "warning"
    assert where(found[0]) == (2, 12) and doc["counts"] == {"A404": 1}


def test_A403_A404_follow_k_of_the_edition(tmp_path: Path, gt: Path) -> None:
    """The 2025 preset needs 16 files: a top-10 file is short for it."""
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt, "--edition", "2025")
    assert code == 1 and "C211" in codes(doc) and doc["depth"] == 16

"""C2xx findings, the CSV structure, through `dcase-eval validate`: header missing or wrong
(C201, C202, with hints for case, spaces and a pandas index), wrong delimiter (C203), wrong cell
count (C204), quotes (C205, C207), blank cells (C206), no rows (C208); header findings name the
header's line. Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import (
    FILES,
    GT_HEADER,
    HEADER,
    codes,
    csv_text,
    gt_file,
    gt_rows,
    matrix_rows,
    only,
    queries,
    sub_file,
    topk_rows,
    validate,
    where,
    write,
)
from .conftest import cli


def test_C201_missing_header(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    code, doc = validate(write(tmp_path / "sub.csv", csv_text(rows)), gt)
    f = only(doc, "C201")
    assert (code, where(f)) == (1, (1, 0))
    assert "caption,file_name_1" in f["hint"]
    # the first line was still read as data: no query is missing
    assert "Q301" not in codes(doc)


def test_C201_ground_truth_given_as_the_submission(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(gt, gt)
    f = only(doc, "C201")
    assert (code, where(f)) == (1, (1, 0))
    assert "ground-truth file" in f["hint"]


def test_C202_wrong_header_cell(tmp_path: Path, gt: Path) -> None:
    header = HEADER.copy()
    header[3] = "file_3"
    code, doc = validate(sub_file(tmp_path, topk_rows(), header=header), gt)
    f = only(doc, "C202")
    assert (code, where(f)) == (1, (1, 4))
    assert "file_name_3" in f["hint"]


def test_C202_header_case(tmp_path: Path, gt: Path) -> None:
    header = ["Caption", *HEADER[1:]]
    code, doc = validate(sub_file(tmp_path, topk_rows(), header=header), gt)
    f = only(doc, "C202")
    assert (code, where(f)) == (1, (1, 1))
    assert "case" in f["hint"]


@pytest.mark.parametrize("cell", [" caption", "caption "])
def test_C202_header_stray_space(tmp_path: Path, gt: Path, cell: str) -> None:
    code, doc = validate(sub_file(tmp_path, topk_rows(), header=[cell, *HEADER[1:]]), gt)
    f = only(doc, "C202")
    assert (code, where(f)) == (1, (1, 1))
    assert "spaces" in f["hint"]


@pytest.mark.parametrize(("header", "rows", "code", "column"), [
    (["Caption", *HEADER[1:]], "topk", "C202", 1),
    (HEADER, "none", "C208", 0),
    (["index", *FILES, "c.wav"], "matrix_dup", "M503", 14),
    (["index", *FILES[:-1]], "matrix_short", "M504", 0),
    (["index", *FILES], "matrix_constant", "M506", 0),
])
def test_header_findings_are_on_the_header_line(tmp_path: Path, gt: Path, header: list[str],
                                                rows: str, code: str, column: int) -> None:
    """Blank lines before the header: header findings name the header's line, not line 1."""
    body = {"topk": topk_rows(), "none": [],
            "matrix_dup": [[*r, "0.0"] for r in matrix_rows()],
            "matrix_short": [r[:-1] for r in matrix_rows()],
            "matrix_constant": [[q, *["0.5"] * 12] for q, _ in queries()]}[rows]
    text = "\n\n" + csv_text([header, *body])
    _, doc = validate(write(tmp_path / "sub.csv", text), gt)
    found = [f for f in doc["findings"] if f["code"] == code]
    assert found and where(found[0]) == (3, column)


def test_ground_truth_header_findings_are_on_the_header_line(tmp_path: Path) -> None:
    gt = write(tmp_path / "gt.csv", "\n" + csv_text([["audio", "text"], ["a.wav", "A dog."]]))
    _, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert where(only(doc, "G605")) == (2, 0)
    gt = write(tmp_path / "gt.csv", "\n\n" + csv_text([GT_HEADER]))
    _, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert where(only(doc, "G606")) == (3, 0)


def test_C202_pandas_index_column(tmp_path: Path, gt: Path) -> None:
    rows = [[str(i), *r] for i, r in enumerate(topk_rows())]
    code, doc = validate(sub_file(tmp_path, rows, header=["", *HEADER]), gt)
    f = only(doc, "C202")
    assert (code, where(f)) == (1, (1, 1))
    assert "pandas" in f["hint"] and "index=False" in f["hint"]
    assert codes(doc) == {"C202"}  # the rest was checked with the column ignored


def test_C202_pandas_index_column_matrix(tmp_path: Path, gt: Path) -> None:
    rows = [[str(i), *r] for i, r in enumerate(matrix_rows())]
    code, doc = validate(sub_file(tmp_path, rows, header=["", "index", *FILES]), gt)
    f = only(doc, "C202")
    assert (code, where(f)) == (1, (1, 1))
    assert "pandas" in f["hint"]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_C203_wrong_delimiter(tmp_path: Path, gt: Path, delimiter: str, name: str) -> None:
    code, doc = validate(sub_file(tmp_path, topk_rows(), delimiter=delimiter), gt)
    f = only(doc, "C203")
    assert (code, where(f)) == (1, (1, 0))
    assert name in f["message"]
    assert codes(doc) == {"C203"}  # the rest was read with that delimiter and is fine


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_C203_after_leading_blank_lines(tmp_path: Path, gt: Path, delimiter: str) -> None:
    """Blank lines before the header are skipped (pandas skips them too), not sniffed."""
    text = "\n\r\n" + csv_text([HEADER, *topk_rows()], delimiter=delimiter)
    code, doc = validate(write(tmp_path / "sub.csv", text), gt)
    assert (code, where(only(doc, "C203"))) == (1, (3, 0))
    assert codes(doc) == {"C203"}


@pytest.mark.parametrize(("extra", "column"), [(1, 12), (3, 12), (-1, 11), (-3, 9)])
def test_C204_wrong_cell_count(tmp_path: Path, gt: Path, extra: int, column: int) -> None:
    """Column = the first cell that is extra or missing."""
    rows = topk_rows()
    rows[6] = rows[6] + ["x.wav"] * extra if extra > 0 else rows[6][:extra]
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "C204")
    assert (code, where(f)) == (1, (8, column))
    assert not codes(doc) & {"A403", "A404"}  # one finding for one defect


def test_C204_unquoted_comma_in_caption(tmp_path: Path, gt: Path) -> None:
    text = csv_text([HEADER, *topk_rows()]).replace('"A dog, barking twice."',
                                                    "A dog, barking twice.")
    code, doc = validate(write(tmp_path / "sub.csv", text), gt)
    f = only(doc, "C204")
    assert (code, where(f)) == (1, (4, 12))
    assert "Quote" in f["hint"]


def test_C204_matrix_row(tmp_path: Path, gt: Path) -> None:
    rows = matrix_rows()
    rows[2] = rows[2][:-2]  # 11 cells of 13: cell 12 is the first missing one
    code, doc = validate(sub_file(tmp_path, rows, header=["index", *FILES]), gt)
    assert (code, where(only(doc, "C204"))) == (1, (4, 12))


def test_C205_unclosed_quote(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    text = csv_text([HEADER, *rows])
    lines = text.split("\n")
    lines[9] = lines[9].replace(",", ',"', 3).replace(',"', ",", 2)  # opens cell 4's quote
    code, doc = validate(write(tmp_path / "sub.csv", "\n".join(lines)), gt)
    f = only(doc, "C205")
    assert (code, where(f)) == (1, (10, 4))


def test_C205_unclosed_quote_in_first_cell(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[57][0] = "Caption 3 of l."
    text = csv_text([HEADER, *rows]).replace("Caption 3 of l.,", '"Caption 3 of l.,')
    code, doc = validate(write(tmp_path / "sub.csv", text), gt)
    assert (code, where(only(doc, "C205"))) == (1, (59, 1))


def test_C205_unclosed_quote_after_doubled_quotes(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[-1][0] = 'He said "hi", then left.'  # written as "He said ""hi"", then left."
    text = csv_text([HEADER, *rows])
    head, last = text[: text.rindex('"He said')], text[text.rindex('"He said'):]
    text = head + last.replace("a.wav,b.wav,", 'a.wav,"b.wav,', 1)
    code, doc = validate(write(tmp_path / "sub.csv", text), gt)
    assert (code, where(only(doc, "C205"))) == (1, (61, 4))  # l.wav, a.wav, "b.wav...


def test_C206_blank_file_cell(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[10][3] = ""  # file_name_3 is cell 4, line 12
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "C206")
    assert (code, where(f)) == (1, (12, 4))


def test_C206_blank_query_cell(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[20][0] = ""
    code, doc = validate(sub_file(tmp_path, rows), gt)
    assert (code, where(only(doc, "C206"))) == (1, (22, 1))


def test_C206_blank_matrix_column_name(tmp_path: Path, gt: Path) -> None:
    rows = [[*r, "0.0"] for r in matrix_rows()]
    code, doc = validate(sub_file(tmp_path, rows, header=["index", *FILES, ""]), gt)
    assert (code, where(only(doc, "C206"))) == (1, (1, 14))


def test_C207_malformed_quote(tmp_path: Path, gt: Path) -> None:
    text = csv_text([HEADER, *topk_rows()])
    lines = text.split("\n")
    cells = lines[14].split(",")
    cells[5] = f'"{cells[5]}"x'  # text after the closing quote in cell 6
    lines[14] = ",".join(cells)
    code, doc = validate(write(tmp_path / "sub.csv", "\n".join(lines)), gt)
    f = only(doc, "C207")
    assert (code, where(f)) == (1, (15, 6))


def test_C207_malformed_quote_in_a_multiline_record(tmp_path: Path, gt: Path) -> None:
    """Line = where the record starts, also when a quoted field holds a newline."""
    rows = topk_rows()
    text = csv_text([HEADER, *rows])
    q = rows[20][0]
    text = text.replace(f"{q},", f'"{q}\nsecond line" x,', 1)  # line 22, cell 1
    code, doc = validate(write(tmp_path / "sub.csv", text), gt)
    assert (code, where(only(doc, "C207"))) == (1, (22, 1))


def test_C208_no_rows(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(sub_file(tmp_path, []), gt)
    assert (code, where(only(doc, "C208"))) == (1, (1, 0))


def test_C206_blank_file_name_in_the_ground_truth(tmp_path: Path) -> None:
    """A caption without a file would be a query whose relevant file is '' (never rankable)."""
    rows = gt_rows()
    rows[3][0] = ""  # line 5
    gt = gt_file(tmp_path, rows)
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    f = only(doc, "C206")
    assert (code, where(f), f["file"]) == (1, (5, 1), str(gt))


def test_gt_row_with_extra_cells_is_an_error(sub_and_gt: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    sub, _ = sub_and_gt
    gt_path = tmp_path / "gt_wide.csv"
    gt_path.write_text("file_name,caption_1,caption_2\n"
                       "a.wav,A dog barks.,Rain on a roof.\n"
                       "b.wav,Wind in trees.,A door creaks.,An extra caption.\n",
                       encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and [(f["code"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("C204", 3, 4)]
    assert "ground truth" in doc["findings"][0]["message"]

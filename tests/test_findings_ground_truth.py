"""G6xx findings, the ground truth, through `dcase-eval validate`: a repeated caption (G601),
an empty one (G602), a repeated file (G603), a bad file list (G604), an unknown format (G605), no
queries (G606); ground-truth findings are shown apart from the submission's, and a ground truth
that cannot be read is exit 1. Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import (
    FILES,
    GT_HEADER,
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


def test_G601_duplicate_caption(tmp_path: Path) -> None:
    rows = gt_rows()
    rows[4][3] = "Rain drumming."  # e.wav, line 6, cell 4: also b.wav's caption_3
    gt = gt_file(tmp_path, rows)
    sub = sub_file(tmp_path, topk_rows(list(dict(queries(rows)).items())))
    # (--edition auto would pick 2025 for a query with two relevant files: depth 16)
    code, doc = validate(sub, gt, "--edition", "2022")
    f = only(doc, "G601")
    assert (code, where(f), f["severity"]) == (0, (6, 4), "warning")
    assert f["file"] == str(gt)


def test_ground_truth_findings_get_their_own_table(tmp_path: Path) -> None:
    """In the text view a ground-truth warning is not shown as if it were in the submission."""
    (tmp_path / "g").mkdir()
    (tmp_path / "s").mkdir()
    rows = gt_rows()
    rows[4][3] = "Rain drumming."
    gt = gt_file(tmp_path / "g", rows)
    sub_rows = topk_rows(list(dict(queries(rows)).items()))
    sub_rows[0][3] = "c"
    sub = sub_file(tmp_path / "s", sub_rows)
    code, out, _ = cli("validate", sub, "--gt", gt, "--edition", "2022")
    assert code == 1
    tables = out.split(str(tmp_path))  # each table's title starts with the full path
    gt_table = next(t for t in tables if t.startswith("/g/gt.csv"))
    sub_table = next(t for t in tables if t.startswith("/s/sub.csv"))
    assert "G601" in gt_table and "A401" not in gt_table
    assert "A401" in sub_table and "G601" not in sub_table


def test_G602_empty_caption(tmp_path: Path) -> None:
    rows = gt_rows()
    rows[2][5] = ""  # c.wav caption_5: line 4, cell 6
    gt = gt_file(tmp_path, rows)
    code, doc = validate(sub_file(tmp_path, topk_rows(queries(rows))), gt)
    f = only(doc, "G602")
    assert (code, where(f), f["severity"]) == (0, (4, 6), "warning")
    assert doc["n_queries"] == 59


def test_G603_duplicate_file(tmp_path: Path) -> None:
    rows = gt_rows()
    rows.append(["d.wav", *[f"More about d {i}." for i in range(1, 6)]])  # line 14
    gt = gt_file(tmp_path, rows)
    code, doc = validate(sub_file(tmp_path, topk_rows(queries(rows))), gt)
    f = only(doc, "G603")
    assert (code, where(f), f["severity"]) == (0, (14, 1), "warning")


def test_G603_duplicate_file_in_correspondence(tmp_path: Path) -> None:
    rows = [["A dog barks.", "['a.wav', 'b.wav', 'a.wav']"],
            *[[f"Query {f}", f"['{f}']"] for f in FILES[1:]]]
    gt = gt_file(tmp_path, rows, header=["query", "audio_filenames"])
    pairs = [(r[0], "a.wav" if i == 0 else FILES[i]) for i, r in enumerate(rows)]
    code, doc = validate(sub_file(tmp_path, matrix_rows(pairs), header=["index", *FILES]), gt)
    f = only(doc, "G603")
    assert (code, where(f), f["severity"]) == (0, (2, 2), "warning")


def test_G604_bad_file_list(tmp_path: Path) -> None:
    rows = [[f"Query {f}", f"['{f}']"] for f in FILES]
    rows[3][1] = "__import__('os').system('echo pwned')"
    gt = gt_file(tmp_path, rows, header=["query", "audio_filenames"])
    code, doc = validate(sub_file(tmp_path, matrix_rows([(r[0], FILES[0]) for r in rows]),
                                  header=["index", *FILES]), gt)
    f = only(doc, "G604")
    assert (code, where(f)) == (1, (5, 2))
    assert doc["valid"] is False


@pytest.mark.parametrize("text", ["[]", "['a.wav', 3]", "[unclosed", ""])
def test_G604_bad_file_list_variants(tmp_path: Path, text: str) -> None:
    rows = [[f"Query {f}", f"['{f}']"] for f in FILES]
    rows[0][1] = text
    gt = gt_file(tmp_path, rows, header=["query", "audio_filenames"])
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert (code, where(only(doc, "G604"))) == (1, (2, 2))


def test_G604_blank_name_in_a_file_list(tmp_path: Path) -> None:
    rows = [[f"Query {f}", f"['{f}']"] for f in FILES]
    rows[2][1] = "['c.wav', '']"
    gt = gt_file(tmp_path, rows, header=["query", "audio_filenames"])
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert (code, where(only(doc, "G604"))) == (1, (4, 2))


def test_G605_unknown_gt_format(tmp_path: Path) -> None:
    gt = gt_file(tmp_path, gt_rows(), header=["audio", "text1", "text2", "text3", "text4",
                                               "text5"])
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert (code, where(only(doc, "G605"))) == (1, (1, 0))


def test_G606_no_queries(tmp_path: Path) -> None:
    gt = gt_file(tmp_path, [])
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert (code, where(only(doc, "G606"))) == (1, (1, 0))


def test_G606_only_empty_captions(tmp_path: Path) -> None:
    gt = gt_file(tmp_path, [[f, "", "", "", "", ""] for f in FILES])
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert code == 1 and where(only(doc, "G606")) == (1, 0)


def test_gt_byte_problems_are_reported_with_exit_1(tmp_path: Path) -> None:
    gt = write(tmp_path / "gt.csv", csv_text([GT_HEADER, *gt_rows()]).encode("cp1252") + b"\xe9")
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert code == 1 and only(doc, "F104")["file"] == str(gt)


@pytest.mark.parametrize("content", [b"", b"file_name,caption_1\na.wav,A dog\0 barks.\n",
                                     b"file_name,caption_1\na.wav,Caf\xe9\n"])
def test_ground_truth_findings_do_not_speak_of_a_submission(
        sub_and_gt: tuple[Path, Path], tmp_path: Path, content: bytes) -> None:
    sub, _ = sub_and_gt
    gt_path = tmp_path / "gt_bad.csv"
    gt_path.write_bytes(content)
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["findings"]
    for finding in doc["findings"]:
        text = (finding["message"] + " " + finding["hint"]).lower()
        assert "submission" not in text and "per query" not in text, finding
    assert any("ground truth" in (f["message"] + f["hint"]) for f in doc["findings"]) or \
        doc["findings"][0]["code"] == "F104"

"""Q3xx findings, the queries of a submission, through `dcase-eval validate`: a missing query
(Q301), an unknown one with the closest ground-truth caption as a hint (Q302, also across Unicode
normalisation forms), a repeated one (Q303). Data from `tests/builders.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .builders import (
    FILES,
    codes,
    gt_file,
    gt_rows,
    only,
    queries,
    sub_file,
    topk_rows,
    validate,
    where,
)


def test_Q301_missing_query(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    gone = rows.pop(7)
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "Q301")
    assert (code, where(f)) == (1, (0, 0))
    assert gone[0] in f["message"]


@pytest.mark.parametrize("typo", ["a dog barks", "A  dog barks.", "A dog barks!", " A dog barks. ",
                                  "A DOG BARKS"])
def test_Q302_unknown_query_close_match(tmp_path: Path, gt: Path, typo: str) -> None:
    rows = topk_rows()
    rows[0][0] = typo
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "Q302")
    assert (code, where(f)) == (1, (2, 1))
    assert "'A dog barks.'" in f["hint"]
    assert "Q301" in codes(doc)  # and the real query is missing


def test_Q302_unknown_query_no_match(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.append(["A cat meows.", *FILES[:10]])
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "Q302")
    assert (code, where(f)) == (1, (62, 1))
    assert "Did you mean" not in f["hint"]
    assert codes(doc) == {"Q302"}


def test_Q302_unicode_normalisation_hint(tmp_path: Path) -> None:
    import unicodedata

    rows = gt_rows()
    rows[2][1] = unicodedata.normalize("NFC", "Un café bruyant.")
    gt = gt_file(tmp_path, rows)
    sub = topk_rows(queries(rows))
    sub[10][0] = unicodedata.normalize("NFD", sub[10][0])
    code, doc = validate(sub_file(tmp_path, sub), gt)
    f = only(doc, "Q302")
    assert (code, where(f)) == (1, (12, 1))
    assert "Unicode normalisation" in f["hint"]


def test_Q303_duplicate_query(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.insert(40, rows[3])
    code, doc = validate(sub_file(tmp_path, rows), gt)
    f = only(doc, "Q303")
    assert (code, where(f)) == (1, (42, 1))
    assert "line 5" in f["hint"]

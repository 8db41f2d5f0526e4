"""Valid files give no finding and exit 0: the plain top-10 file, its harmless variants (BOM,
CR LF, quotes, order, blank lines), real-world file names and a score matrix. Data from
`tests/builders.py`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .builders import (
    FILES,
    GT_HEADER,
    HEADER,
    csv_text,
    matrix_rows,
    queries,
    sub_file,
    topk_rows,
    validate,
    write,
)


def test_valid_baseline(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(sub_file(tmp_path, topk_rows()), gt)
    assert code == 0
    assert doc["valid"] is True and doc["findings"] == [] and doc["n_rows"] == 60


@pytest.mark.parametrize("variant", ["bom", "crlf", "cr", "quote_all", "shuffled",
                                     "no_final_newline", "blank_lines", "all_at_once"])
def test_valid_variants(tmp_path: Path, gt: Path, variant: str) -> None:
    rows = topk_rows()
    if variant in ("shuffled", "all_at_once"):
        rows = rows[::-1][30:] + rows[::-1][:30]
    text = csv_text([HEADER, *rows],
                    lineterminator={"crlf": "\r\n", "all_at_once": "\r\n", "cr": "\r"}.get(
                        variant, "\n"),
                    quoting=csv.QUOTE_ALL if variant in ("quote_all", "all_at_once")
                    else csv.QUOTE_MINIMAL)
    if variant in ("no_final_newline", "all_at_once"):
        text = text.rstrip("\r\n")
    if variant in ("blank_lines", "all_at_once"):
        text = "\n" + text.replace("\n", "\n\n", 3)
    data = text.encode("utf-8")
    if variant in ("bom", "all_at_once"):
        data = b"\xef\xbb\xbf" + data
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    assert (code, doc["findings"], doc["counts"]) == (0, [], {})


def test_valid_real_world_file_names(tmp_path: Path) -> None:
    """Names with spaces, commas, quotes, non-ASCII letters and HTML entities are fine."""
    names = ["Pensol - le Moulin cours d&#39;eau.wav", "rain, heavy (2).wav", 'say "hi".wav',
             "Café über.wav", *FILES[:8]]
    rows = [[n, *[f"{n} caption {i}" for i in range(1, 6)]] for n in names]
    gt = write(tmp_path / "gt.csv", csv_text([GT_HEADER, *rows]))
    sub = []
    for q, f in queries(rows):
        sub.append([q, f, *[n for n in names if n != f][:9]])
    code, doc = validate(sub_file(tmp_path, sub), gt)
    assert (code, doc["findings"]) == (0, [])


def test_valid_matrix(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(sub_file(tmp_path, matrix_rows(), header=["index", *FILES]), gt)
    assert (code, doc["findings"], doc["format"]) == (0, [], "matrix")
    assert doc["counts"] == {} and doc["errors"] == doc["warnings"] == 0

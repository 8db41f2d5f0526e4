"""Small files for the findings tests (`test_findings_*.py`), and the helpers that read their
reports.

The ground truth has 12 audio files x 5 captions = 60 queries with one relevant file each
(`gt_rows`; the `gt` fixture in conftest writes it); a valid top-10 ranking puts the relevant
file first (`topk_rows`), a valid score matrix gives it the highest score (`matrix_rows`).
A test changes one cell, runs `dcase-eval validate SUB --gt GT --format json` (`validate`) and
asserts the exit code and the code, line and column of the finding. Line = the 1-based
physical line where the record starts; column = the 1-based CSV cell; 0 = whole file/line.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from .conftest import cli

FILES = [f"{c}.wav" for c in "abcdefghijkl"]  # 12 audio files
HEADER = ["caption", *[f"file_name_{i}" for i in range(1, 11)]]
GT_HEADER = ["file_name", *[f"caption_{i}" for i in range(1, 6)]]


def gt_rows() -> list[list[str]]:
    """Clotho-format rows: 12 files x 5 captions = 60 queries, each with one relevant file."""
    rows = [
        ["a.wav", "A dog barks.", "Dog barking loudly.", "A dog, barking twice.",
         "Barking of a dog.", "The dog barks at night."],
        ["b.wav", "Rain falls on a roof.", "Heavy rain on metal.", "Rain drumming.",
         "Water drops on a roof.", "A storm with rain."],
    ]
    for f in FILES[2:]:
        rows.append([f, *[f"Caption {i} of {f[0]}." for i in range(1, 6)]])
    return rows


def queries(rows: list[list[str]] | None = None) -> list[tuple[str, str]]:
    """(query, relevant file) pairs in ground-truth order."""
    return [(c, r[0]) for r in (rows or gt_rows()) for c in r[1:] if c.strip()]


def topk_rows(pairs: list[tuple[str, str]] | None = None, k: int = 10) -> list[list[str]]:
    """A valid top-k ranking per query: the relevant file first, then the others by name."""
    out = []
    for q, f in pairs or queries():
        out.append([q, f, *[x for x in FILES if x != f][: k - 1]])
    return out


def matrix_rows(pairs: list[tuple[str, str]] | None = None,
                columns: list[str] | None = None) -> list[list[str]]:
    """Distinct scores: the relevant file scores 1.0, the others 0.5, 0.49, ... by name."""
    columns = columns or FILES
    out = []
    for q, f in pairs or queries():
        others = [c for c in columns if c != f]
        score = {c: 0.5 - 0.01 * i for i, c in enumerate(others)}
        score[f] = 1.0
        out.append([q, *[repr(score[c]) for c in columns]])
    return out


def csv_text(rows: list[list[str]], *, quoting: int = csv.QUOTE_MINIMAL,
             delimiter: str = ",", lineterminator: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=quoting, delimiter=delimiter,
               lineterminator=lineterminator).writerows(rows)
    return buf.getvalue()


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def sub_file(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None,
             **kw: Any) -> Path:
    return write(tmp_path / "sub.csv", csv_text([header or HEADER, *rows], **kw))


def matrix(tmp_path: Path, rows: list[list[str]], columns: list[str] | None = None) -> Path:
    return sub_file(tmp_path, rows, header=["index", *(columns or FILES)])


def gt_file(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    return write(tmp_path / "gt.csv", csv_text([header or GT_HEADER, *rows]))


def validate(sub: Path, gt: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = cli("validate", sub, "--gt", gt, "--format", "json", *extra)
    assert code in (0, 1), (code, out, err)
    return code, json.loads(out)


def only(doc: dict[str, Any], code: str) -> dict[str, Any]:
    """The single finding of `code` in a JSON report (fails if there are 0 or several)."""
    hits = [f for f in doc["findings"] if f["code"] == code]
    assert len(hits) == 1, (code, doc["findings"])
    return hits[0]


def where(finding: dict[str, Any]) -> tuple[int, int]:
    return finding["line"], finding["column"]


def codes(doc: dict[str, Any]) -> set[str]:
    return {f["code"] for f in doc["findings"]}

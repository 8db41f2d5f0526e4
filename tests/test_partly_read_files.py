"""A CSV record too wide to read (C212) stops the reader there, so the file was read only in
part: it is refused even with `--lenient` (a lenient score would count every row after it as a
missing query scored 0), and a header too wide to read is reported as that, not as an empty
file (F102)."""

from __future__ import annotations

import json
from pathlib import Path

from .builders import HEADER, csv_text, topk_rows, write
from .conftest import cli

WIDE = ",".join(["x"] * 100_005)


def _score(sub: Path, gt: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, out, _ = cli("score", sub, "--gt", gt, "--format", "json", *extra)
    assert code == 1
    return json.loads(out)  # type: ignore[no-any-return]


def test_a_too_wide_record_mid_file_is_refused_even_when_lenient(tmp_path: Path,
                                                                gt: Path) -> None:
    lines = csv_text([HEADER, *topk_rows()]).splitlines()
    sub = write(tmp_path / "sub.csv", "\n".join([*lines[:5], WIDE, *lines[5:]]) + "\n")
    doc = _score(sub, gt, "--lenient")
    assert doc["counts"]["C212"] == 1
    assert "cannot be read as a submission (C212)" in doc["error"]
    assert "even leniently" in doc["error"]


def test_a_too_wide_header_is_not_called_an_empty_file(tmp_path: Path, gt: Path) -> None:
    sub = write(tmp_path / "sub.csv", WIDE + "\n" + csv_text(topk_rows()))
    doc = _score(sub, gt)
    assert "F102" not in doc["counts"], doc["counts"]
    assert "cannot be read as a submission (C212)" in doc["error"]

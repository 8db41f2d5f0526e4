"""Participants validate without the ground truth: a query file plus an audio folder
(`--audio-dir`) or list (`--audio-list`) finds what `--gt` finds, with the same hints; a missing
or wrong audio set is a usage error. Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import FILES, csv_text, only, queries, sub_file, topk_rows, validate, write
from .conftest import cli


@pytest.fixture
def participant(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(queries.csv, audio folder, audio list) equivalent to the `gt` fixture."""
    qfile = write(tmp_path / "queries.csv", csv_text([["caption"], *[[q] for q, _ in queries()]]))
    folder = tmp_path / "audio"
    folder.mkdir()
    for f in FILES:
        (folder / f).write_bytes(b"RIFF")
    (folder / "notes.txt").write_text("not audio")
    listing = write(tmp_path / "audio.txt", "\n".join(FILES) + "\n")
    return qfile, folder, listing


@pytest.mark.parametrize("source", ["--audio-dir", "--audio-list"])
def test_participant_validation_finds_the_same(tmp_path: Path, gt: Path,
                                               participant: tuple[Path, Path, Path],
                                               source: str) -> None:
    qfile, folder, listing = participant
    rows = topk_rows()
    rows[0][4] = "C.WAV"
    rows[12][0] = "caption 3 of c"
    sub = sub_file(tmp_path, rows)
    code, out, _ = cli("validate", sub, "--queries", qfile,
                       source, folder if source == "--audio-dir" else listing, "--format", "json")
    via_gt = validate(sub, gt)
    assert code == via_gt[0] == 1
    doc = json.loads(out)
    assert [(f["code"], f["line"], f["column"], f["hint"]) for f in doc["findings"]] == \
        [(f["code"], f["line"], f["column"], f["hint"]) for f in via_gt[1]["findings"]]
    assert "Did you mean 'Caption 3 of c.'" in only(doc, "Q302")["hint"]
    assert "Mind the case: 'c.wav'" in only(doc, "A401")["hint"]
    code, _, _ = cli("validate", sub_file(tmp_path, topk_rows()), "--queries", qfile,
                     source, folder if source == "--audio-dir" else listing)
    assert code == 0


def test_participant_usage_errors(tmp_path: Path, participant: tuple[Path, Path, Path]) -> None:
    qfile, folder, listing = participant
    sub = sub_file(tmp_path, topk_rows())
    assert cli("validate", sub, "--queries", qfile)[0] == 2  # no audio set
    assert cli("validate", sub, "--queries", qfile, "--audio-dir", listing)[0] == 2  # a file
    assert cli("validate", sub, "--queries", qfile, "--audio-list", folder)[0] == 2  # a folder
    assert cli("validate", sub, "--queries", qfile, "--audio-dir", folder,
               "--audio-list", listing)[0] == 2

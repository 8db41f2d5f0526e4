"""One test per finding code (families F, C, Q, A, M, G) through the command line.

Each test writes a small ground truth and a submission into `tmp_path` (`tests/builders.py`),
runs `dcase-eval validate SUB --gt GT --format json` and asserts the exit code (0 valid,
warnings allowed; 1 invalid; 2 usage error) and the code, line and column of the finding.

Most tests run the click command in-process (fast); a few go through a real subprocess
(`python -m dcase_retrieval_eval`) to check the installed entry point and that no traceback leaks.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dcase_retrieval_eval.cli.main import main

from .builders import FILES, sub_file, topk_rows, write
from .conftest import cli

# ---------------------------------------------------------------------------------------------
# score: strict refusal, lenient policy, safe outputs


@pytest.mark.parametrize("option", ["--per-query", "--output"])
@pytest.mark.parametrize("victim", ["sub", "gt"])
def test_output_equal_to_an_input_is_refused(tmp_path: Path, gt: Path, option: str,
                                             victim: str) -> None:
    sub = sub_file(tmp_path, topk_rows())
    target = sub if victim == "sub" else gt
    before = {p: p.read_bytes() for p in (sub, gt)}
    code, out, err = cli("score", sub, "--gt", gt, option, target, "--format", "json")
    assert code != 0
    assert "refusing" in out + err
    assert {p: p.read_bytes() for p in (sub, gt)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gt.csv", "sub.csv"]


@pytest.mark.parametrize("option", ["--per-query", "--output"])
def test_output_equal_to_the_audio_list_is_refused(tmp_path: Path, gt: Path, option: str) -> None:
    sub = sub_file(tmp_path, topk_rows())
    audio_list = write(tmp_path / "audio.txt", "\n".join(FILES) + "\n")
    before = audio_list.read_bytes()
    code, out, err = cli("score", sub, "--gt", gt, "--audio-list", audio_list,
                         option, audio_list, "--format", "json")
    assert code != 0 and "refusing" in out + err
    assert audio_list.read_bytes() == before


def test_per_query_and_output_on_one_file_is_refused(tmp_path: Path, gt: Path) -> None:
    """Two outputs on one path: the second would silently replace the first."""
    sub = sub_file(tmp_path, topk_rows())
    both = tmp_path / "out.csv"
    code, out, err = cli("score", sub, "--gt", gt, "--per-query", both, "--output", both)
    assert code == 2 and "same file" in err
    assert not both.exists()


def test_output_through_a_link_to_an_input_is_refused(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    link = tmp_path / "link.csv"
    link.symlink_to(sub)
    before = sub.read_bytes()
    code, _, _ = cli("score", sub, "--gt", gt, "--output", link)
    assert code != 0 and sub.read_bytes() == before


def test_outputs_are_written_atomically(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    per_query, output = out_dir / "per_query.csv", out_dir / "scores.json"
    output.write_text("old")
    code, stdout, err = cli("score", sub, "--gt", gt, "--format", "json",
                            "--per-query", per_query, "--output", output)
    assert code == 0, err
    assert stdout == ""
    assert sorted(p.name for p in out_dir.iterdir()) == ["per_query.csv", "scores.json"]
    assert json.loads(output.read_text())["n_queries"] == 60
    with per_query.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert len(table) == 61


def test_text_output_to_a_file_leaks_no_handle(tmp_path: Path, gt: Path) -> None:
    import gc
    import warnings

    sub = sub_file(tmp_path, topk_rows())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, _ = cli("score", sub, "--gt", gt, "--output", tmp_path / "scores.txt")
        gc.collect()
    assert code == 0 and "mAP@10" in (tmp_path / "scores.txt").read_text()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_failed_output_leaves_no_temp_file(tmp_path: Path, gt: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while writing keeps the previous output and leaves no partial or temp file."""
    sub = sub_file(tmp_path, topk_rows())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "scores.json"
    output.write_text("old")
    from dcase_retrieval_eval.io import atomic as safe_io

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_io.os, "fsync", boom)
    result = CliRunner().invoke(main, ["score", str(sub), "--gt", str(gt), "--format", "json",
                                       "--output", str(output)])
    assert result.exit_code != 0
    assert output.read_text() == "old"
    assert [p.name for p in out_dir.iterdir()] == ["scores.json"]

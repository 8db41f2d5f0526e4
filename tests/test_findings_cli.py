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

from .builders import (
    FILES,
    codes,
    csv_text,
    only,
    queries,
    sub_file,
    topk_rows,
    validate,
    write,
)
from .conftest import cli, run_cli

# ---------------------------------------------------------------------------------------------
# all findings of a file in one run, sorted by line


def test_all_findings_in_one_run_sorted(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[2][4] = "c"  # A401 line 4
    rows[5][6] = rows[5][1]  # A402 line 7
    rows[10][3] = ""  # C206 line 12
    rows.insert(20, rows[0])  # Q303 line 22
    rows[30][0] = "a dog barks"  # Q302 line 32 (a duplicate of row 0's query otherwise)
    code, doc = validate(sub_file(tmp_path, rows), gt)
    assert code == 1
    placed = [(f["line"], f["code"]) for f in doc["findings"] if f["line"]]
    assert placed == sorted(placed)
    assert {"A401", "A402", "C206", "Q303", "Q302"} <= codes(doc)
    assert doc["errors"] == sum(1 for f in doc["findings"] if f["severity"] == "error")


def test_findings_beyond_the_cap_are_counted(tmp_path: Path, gt: Path) -> None:
    """At most 1,000 findings of one code are kept; `counts` and `errors` hold the full number."""
    rows = topk_rows() + [[f"Unknown query {i}.", *FILES[:10]] for i in range(1200)]
    code, doc = validate(sub_file(tmp_path, rows), gt)
    kept = [f for f in doc["findings"] if f["code"] == "Q302"]
    assert code == 1 and len(kept) == 1000 and doc["counts"]["Q302"] == 1200
    assert doc["errors"] == 1200
    assert [f["line"] for f in kept] == list(range(62, 1062))


# ---------------------------------------------------------------------------------------------
# usage errors: exit 2


def test_usage_no_such_file(tmp_path: Path, gt: Path) -> None:
    code, _, err = cli("validate", tmp_path / "nope.csv", "--gt", gt)
    assert code == 2 and "does not exist" in err


def test_usage_no_such_gt(tmp_path: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    assert cli("validate", sub, "--gt", tmp_path / "nope.csv")[0] == 2


def test_usage_folder_as_gt(tmp_path: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    code, _, err = cli("validate", sub, "--gt", tmp_path)
    assert code == 2 and "directory" in err


def test_usage_bad_option(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    assert cli("validate", sub, "--gt", gt, "--no-such-option")[0] == 2
    assert cli("validate", sub, "--gt", gt, "--format", "xml")[0] == 2
    assert cli("validate", sub, "--gt", gt, "--max-bytes", "0")[0] == 2
    assert cli("validate", sub)[0] == 2  # neither --gt nor --queries
    assert cli("score", sub, "--gt", gt, "--k", "0")[0] == 2


def test_usage_errors_through_the_entry_point(tmp_path: Path, gt: Path) -> None:
    """The real process: exit 2 for usage, 1 for an invalid file, never a traceback."""
    proc = run_cli("validate", tmp_path / "nope.csv", "--gt", gt, "--format", "json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    bad = write(tmp_path / "sub.csv", b"\x00\xff\xfe garbage")
    proc = run_cli("validate", bad, "--gt", gt, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert json.loads(proc.stdout)["findings"]


def test_text_output_has_table_and_summary(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[2][4] = "c"
    code, out, _ = cli("validate", sub_file(tmp_path, rows), "--gt", gt)
    assert code == 1
    assert "A401" in out and "INVALID" in out and "1 error(s)" in out


# ---------------------------------------------------------------------------------------------
# score: strict refusal, lenient policy, safe outputs


def test_score_refuses_invalid_submission(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.pop(3)
    rows[0][5] = rows[0][1]
    sub = sub_file(tmp_path, rows)
    code, out, _ = cli("score", sub, "--gt", gt, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is False and {"Q301", "A402"} <= {f["code"] for f in doc["findings"]}


def test_score_lenient_prints_policy(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows.pop(3)  # one missing query: AP 0
    rows[0][5] = rows[0][1]  # a repeat counted once
    sub = sub_file(tmp_path, rows)
    code, out, err = cli("score", sub, "--gt", gt, "--format", "json", "--lenient")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["policy"]["mode"] == "lenient"
    assert doc["policy"]["missing_queries"] == 1
    assert doc["policy"]["repeated_files_counted_once"] == 1
    assert "lenient" in err and "1 missing queries scored 0" in err
    # every other query has its relevant file first
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx(59 / 60, abs=1e-12)
    code, out, _ = cli("score", sub, "--gt", gt, "--lenient")
    assert code == 0 and "policy: lenient" in out


def test_score_strict_and_lenient_through_the_entry_point(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[3][2] = "c"  # an unknown file
    sub = sub_file(tmp_path, rows)
    proc = run_cli("score", sub, "--gt", gt)
    assert proc.returncode == 1 and "A401" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    proc = run_cli("score", sub, "--gt", gt, "--lenient")
    assert proc.returncode == 0, proc.stderr
    assert "policy: lenient" in proc.stdout and "1 unknown files counted as misses" in proc.stdout
    assert "mAP@10" in proc.stdout


def test_score_valid_submission_is_strict(tmp_path: Path, gt: Path) -> None:
    code, out, _ = cli("score", sub_file(tmp_path, topk_rows()), "--gt", gt, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["policy"]["mode"] == "strict"
    assert doc["metrics"]["mAP@10"]["value"] == 1.0


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


# ---------------------------------------------------------------------------------------------
# participants: a query file and an audio folder or list instead of the ground truth


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

"""`dcase-eval score` in its two modes: strict (an invalid submission is refused with its
findings, exit 1) and lenient (scored under a stated policy: missing queries score 0, repeats
count once, unknown files are misses); a caption shared by two files under each edition's
relevance rule. Data from `tests/builders.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .builders import sub_file, topk_rows, write
from .conftest import cli, run_cli


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
    assert proc.returncode == 1 and "A401" in proc.stderr and proc.stdout == ""
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


def test_shared_caption_counts_the_last_file_and_ap_stays_at_most_1(
        tmp_path: Path) -> None:
    """A caption shared by two files: the 2022 preset keeps one relevant file per caption."""
    gt_path = tmp_path / "gt.csv"
    gt_path.write_text("file_name,caption_1,caption_2\n"
                       "a.wav,A dog barks.,Rain on a roof.\n"
                       "b.wav,A dog barks.,Wind in trees.\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    header = "caption," + ",".join(f"file_name_{i}" for i in range(1, 4))
    sub.write_text(f"{header}\n"
                   "A dog barks.,a.wav,b.wav,x.wav\n"
                   "Rain on a roof.,a.wav,b.wav,x.wav\n"
                   "Wind in trees.,a.wav,b.wav,x.wav\n", encoding="utf-8")
    pq = tmp_path / "pq.csv"
    code, out, err = cli("score", sub, "--gt", gt_path, "--format", "json", "--lenient",
                         "--audio-list", write(tmp_path / "audio.txt", "a.wav\nb.wav\nx.wav\n"),
                         "--per-query", pq)
    doc = json.loads(out)
    assert code == 0 and doc["edition"] == "2022", err
    # the shared caption's one relevant file is b.wav (the later row): AP 1/2, R@1 0
    import csv as _csv

    rows = list(_csv.DictReader(pq.open(encoding="utf-8")))
    shared = next(r for r in rows if r["query"] == "A dog barks.")
    assert json.loads(shared["relevant_files"]) == ["b.wav"]
    assert shared["positions_found"] == "2" and float(shared["mAP@10"]) == 0.5
    assert all(float(r["mAP@10"]) <= 1.0 for r in rows)
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    # the 2025 preset counts both files: AP (1/1 + 2/2) / 2 = 1
    code, out, _ = cli("score", sub, "--gt", gt_path, "--format", "json", "--lenient",
                       "--edition", "2025", "--audio-list", tmp_path / "audio.txt")
    per_2025 = json.loads(out)["metrics"]["mAP@10"]["value"]
    assert code == 0 and per_2025 <= 1.0

"""Ground-truth files as every edition's organizers published them, and the audio-set rule.

Generated files in the published shapes (the public files themselves stay out of the project):
the 2023 captions file `fname,raw_text,text` (one row per caption), the 2025 correspondence
file, long and graded files; a ground truth that lists only relevant clips does not define the
audio set, so unlisted names are one warning (A405) until the audio set is given.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import load_ground_truth, score, validate
from tests.conftest import run_cli
from tests.real_shapes import FILES
from tests.real_shapes import clotho_file as _clotho
from tests.real_shapes import topk_rows as _topk_rows
from tests.real_shapes import write_rows as _write

# ---------------------------------------------------------------------------------------------
# 2. ground truth: the 2023 captions file


def _captions_2023(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    rows = [["fname", "raw_text", "text"]]
    truth: dict[str, str] = {}
    for f in FILES[:20]:
        for j in range(5):
            raw = f"A Sound, number {j}, of {f[:7]}!"
            norm = raw.lower().replace(",", "").replace("!", "")
            rows.append([f, raw, norm])
            truth[raw] = f
    return _write(tmp_path / "gt2023.csv", rows), truth


def test_2023_captions_file_is_a_ground_truth(tmp_path: Path) -> None:
    gt_path, truth = _captions_2023(tmp_path)
    gt = load_ground_truth(gt_path)
    assert gt.format == "captions2023" and gt.n_queries == 100 and len(gt.audio) == 20
    assert gt.findings == [] and gt.queries[0] == "A Sound, number 0, of clip 00!"
    sub = _write(tmp_path / "sub.csv", _topk_rows(truth, 10, "file_name", FILES[:20]))
    report = score(sub, gt)
    assert report.edition == "2023" and report.main_metric == "mAP@10"
    clotho, _ = _clotho(tmp_path)  # the same queries as a Clotho file give the same numbers
    proc = run_cli("score", sub, "--gt", gt_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["edition"] == "2023" and doc["n_queries"] == 100
    assert doc["metrics"]["mAP@10"]["value"] == pytest.approx(
        np.mean([1 / (q % 10 + 1) for q in range(100)]), abs=1e-15)


def test_2023_normalised_query_is_named_in_the_hint(tmp_path: Path) -> None:
    gt_path, truth = _captions_2023(tmp_path)
    rows = _topk_rows(truth, 10, "fname", FILES[:20])
    rows[3][0] = "a sound number 2 of clip 00"  # the `text` copy, not `raw_text`
    proc = run_cli("validate", _write(tmp_path / "sub.csv", rows), "--gt", gt_path,
                   "--format", "json")
    assert proc.returncode == 1
    q302 = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "Q302"]
    assert len(q302) == 1 and q302[0]["line"] == 4
    assert "normalised" in q302[0]["hint"] and "'A Sound, number 2, of clip 00!'" in \
        q302[0]["hint"] and "raw_text" in q302[0]["hint"]


def test_2023_file_as_query_set(tmp_path: Path) -> None:
    gt_path, truth = _captions_2023(tmp_path)
    audio = _write(tmp_path / "audio.csv", [["file_name"], *[[f] for f in FILES[:20]]])
    sub = _write(tmp_path / "sub.csv", _topk_rows(truth, 10, "fname", FILES[:20]))
    proc = run_cli("validate", sub, "--queries", gt_path, "--audio-list", audio, "--format",
                   "json")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["n_queries"] == 100


# ---------------------------------------------------------------------------------------------
# 2. ground truth: the audio-set rule for files that list only relevant clips


def _correspondence(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """The 2025 shape: `query,audio_filenames`, a list literal of 1-3 relevant clips."""
    truth = {f"Query {q}, with a comma": [FILES[(q + j) % 20] for j in range(1 + q % 3)]
             for q in range(15)}
    rows = [["query", "audio_filenames"], *[[q, repr(v)] for q, v in truth.items()]]
    return _write(tmp_path / "metadata_eval.csv", rows), truth


def _matrix_2025(tmp_path: Path, truth: dict[str, list[str]], files: list[str]) -> Path:
    """As the 2025 baseline writes it: pandas header `index,<every evaluation clip>`."""
    rows = [["index", *files]]
    for q, (query, rel) in enumerate(truth.items()):
        scores = [((j * 7 + q) % len(files)) / len(files) for j in range(len(files))]
        for r in rel:
            scores[files.index(r)] += 2.0
        rows.append([query, *map(repr, scores)])
    return _write(tmp_path / "scores.csv", rows)


def test_relevant_only_gt_without_audio_set_warns_once(tmp_path: Path) -> None:
    gt, truth = _correspondence(tmp_path)
    sub = _matrix_2025(tmp_path, truth, FILES)  # 30 clips; only 17 are ever relevant
    proc = run_cli("validate", sub, "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stdout
    doc = json.loads(proc.stdout)
    assert doc["valid"] and doc["counts"] == {"A405": 1}
    (warning,) = doc["findings"]
    assert warning["severity"] == "warning" and "13" in warning["message"]
    assert "--audio-dir" in warning["hint"] and "--audio-list" in warning["hint"]
    proc = run_cli("score", sub, "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stdout
    doc = json.loads(proc.stdout)
    assert doc["policy"]["mode"] == "strict" and doc["findings"]["counts"] == {"A405": 1}
    assert doc["metrics"]["mAP@16"]["value"] == 1.0
    # the top-k shape: unknown names in rows are not errors either
    topk = [["caption", *[f"fname_{i}" for i in range(1, 17)]]]
    for query, rel in truth.items():
        topk.append([query, *rel, *[f for f in FILES[::-1] if f not in rel][: 16 - len(rel)]])
    report = validate(_write(tmp_path / "topk.csv", topk), gt)
    assert report.valid and report.counts == {"A405": 1}


def test_relevant_only_gt_with_audio_set_keeps_errors(tmp_path: Path) -> None:
    gt, truth = _correspondence(tmp_path)
    sub = _matrix_2025(tmp_path, truth, [*FILES, "not in the set.wav"])
    audio = tmp_path / "audio"
    audio.mkdir()
    for f in FILES:
        (audio / f).write_bytes(b"")
    listing = _write(tmp_path / "audio.csv", [["file_name"], *[[f] for f in FILES]])
    for option, value in (("--audio-dir", audio), ("--audio-list", listing)):
        proc = run_cli("validate", sub, "--gt", gt, option, value, "--format", "json")
        assert proc.returncode == 1, proc.stdout
        doc = json.loads(proc.stdout)
        assert doc["counts"] == {"A401": 1}
        assert doc["findings"][0]["column"] == len(FILES) + 2
        proc = run_cli("score", sub, "--gt", gt, option, value, "--format", "json")
        assert proc.returncode == 1
    assert not validate(sub, load_ground_truth(gt).with_audio_set(FILES)).valid


def test_clotho_gt_defines_the_audio_set(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _topk_rows(truth, 10, "fname", FILES[:20])
    rows[1][2] = FILES[25]  # a real clip, but not in this Clotho split
    report = validate(_write(tmp_path / "sub.csv", rows), gt)
    assert report.counts == {"A401": 1} and not report.valid


def test_long_and_graded_gt_follow_the_same_rule(tmp_path: Path) -> None:
    long_gt = _write(tmp_path / "long.csv", [["query", "file_name"], ["q one", FILES[0]],
                                             ["q one", FILES[1]], ["q two", FILES[2]]])
    graded = _write(tmp_path / "graded.csv", [["query", "file_name", "relevance"],
                                              ["q one", FILES[0], "80"], ["q one", FILES[1], "0"],
                                              ["q two", FILES[2], "35.5"]])
    sub = _write(tmp_path / "sub.csv", [["caption", *[f"fname_{i}" for i in range(1, 11)]],
                                        ["q one", *FILES[:10]], ["q two", *FILES[2:12]]])
    for gt in (long_gt, graded):
        report = validate(sub, gt, k=10)
        assert report.valid and report.counts == {"A405": 1}, gt
        closed = validate(sub, load_ground_truth(gt).with_audio_set(FILES[:11]), k=10)
        assert closed.counts == {"A401": 1}, gt


def test_rank_follows_the_audio_set_rule(tmp_path: Path) -> None:
    gt, truth = _correspondence(tmp_path)
    _matrix_2025(tmp_path, truth, [*FILES, "not in the set.wav"])
    manifest = _write(tmp_path / "systems.csv", [["system", "team", "path"],
                                                 ["A_1", "A", "scores.csv"]])
    proc = run_cli("rank", manifest, "--gt", gt, "--out", tmp_path / "open", "--rounds", "10",
                   "--quiet")
    assert proc.returncode == 0, proc.stderr
    board = json.loads((tmp_path / "open" / "results.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in board["systems"]] == ["A_1"] and not board["rejected"]
    listing = _write(tmp_path / "audio.csv", [["file_name"], *[[f] for f in FILES]])
    proc = run_cli("rank", manifest, "--gt", gt, "--audio-list", listing, "--out",
                   tmp_path / "closed", "--rounds", "10", "--quiet")
    assert proc.returncode == 1 and "no system could be ranked" in proc.stderr
    board = json.loads((tmp_path / "closed" / "results.json").read_text(encoding="utf-8"))
    assert board["systems"] == [] and "A401" in board["rejected"][0]["codes"]

"""A ground truth that judges a subset of the queries (the TAU graded relevances rate 200 of
the 5,225 evaluation captions) with a full submission: `--only-gt-queries` scores the ground
truth's queries and reports how many rows it ignored (one Q304 warning) instead of a Q302
error per row; and what `--relevance-threshold` means on 0-100 ratings, as the docs say."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import score, validate
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import ROOT, run_cli

N_FILES, N_JUDGED, N_ALL = 40, 20, 100


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Graded 0-100 ratings of 8 clips for 20 queries, the audio list, and submissions: every
    one of 100 queries (the 20 first), the 20 alone, and the 100 less one judged query."""
    tmp = tmp_path_factory.mktemp("subset")
    rng = np.random.default_rng(11)
    audio = [f"clip_{j:03d}.wav" for j in range(N_FILES)]
    (tmp / "audio.txt").write_text("\n".join(audio) + "\n", encoding="utf-8")
    queries = [f"caption number {i} of the evaluation set" for i in range(N_ALL)]
    with open(tmp / "graded.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "file_name", "relevance"])
        for q in queries[:N_JUDGED]:
            for j in rng.choice(N_FILES, 8, replace=False).tolist():
                writer.writerow([q, audio[j], int(rng.integers(0, 101))])
    rows = [(q, [audio[j] for j in rng.permutation(N_FILES)[:10].tolist()]) for q in queries]
    write_topk_csv(tmp / "full.csv", rows)
    write_topk_csv(tmp / "judged.csv", rows[:N_JUDGED])
    write_topk_csv(tmp / "one_missing.csv", rows[1:])
    return {name: tmp / f"{name}.csv" for name in ("graded", "full", "judged", "one_missing")
            } | {"audio": tmp / "audio.txt"}


def _score(files: dict[str, Path], sub: str, *extra: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    proc = run_cli("score", files[sub], "--gt", files["graded"], "--audio-list", files["audio"],
                   "--format", "json", *extra)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_strict_scoring_refuses_each_extra_row(files: dict[str, Path]) -> None:
    code, doc, _ = _score(files, "full")
    assert code == 1 and doc["counts"] == {"Q302": N_ALL - N_JUDGED}


def test_only_gt_queries_scores_the_ground_truths_queries(files: dict[str, Path]) -> None:
    code, doc, _ = _score(files, "full", "--only-gt-queries")
    assert code == 0
    assert doc["n_queries"] == N_JUDGED and doc["edition"] == "graded"
    assert doc["policy"]["mode"] == "strict"
    assert doc["policy"]["outside_rows_ignored"] == N_ALL - N_JUDGED
    assert doc["findings"]["counts"] == {"Q304": 1} and doc["findings"]["errors"] == 0
    code, alone, _ = _score(files, "judged")
    assert code == 0 and alone["metrics"] == doc["metrics"]
    assert alone["policy"]["outside_rows_ignored"] == 0


def test_the_text_output_says_how_many_rows_were_ignored(files: dict[str, Path]) -> None:
    proc = run_cli("score", files["full"], "--gt", files["graded"], "--audio-list",
                   files["audio"], "--only-gt-queries")
    assert proc.returncode == 0, proc.stderr
    said = " ".join(proc.stdout.split())
    assert ("policy: strict: the submission is valid; nothing was forgiven. 80 rows for queries "
            "outside the ground truth ignored (only its queries scored).") in said


def test_validate_gives_one_warning_on_the_first_ignored_row(files: dict[str, Path]) -> None:
    proc = run_cli("validate", files["full"], "--gt", files["graded"], "--audio-list",
                   files["audio"], "--only-gt-queries", "--format", "json")
    assert proc.returncode == 0, proc.stdout
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["code"], finding["severity"], finding["line"]) == ("Q304", "warning", 22)
    assert finding["message"] == ("80 row(s) are for queries outside the ground truth's 20; they "
                                  "were ignored, and only the ground truth's queries are scored.")


def test_a_judged_query_without_a_row_is_still_an_error(files: dict[str, Path]) -> None:
    code, doc, _ = _score(files, "one_missing", "--only-gt-queries")
    assert code == 1 and doc["counts"] == {"Q301": 1, "Q304": 1}


def test_the_python_api_takes_the_same_option(files: dict[str, Path]) -> None:
    report = score(files["full"], files["graded"], audio_list=files["audio"],
                   only_gt_queries=True)
    assert report.policy.outside_rows_ignored == N_ALL - N_JUDGED and report.n_queries == 20
    checked = validate(files["full"], files["graded"], audio_list=files["audio"],
                       only_gt_queries=True)
    assert checked.valid and checked.counts == {"Q304": 1}


def test_a_team_package_refuses_the_option(files: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "Doe_UniX").mkdir()
    proc = run_cli("validate", tmp_path / "Doe_UniX", "--gt", files["graded"],
                   "--only-gt-queries")
    assert proc.returncode == 2
    assert "--only-gt-queries applies to one submission file" in proc.stderr


def test_the_threshold_on_ratings_changes_map_not_ndcg(files: dict[str, Path]) -> None:
    """The docs: on 0-100 ratings the default 1 makes any rating above 0 relevant; 50, the
    suggested value, keeps the better matches; nDCG uses the ratings as they are."""
    _, low, _ = _score(files, "judged")
    _, mid, _ = _score(files, "judged", "--relevance-threshold", "50")
    assert low["metrics"]["nDCG@10"] == mid["metrics"]["nDCG@10"]
    assert low["metrics"]["mAP@10"]["value"] != mid["metrics"]["mAP@10"]["value"]
    assert low["metrics"]["R@10"]["value"] != mid["metrics"]["R@10"]["value"]
    text = " ".join((ROOT / "docs" / "formats.md").read_text(encoding="utf-8").split())
    assert "it makes every clip rated above 0 relevant" in text
    assert "For TAU we suggest `--relevance-threshold 50`" in text
    assert "`score --only-gt-queries`" in text


def test_rank_scores_full_submissions_on_the_subset(files: dict[str, Path],
                                                    tmp_path: Path) -> None:
    from dcase_retrieval_eval import load_ground_truth

    from .organizer_data import write_system

    gt = load_ground_truth(files["graded"])
    full = files["full"].read_text(encoding="utf-8")
    uploads = tmp_path / "uploads"
    for team in ("Alpha_UA", "Beta_UB"):
        output = write_system(uploads / team, gt, f"{team}_task6b_1", 0.5, seed=1)
        output.write_text(full, encoding="utf-8")  # all 100 queries, as a team submits them
    args = ["rank", uploads, "--gt", files["graded"], "--audio-list", files["audio"],
            "--rounds", "200", "--bootstrap-rankings", "0", "--quiet"]
    proc = run_cli(*args, "--out", tmp_path / "strict")
    doc = json.loads((tmp_path / "strict" / "results.json").read_text(encoding="utf-8"))
    assert proc.returncode == 1 and "no system could be ranked" in proc.stderr
    assert doc["systems"] == []
    assert all(r["codes"] == {"Q302": 80} for r in doc["rejected"])
    proc = run_cli(*args, "--out", tmp_path / "subset", "--only-gt-queries")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "subset" / "results.json").read_text(encoding="utf-8"))
    assert len(doc["systems"]) == 2 and doc["rejected"] == []
    assert doc["n_queries"] == N_JUDGED and doc["only_gt_queries"] is True
    md = " ".join((tmp_path / "subset" / "results.md").read_text(encoding="utf-8").split())
    assert "20 queries (only the ground truth's queries: rows for other queries ignored)" in md

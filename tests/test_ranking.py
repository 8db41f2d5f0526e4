"""`rank` end to end: packages in, RESULTS/ out, checked against the scorer and the tie rule."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from dcase_retrieval_eval.api import score
from dcase_retrieval_eval.challenge.ranking import competition_ranks, rank
from dcase_retrieval_eval.challenge.significance import holm
from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv
from dcase_retrieval_eval.io.outlock import LOCK_NAME
from dcase_retrieval_eval.report.leaderboard_formats import to_csv, to_json
from dcase_retrieval_eval.report.results_dir import RECORD, write_results

from .conftest import run_cli
from .organizer_data import make_challenge, meta_doc, system_rankings, write_system

TEAMS = {
    "Alpha_UA": [("Alpha_UA_task6b_1", 0.9), ("Alpha_UA_task6b_2", 0.4)],
    "Beta_UB": [("Beta_UB_task6b_1", 0.85)],
    "Gamma_UG": [("Gamma_UG_task6b_1", 0.2), ("Gamma_UG_task6b_2", 0.3)],
    "Delta_UD": [("Delta_UD_task6b_1", 0.6)],
}
NAMES = {"Beta_UB": "Beta | <b>"}


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("challenge")
    gt_path, uploads = make_challenge(root, TEAMS, seed=3, zipped=["Gamma_UG"], n_files=60,
                                      names=NAMES)
    gt = load_ground_truth(gt_path)
    # one package whose only output is invalid, one whose meta is broken, one stray file
    bad = uploads / "pkg_bad_output"
    output = write_system(bad, gt, "Eps_UE_task6b_1", 0.5, seed=9)
    rows = system_rankings(gt, 0.5, seed=9)[:-1]
    write_topk_csv(output, rows)
    broken = uploads / "pkg_bad_meta"
    output = write_system(broken, gt, "Zeta_UZ_task6b_1", 0.5, seed=10)
    doc = meta_doc("Zeta_UZ_task6b_1", total_parameters="many")
    output.with_name("Zeta_UZ_task6b_1.meta.yaml").write_text(yaml.safe_dump(doc))
    (uploads / "readme.txt").write_text("not a package")
    return gt_path, uploads


@pytest.fixture(scope="module")
def ranked(challenge: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory,
           ) -> tuple[Path, dict]:
    gt_path, uploads = challenge
    out = tmp_path_factory.mktemp("results") / "RESULTS"
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in uploads.rglob("*")
              if p.is_file()}
    result = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "2000",
                     "--seed", "7")
    assert result.returncode == 0, result.stderr
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in uploads.rglob("*")
             if p.is_file()}
    assert before == after
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_results_folder_is_complete(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    expected = {"results.json", "results.csv", "results.md", "results.tex", "index.html",
                *(f"per_query/{s['label']}.csv" for s in doc["systems"]),
                *(f"paper/{name}" for name in ("table2.tex", "table4.tex", "tables.md",
                                               "characteristics.tex", "dev_vs_eval.tex",
                                               "dev_vs_eval.svg", "robustness_blob.svg"))}
    # no temporary files or staging folder left behind; the lock file stays for later runs
    assert names == expected | {RECORD, LOCK_NAME}
    recorded = json.loads((out / RECORD).read_text(encoding="utf-8"))["files"]
    assert {f["path"] for f in recorded} == expected  # the record of what the run wrote


def test_order_values_and_scores_match_the_scorer(challenge: tuple[Path, Path],
                                                  ranked: tuple[Path, dict]) -> None:
    gt_path, uploads = challenge
    _, doc = ranked
    labels = [s["label"] for s in doc["systems"]]
    assert sorted(labels) == ["Alpha_UA_task6b_1", "Alpha_UA_task6b_2", "Beta_UB_task6b_1",
                              "Delta_UD_task6b_1", "Gamma_UG_task6b_1", "Gamma_UG_task6b_2"]
    mains = [s["metrics"]["mAP@10"]["value"] for s in doc["systems"]]
    assert mains == sorted(mains, reverse=True)
    assert [s["rank"] for s in doc["systems"]] == competition_ranks(mains)
    for s in doc["systems"]:
        if s["label"].startswith("Gamma_"):
            continue  # inside a zip; checked through the per-query file below
        direct = score(uploads / _folder_of(uploads, s["label"]) / f"{s['label']}.output.csv",
                       gt_path)
        for name, stats in direct.metrics.items():
            assert s["metrics"][name]["value"] == stats.value
            assert s["metrics"][name]["ci_low"] == stats.ci_low
            assert s["metrics"][name]["ci_high"] == stats.ci_high


def _folder_of(uploads: Path, label: str) -> Path:
    return next(p.parent.relative_to(uploads) for p in uploads.rglob(f"{label}.output.csv"))


def test_per_query_files_average_to_the_leaderboard(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    for s in doc["systems"]:
        with open(out / "per_query" / f"{s['label']}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == doc["n_queries"]
        mean = float(np.mean([float(r["mAP@10"]) for r in rows]))
        assert mean == pytest.approx(s["metrics"]["mAP@10"]["value"], abs=1e-12)


def test_team_view_and_rejections(ranked: tuple[Path, dict]) -> None:
    _, doc = ranked
    best = [s for s in doc["systems"] if s["team_best"]]
    assert [s["team"] for s in best] == list(dict.fromkeys(s["team"] for s in doc["systems"]))
    assert [s["team_rank"] for s in best] == [1, 2, 3, 4]
    assert sorted({s["team"] for s in best}) == sorted(TEAMS)
    reasons = {r["source"]: r["reason"] for r in doc["rejected"]}
    inside = "task6b/{0}/{0}.output.csv"
    assert "invalid system output" in reasons["pkg_bad_output/" + inside.format("Eps_UE_task6b_1")]
    assert reasons["pkg_bad_meta/" + inside.format("Zeta_UZ_task6b_1")] == \
        "missing or invalid meta-information (P704)"
    assert "not a package" in reasons["readme.txt"]


def test_significance_group_is_consistent(ranked: tuple[Path, dict]) -> None:
    _, doc = ranked
    systems = doc["systems"]
    assert systems[0]["vs_best"] is None and systems[0]["in_best_group"]
    tests = [s["vs_best"] for s in systems[1:]]
    np.testing.assert_allclose([t["p_adjusted"] for t in tests],
                               holm([t["p_value"] for t in tests]))
    for s in systems[1:]:
        assert s["in_best_group"] == (s["vs_best"]["p_adjusted"] > doc["alpha"])
        assert s["vs_best"]["ci_low"] <= s["vs_best"]["difference"] <= s["vs_best"]["ci_high"]
    # the weakest system (quality 0.2) is clearly worse than the best (0.9)
    assert not systems[-1]["in_best_group"]
    assert len(doc["comparisons"]) == len(systems) - 1


def test_other_formats_agree_with_json(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    with open(out / "results.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["label"] for r in rows] == [s["label"] for s in doc["systems"]]
    assert [float(r["mAP@10"]) for r in rows] == [s["metrics"]["mAP@10"]["value"]
                                                  for s in doc["systems"]]
    assert [r["in_best_group"] == "1" for r in rows] == [s["in_best_group"]
                                                         for s in doc["systems"]]
    md = (out / "results.md").read_text(encoding="utf-8")
    assert r"Beta \| \<b\>" in md and "<b>" not in md
    tex = (out / "results.tex").read_text(encoding="utf-8")
    assert r"Beta \textbar{} \textless{}b\textgreater{}" in tex
    assert tex.count(r"\begin{tabular}") == 2


def test_deterministic_for_a_seed(challenge: tuple[Path, Path]) -> None:
    gt_path, uploads = challenge
    a = to_json(rank(uploads, gt_path, rounds=1500, seed=5))
    b = to_json(rank(uploads, gt_path, rounds=1500, seed=5))
    c = rank(uploads, gt_path, rounds=1500, seed=6)
    assert a == b
    assert [x.p_value for x in c.comparisons] != [x["p_value"] for x in
                                                  json.loads(a)["comparisons"]]


def test_exact_ties_share_a_rank(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"B_T": [("B_T_task6b_1", 0.7)],
                                                 "C_T": [("C_T_task6b_1", 0.1)],
                                                 "A_T": [("A_T_task6b_1", 0.7)]}, seed=1)
    src = next(uploads.rglob("B_T_task6b_1.output.csv"))
    shutil.copy(src, next(uploads.rglob("A_T_task6b_1.output.csv")))
    board = rank(uploads, gt_path, rounds=500)
    assert [(s.rank, s.label) for s in board.systems] == [(1, "A_T_task6b_1"),
                                                           (1, "B_T_task6b_1"),
                                                           (3, "C_T_task6b_1")]
    assert [s.team_rank for s in board.team_view()] == [1, 1, 3]
    assert board.systems[1].vs_best is not None and board.systems[1].vs_best.p_value == 1.0


def test_manifest_and_all_pairs_and_bootstrap(challenge: tuple[Path, Path],
                                              tmp_path: Path) -> None:
    gt_path, uploads = challenge
    manifest = tmp_path / "manifest.csv"
    lines = ["system,team,path"]
    for label in ("Alpha_UA_task6b_1", "Alpha_UA_task6b_2", "Beta_UB_task6b_1",
                  "Delta_UD_task6b_1"):
        lines.append(f"{label},T {label[0]},{next(uploads.rglob(f'{label}.output.csv'))}")
    lines.append("missing_1,T m,nowhere.csv")
    manifest.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = run_cli("rank", manifest, "--gt", gt_path, "--out", out, "--rounds", "500",
                     "--all-pairs", "--test", "bootstrap", "--quiet")
    assert result.returncode == 0, result.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["test"] == "bootstrap" and doc["all_pairs"] is True
    assert len(doc["systems"]) == 4 and len(doc["comparisons"]) == 6
    np.testing.assert_allclose([c["p_adjusted"] for c in doc["comparisons"]],
                               holm([c["p_value"] for c in doc["comparisons"]]))
    assert [r["label"] for r in doc["rejected"]] == ["missing_1"]


def test_bad_inputs_fail_cleanly(challenge: tuple[Path, Path], tmp_path: Path) -> None:
    gt_path, uploads = challenge
    bad = tmp_path / "manifest.csv"
    bad.write_text("name,path\nx,y\n")
    result = run_cli("rank", bad, "--gt", gt_path, "--out", tmp_path / "o")
    assert result.returncode == 1 and "system,team,path" in result.stderr
    assert "Traceback" not in result.stderr
    inside = run_cli("rank", uploads, "--gt", gt_path, "--out", uploads / "results")
    assert inside.returncode == 2 and not (uploads / "results").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    none = run_cli("rank", empty, "--gt", gt_path, "--out", tmp_path / "o2", "--quiet")
    assert none.returncode == 1 and "no system could be ranked" in none.stderr
    assert json.loads((tmp_path / "o2" / "results.json").read_text())["systems"] == []


def test_hostile_package_in_the_uploads_is_listed(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"A_T": [("A_T_task6b_1", 0.7)]}, seed=2)
    with zipfile.ZipFile(uploads / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("b_1.output.csv", b"\0" * (16 << 20))
    board = rank(uploads, gt_path, rounds=100)
    assert [s.label for s in board.systems] == ["A_T_task6b_1"]
    assert [(r.source, r.reason, r.codes) for r in board.rejected] == [
        ("bomb.zip", "the package is unusable: P706", {"P706": 1})]


def test_rerun_removes_stale_per_query_files(tmp_path: Path) -> None:
    """Per-query files of an earlier run's systems go; a file the tool did not write stays."""
    one, two = "Ab_TAU_task6b_1", "Ab_TAU_task6b_2"
    gt_path, uploads = make_challenge(tmp_path / "c", {"Ab_TAU": [(one, 0.7), (two, 0.5)]},
                                      seed=2)
    out = tmp_path / "out"
    write_results(rank(uploads, gt_path, rounds=100), out)
    (out / "per_query" / "Old_1.csv").write_text("a user's file")
    assert (out / "per_query" / f"{two}.csv").exists()
    shutil.rmtree(next(p for p in uploads.rglob(two) if p.is_dir()))
    write_results(rank(uploads, gt_path, rounds=100), out)
    assert not (out / "per_query" / f"{two}.csv").exists()
    assert (out / "per_query" / "Old_1.csv").exists()
    assert (out / "per_query" / f"{one}.csv").exists()


def _write_matrix(path: Path, queries: list[str], audio: list[str], scores: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["index", *audio])
        for q, row in zip(queries, scores, strict=True):
            writer.writerow([q, *(repr(float(v)) for v in row)])


def test_2025_multi_relevant_score_matrices(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    audio = [f"clip_{i:02d}.wav" for i in range(30)]
    queries = [f"query number {q}" for q in range(30)]
    # every file is relevant somewhere, so all 30 are in the ground truth's audio set
    relevant = [sorted({q, *rng.choice(30, size=int(rng.integers(0, 3)), replace=False).tolist()})
                for q in range(30)]
    gt_path = tmp_path / "gt.csv"
    with open(gt_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "audio_filenames"])
        for q, rel in zip(queries, relevant, strict=True):
            writer.writerow([q, repr([audio[i] for i in rel])])
    lines = ["system,team,path"]
    for s, boost in enumerate((2.0, 0.5, 0.0)):
        scores = rng.random((30, 30))
        for q, rel in enumerate(relevant):
            scores[q, rel] += boost
        _write_matrix(tmp_path / f"m{s}.csv", queries, audio, scores)
        lines.append(f"M_{s},team {s},m{s}.csv")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    board = rank(tmp_path / "manifest.csv", gt_path, rounds=200)
    assert board.edition == "2025" and board.main_metric == "mAP@16"
    assert board.metric_names == ["mAP@16", "mAP@10", "R@1", "R@5", "R@10"]
    assert [s.label for s in board.systems] == ["M_0", "M_1", "M_2"]
    for s in board.systems:
        direct = score(tmp_path / f"m{s.label[-1]}.csv", gt_path)
        assert s.metrics["mAP@16"].value == direct.metrics["mAP@16"].value


def test_csv_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"F_T": [("F_T_task6b_1", 0.5)],
                                                 "G_T": [("G_T_task6b_1", 0.4)]}, seed=5,
                                      names={"F_T": "=HYPERLINK(\"http://x\")", "G_T": "-1+2"})
    board = rank(uploads, gt_path, rounds=100)
    rows = list(csv.DictReader(to_csv(board).splitlines()))
    assert sorted(r["system_name"] for r in rows) == ["'-1+2", "'=HYPERLINK(\"http://x\")"]
    assert sorted(s.system_name for s in board.systems) == ["-1+2", "=HYPERLINK(\"http://x\")"]


def test_ranked_systems_carry_their_meta(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    beta = next(s for s in doc["systems"] if s["label"] == "Beta_UB_task6b_1")
    assert (beta["team"], beta["system_name"]) == ("Beta_UB", "Beta | <b>")
    meta = beta["meta"]
    assert meta["characteristics"]["audio_modelling"] == "PaSST"
    assert meta["characteristics"]["caption_modelling"] == "RoBERTa"
    assert meta["system"]["total_parameters"] == 123456789
    assert meta["results"]["development_testing"]["mAP@10"] == 0.31
    assert meta["technical_report"] == "pkg01/Beta_UB_task6b.technical_report.pdf"
    assert [a["lastname"] for a in meta["submission"]["authors"]] == ["Beta", "Roe"]
    assert "example.org" not in (out / "results.json").read_text(encoding="utf-8")  # no e-mail


def test_one_hostile_meta_does_not_stop_the_leaderboard(tmp_path: Path) -> None:
    teams = {"A_T": [("A_T_task6b_1", 0.7)], "B_T": [("B_T_task6b_1", 0.5)],
             "C_T": [("C_T_task6b_1", 0.3)]}
    gt_path, uploads = make_challenge(tmp_path, teams, seed=6, zipped=["C_T"])
    meta = next(uploads.rglob("B_T_task6b_1.meta.yaml"))
    meta.write_text(meta.read_text(encoding="utf-8").replace("123456789", "7" * 5000),
                    encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "200",
                     "--quiet")
    assert result.returncode == 0, result.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in doc["systems"]] == ["A_T_task6b_1", "C_T_task6b_1"]
    [rejected] = doc["rejected"]
    assert rejected["label"] == "B_T_task6b_1" and rejected["codes"] == {"P704": 1}
    assert "P704" in rejected["reason"]


def test_edition_task_decides_which_labels_rank(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"A_T": [("A_T_task8_1", 0.7)],
                                                 "B_T": [("B_T_task6b_1", 0.5)]}, seed=7,
                                      task="task8")
    assert [s.label for s in rank(uploads, gt_path, rounds=100).systems] == ["A_T_task8_1",
                                                                             "B_T_task6b_1"]
    board = rank(uploads, gt_path, rounds=100, edition="2024")
    assert [s.label for s in board.systems] == ["A_T_task8_1"]
    assert "P724" in board.rejected[0].codes and "P724" in board.rejected[0].reason


def test_manifest_refuses_names_that_spoof(challenge: tuple[Path, Path], tmp_path: Path) -> None:
    gt_path, uploads = challenge
    path = next(uploads.rglob("Alpha_UA_task6b_1.output.csv"))
    other = next(uploads.rglob("Delta_UD_task6b_1.output.csv"))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"system,team,path\nA_1,Alpha,{path}\nD_1,Alph\u202eA,{other}\n"
                        f"E_1,Bell\x07,{other}\n", encoding="utf-8")
    board = rank(manifest, gt_path, rounds=100)
    assert [s.team for s in board.systems] == ["Alpha"]
    assert [(r.label, r.codes) for r in board.rejected] == [("D_1", {"P725": 1}),
                                                            ("E_1", {"P725": 1})]
    assert "\u202e" not in board.rejected[0].team and "U+202E" in board.rejected[0].reason


def test_a_package_named_to_spoof_is_listed_escaped(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"A_T": [("A_T_task6b_1", 0.7)]}, seed=12)
    (uploads / "Alph\u202eA").mkdir()
    (uploads / "Alph\u202eA" / "notes.txt").write_text("no system here")
    board = rank(uploads, gt_path, rounds=100)
    [rejected] = board.rejected
    assert rejected.team == "Alph\\u202eA" and "P709" in rejected.reason


def test_one_dcase_package_alone_is_ranked(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.8),
                                                              ("Doe_UniX_task6b_2", 0.4)]},
                                      seed=11, zipped=["Doe_UniX"])
    folder = tmp_path / "staging" / "Doe_UniX"  # the unzipped twin of uploads/pkg00.zip
    for one in (folder, uploads / "pkg00.zip"):
        board = rank(one, gt_path, rounds=100)
        assert [s.label for s in board.systems] == ["Doe_UniX_task6b_1", "Doe_UniX_task6b_2"]
        assert board.rejected == []  # the report PDF at the top is part of the package
        assert all(s.meta is not None and s.meta.technical_report is not None
                   for s in board.systems)

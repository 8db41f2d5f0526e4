"""The overview paper's tables from `rank`: a generated 2022-shaped challenge (9 teams, 31 systems,
DCASE meta files with the paper's Table 4 characteristics, and the baseline) through the CLI;
the tests check counts, orders and escaping in results.json, paper/*.tex, paper/tables.md and
index.html."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dcase_retrieval_eval.challenge.paper import canonical_metric
from dcase_retrieval_eval.report.html import web_url
from dcase_retrieval_eval.report.leaderboard_formats import tex_escape

from .conftest import run_cli
from .organizer_data import (
    HOSTILE_AUTHOR,
    HOSTILE_METHOD,
    PAPER_BASELINE,
    make_paper_challenge,
)

TEAM_ORDER = ["Xu_SJTU", "Mei_Surrey", "Lamort_IRIT", "Pellegrini_IRIT", "Lai_CMU",
              "Wu_ByteDance", "Weck_UPF", "Xiao_UCAS", "Park_CAU", "Xie_TAU"]
DISPLAY = ["Xu et al.", "Mei et al.", "Lamort et al.", "Pellegrini", "Lai et al.", "Wu et al.",
           "Weck et al.", "Xiao et al.", "Park et al.", "Baseline"]


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, float]]:
    return make_paper_challenge(tmp_path_factory.mktemp("paper"))


@pytest.fixture(scope="module")
def ranked(challenge: tuple[Path, Path, dict[str, float]],
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    gt, uploads, _ = challenge
    out = tmp_path_factory.mktemp("paper-out") / "RESULTS"
    done = run_cli("rank", uploads, "--gt", gt, "--out", out, "--rounds", "300",
                   "--bootstrap-rankings", "200", "--baseline", PAPER_BASELINE, "--quiet")
    assert done.returncode == 0, done.stderr
    return out, json.loads((out / "results.json").read_text("utf-8"))


def by_label(doc: dict) -> dict[str, dict]:
    return {s["label"]: s for s in doc["systems"]}


def test_the_challenge_has_the_papers_shape(ranked: tuple[Path, dict]) -> None:
    _, doc = ranked
    paper = doc["paper"]
    assert len(doc["systems"]) == 32 and not doc["rejected"]
    assert (paper["n_systems"], paper["n_teams"]) == (31, 9)  # the baseline is not a submission
    assert paper["baseline"] == PAPER_BASELINE
    assert paper["characteristics"] == ["audio_modelling", "caption_modelling", "loss_function"]


def test_table2_is_each_teams_best_system_in_team_rank_order(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    teams = doc["paper"]["teams"]
    assert [t["team"] for t in teams] == TEAM_ORDER
    assert [t["team_display"] for t in teams] == DISPLAY
    assert [t["team_rank"] for t in teams] == list(range(1, 11))
    systems = by_label(doc)
    best = {s["team"]: s["label"] for s in reversed(doc["systems"])}  # first of each team wins
    for t in teams:
        assert t["label"] == best[t["team"]]
        assert t["metrics"] == systems[t["label"]]["metrics"]
    assert teams[3]["authors"] == ["Ada Pellegrini"]
    assert teams[4]["authors"] == ["Ada Lai", f"{HOSTILE_AUTHOR} Roe"]
    assert teams[0]["technical_report"].endswith("Xu_SJTU_task6b.technical_report.pdf")

    tex = (out / "paper" / "table2.tex").read_text("utf-8")
    assert r"\toprule" in tex and r"\bottomrule" in tex
    assert r"\multicolumn{2}{c}{mAP@10 with 95\% CI}" in tex
    rows = [line for line in tex.splitlines() if re.match(r"^\d+ & ", line)]
    assert [r.split(" & ")[1] for r in rows] == DISPLAY
    m = teams[0]["metrics"]["mAP@10"]
    assert rows[0].startswith(f"1 & Xu et al. & {m['value']:.3f} & "
                              f"[{m['ci_low']:.3f}, {m['ci_high']:.3f}] & ")
    assert rows[0].count(" & ") == 1 + 2 * 4


def test_table3_baseline_development_beside_evaluation(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    t3 = doc["paper"]["table3"]
    assert t3["label"] == PAPER_BASELINE and t3["development_split"] == "development_testing"
    assert t3["development"] == {"mAP@10": 0.068, "R@1": 0.032, "R@5": 0.109, "R@10": 0.188}
    assert t3["evaluation"] == by_label(doc)[PAPER_BASELINE]["metrics"]
    tex = (out / "paper" / "table3.tex").read_text("utf-8")
    assert "Development testing & 0.068 & 0.032 & 0.109 & 0.188" in tex
    ev = [f"{t3['evaluation'][m]['value']:.3f}" for m in ("mAP@10", "R@1", "R@5", "R@10")]
    assert "Evaluation & " + " & ".join(ev) in tex


def test_table4_characteristics_of_each_teams_best(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    chars = {t["team"]: t["characteristics"] for t in doc["paper"]["teams"]}
    assert chars["Xu_SJTU"] == {"audio_modelling": ["PANNs"],
                                "caption_modelling": ["BERT", "RoBERTa"],
                                "loss_function": ["InfoNCE loss"]}
    assert chars["Lamort_IRIT"]["audio_modelling"] == ["PANNs", "OpenL3", "VGGSound", "VGGish",
                                                       "BART"]
    assert chars["Weck_UPF"]["audio_modelling"] == ["panns"]  # trimmed, the team's spelling
    assert chars["Xie_TAU"]["caption_modelling"] == ["Word2Vec"]
    tex = (out / "paper" / "table4.tex").read_text("utf-8")
    assert "Rank & Team & Audio modelling & Caption modelling & Loss function" in tex
    assert "3 & Lamort et al. & PANNs, OpenL3, VGGSound, VGGish, BART & Sentence-BERT & " \
        "Triplet loss" in tex


def test_characteristic_statistics_count_systems_and_teams(ranked: tuple[Path, dict]) -> None:
    out, doc = ranked
    stats = {(v["characteristic"], v["value"].casefold()): v
             for v in doc["paper"]["characteristic_stats"]}
    systems = by_label(doc)

    def check(key: tuple[str, str], n_systems: int, n_teams: int) -> None:
        v = stats[key]
        assert (v["systems"], v["teams"]) == (n_systems, n_teams), key
        values = [systems[label]["metrics"]["mAP@10"]["value"] for label in v["labels"]]
        assert v["best"] == max(values) and v["mean"] == pytest.approx(sum(values) / len(values))
        assert systems[v["best_label"]]["metrics"]["mAP@10"]["value"] == v["best"]
        assert PAPER_BASELINE not in v["labels"]

    check(("audio_modelling", "panns"), 21, 6)  # " panns " and "PANNs" are one value
    check(("audio_modelling", "openl3"), 4, 1)  # each item of a list counts
    check(("audio_modelling", "crnn"), 2, 1)  # the baseline's CRNN is not counted
    check(("caption_modelling", "word2vec"), 4, 2)
    check(("loss_function", "triplet loss"), 12, 4)  # "triplet LOSS" folds in
    check(("caption_modelling", "bert"), 8, 2)
    order = [(v["characteristic"], v["systems"]) for v in doc["paper"]["characteristic_stats"]]
    assert order == sorted(order, key=lambda cv: (
        ["audio_modelling", "caption_modelling", "loss_function"].index(cv[0]), -cv[1]))
    md = (out / "paper" / "tables.md").read_text("utf-8")
    assert "| Audio modelling | PANNs | 21 systems from 6 teams |" in md
    tex = (out / "paper" / "characteristics.tex").read_text("utf-8")
    assert "31 submitted systems from 9 teams (the baseline not counted)" in tex


def test_characteristics_option_chooses_the_columns(
        challenge: tuple[Path, Path, dict[str, float]], tmp_path: Path) -> None:
    gt, uploads, _ = challenge
    out = tmp_path / "out"
    done = run_cli("rank", uploads, "--gt", gt, "--out", out, "--rounds", "100",
                   "--bootstrap-rankings", "0", "--characteristics",
                   " data_augmentation , machine_learning_method,external_datasets", "--quiet")
    assert done.returncode == 0, done.stderr
    paper = json.loads((out / "results.json").read_text("utf-8"))["paper"]
    assert paper["characteristics"] == ["data_augmentation", "machine_learning_method",
                                        "external_datasets"]
    assert paper["table3"] is None and paper["n_systems"] == 32
    stats = {(v["characteristic"], v["value"]): (v["systems"], v["teams"])
             for v in paper["characteristic_stats"]}
    assert stats[("data_augmentation", "SpecAugment")] == (8, 2)
    assert stats[("data_augmentation", "mixup")] == (4, 1)
    assert stats[("machine_learning_method", HOSTILE_METHOD)] == (4, 1)
    assert stats[("external_datasets", "AudioCaps")] == (27, 7)  # system.external_datasets
    assert not (out / "paper" / "table3.tex").exists()
    tex = (out / "paper" / "table4.tex").read_text("utf-8")
    assert "Rank & Team & Data augmentation & Machine learning method & External datasets" in tex
    assert tex_escape(HOSTILE_METHOD) in tex
    assert r"\textless{}b\textgreater{}contrastive\textless{}/b\textgreater{} \& 100\%\_\#\$ " \
        r"\{x\} \textbar{} \textasciitilde{}\textasciicircum{}\textbackslash{}" in tex
    html = (out / "index.html").read_text("utf-8")
    assert "<b>contrastive</b>" not in html
    assert "&lt;b&gt;contrastive&lt;/b&gt; &amp; 100%_#$ {x} | ~^\\" in html


def test_dev_vs_eval_flags_claims_outside_the_ci(challenge: tuple[Path, Path, dict[str, float]],
                                                 ranked: tuple[Path, dict]) -> None:
    _, _, evaluation = challenge
    out, doc = ranked
    rows = {r["label"]: r for r in doc["paper"]["dev_eval"]}
    assert list(rows) == [s["label"] for s in doc["systems"]]
    flagged = {label: r["outside"] for label, r in rows.items() if r["flagged"]}
    assert flagged == {"Mei_Surrey_task6b_2": "below", "Wu_ByteDance_task6b_1": "below",
                       PAPER_BASELINE: "above"}
    for label, r in rows.items():
        assert r["evaluation"] == evaluation[label]
        if r["development"] is not None:
            inside = r["ci_low"] <= r["development"] <= r["ci_high"]
            assert r["flagged"] == (not inside)
    assert rows["Weck_UPF_task6b_1"]["development_as_percent"]
    assert rows["Weck_UPF_task6b_1"]["development"] == pytest.approx(
        evaluation["Weck_UPF_task6b_1"], abs=1e-9)
    assert rows["Park_CAU_task6b_2"]["development"] is None
    svg = (out / "paper" / "dev_vs_eval.svg").read_text("utf-8")
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    assert svg.count('class="point') == 31 and svg.count('class="point flagged"') == 3
    assert 'class="diagonal"' in svg
    md = (out / "paper" / "tables.md").read_text("utf-8")
    assert "evaluation below the development claim" in md


def test_team_text_is_escaped_on_the_page_and_in_markdown(ranked: tuple[Path, dict]) -> None:
    out, _ = ranked
    html = (out / "index.html").read_text("utf-8")
    assert HOSTILE_AUTHOR not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; O&#39;Brien &amp; 100%_#$" in html
    assert 'id="paper-table2"' in html and 'id="paper-table4"' in html
    assert 'id="paper-characteristics"' in html and 'id="dev-eval"' in html
    md = (out / "paper" / "tables.md").read_text("utf-8")
    assert r"\<script\>alert('x')\</script\> O'Brien \& 100%\_#$ {x} \*y\*" in md
    assert HOSTILE_AUTHOR not in md


def test_paper_files_are_written_and_stale_ones_removed(
        challenge: tuple[Path, Path, dict[str, float]], ranked: tuple[Path, dict],
        tmp_path: Path) -> None:
    out, _ = ranked
    names = sorted(p.name for p in (out / "paper").iterdir())
    assert names == ["characteristics.tex", "dev_vs_eval.svg", "dev_vs_eval.tex",
                     "robustness_blob.svg", "table2.tex", "table3.tex", "table4.tex",
                     "tables.md"]
    gt, uploads, _ = challenge
    again = tmp_path / "again"
    assert run_cli("rank", uploads, "--gt", gt, "--out", again, "--rounds", "50",
                   "--baseline", PAPER_BASELINE, "--quiet").returncode == 0
    assert run_cli("rank", uploads, "--gt", gt, "--out", again, "--rounds", "50",
                   "--bootstrap-rankings", "0", "--quiet").returncode == 0
    left = {p.name for p in (again / "paper").iterdir()}
    assert "table3.tex" not in left and "robustness_blob.svg" not in left


def test_bad_options_are_usage_errors(challenge: tuple[Path, Path, dict[str, float]],
                                      tmp_path: Path) -> None:
    gt, uploads, _ = challenge
    done = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "x", "--rounds", "50",
                   "--baseline", "Nobody_NA_task6b_1", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--baseline Nobody_NA_task6b_1: no ranked system has this label" in done.stderr
    done = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "y", "--characteristics",
                   " , ", "--quiet")
    assert done.returncode == 2 and "--characteristics needs at least one key" in done.stderr


def test_metric_spellings_and_report_links() -> None:
    for spelling in ("mAP@10", "map_at_10", "MAP10", "map@10"):
        assert canonical_metric(spelling) == "map10"
    for spelling in ("R@1", "recall@1", "r_at_1", "Recall_1"):
        assert canonical_metric(spelling) == "r1"
    assert web_url("https://dcase.community/documents/report.pdf") == \
        "https://dcase.community/documents/report.pdf"
    for text in ("javascript:alert(1)", "data:text/html,x", "report.pdf", "//evil", None, ""):
        assert web_url(text) is None

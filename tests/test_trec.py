"""TREC interop: `convert to-trec` writes runs and qrels that trec_eval (pytrec_eval) scores to
our numbers, and `score`/`validate` read a TREC run as a submission with the same numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import score
from dcase_retrieval_eval.formats.trec import load_trec_run, looks_like_trec, name_of, trec_id
from tests.conftest import run_cli

pytrec_eval = pytest.importorskip("pytrec_eval")

#: Clotho-like names: spaces, commas, apostrophes, accents, an HTML entity, a literal '%'
FILES = [f"clip {i:02d}, take {i % 3}.wav" for i in range(30)] + [
    "Pensol - le Moulin cours d&#39;eau.wav", "café au lait.wav", "100% rain.wav", "dog.wav"]
TRICKY = ["a b", "tab\there", "new\nline", "50% off", "%20 literal", "nbsp\u00a0x", "zw\u200bj",
          "é è", "", "plain.wav", "line\u2028sep", "ctrl\x07bell"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _clotho_case(tmp: Path, seed: int) -> tuple[Path, Path]:
    """A Clotho captions ground truth (5 captions per clip) and a top-10 submission that finds
    the clip at a random position or misses it."""
    rng = np.random.default_rng(seed)
    gt_rows = [["file_name", *[f"caption_{i}" for i in range(1, 6)]]]
    sub_rows = [["caption", *[f"file_name_{i}" for i in range(1, 11)]]]
    for f, name in enumerate(FILES):
        captions = [f"Clip {f}, caption {c}: a sound 'here'" for c in range(5)]
        gt_rows.append([name, *captions])
        for caption in captions:
            others = [FILES[i] for i in rng.permutation(len(FILES)) if i != f][:10]
            pos = int(rng.integers(0, 14))
            if pos < 10:
                others[pos] = name
            sub_rows.append([caption, *others])
    return _write(tmp / "gt.csv", gt_rows), _write(tmp / "sub.csv", sub_rows)


def _multi_case(tmp: Path, seed: int) -> tuple[Path, Path]:
    """A 2025 correspondence ground truth (1-8 relevant clips) and a score matrix with many
    exact ties (scores rounded to one decimal), so that the tie rule matters."""
    rng = np.random.default_rng(seed)
    queries = [f"query {q}, with a comma" for q in range(60)]
    gt_rows = [["query", "audio_filenames"]]
    matrix = [["index", *FILES]]
    for q in queries:
        rel = rng.choice(len(FILES), int(rng.integers(1, 9)), replace=False)
        gt_rows.append([q, repr([FILES[i] for i in rel])])
        scores = np.round(rng.random(len(FILES)), 1)
        scores[rel] += rng.choice([0.0, 0.05], rel.size)
        matrix.append([q, *map(repr, scores.tolist())])
    return _write(tmp / "gt.csv", gt_rows), _write(tmp / "sub.csv", matrix)


def _trec_eval(out: Path, run: Path, measures: set[str]) -> dict[str, dict[str, float]]:
    with open(out / "qrels.txt", encoding="utf-8") as fh:
        qrels = pytrec_eval.parse_qrel(fh)
    with open(run, encoding="utf-8") as fh:
        parsed = pytrec_eval.parse_run(fh)
    result: dict[str, dict[str, float]] = pytrec_eval.RelevanceEvaluator(
        qrels, measures).evaluate(parsed)
    return result


def _ours(report: object, gt_queries: list[str]) -> dict[str, dict[str, float]]:
    values = report.per_query.values  # type: ignore[attr-defined]
    return {trec_id(q): {m: float(v[i]) for m, v in values.items()}
            for i, q in enumerate(gt_queries)}


def _gt_queries(gt: Path) -> list[str]:
    from dcase_retrieval_eval import load_ground_truth

    return load_ground_truth(gt).queries


def test_ids_are_whitespace_free_and_reversible() -> None:
    for name in TRICKY + FILES:
        ident = trec_id(name)
        assert ident.split() == ([ident] if name else []), (name, ident)
        assert ident.isprintable() and name_of(ident) == name
    assert trec_id("dog.wav") == "dog.wav"
    assert trec_id("100% rain.wav") == "100%25%20rain.wav"
    assert trec_id("café au lait.wav") == "café%20au%20lait.wav"
    assert name_of("dog%FF.wav") is None  # not UTF-8
    assert name_of("50%zz") == "50%zz"  # a bare % of another tool's id is kept


def test_clotho_export_scores_our_numbers_in_trec_eval(tmp_path: Path) -> None:
    gt, sub = _clotho_case(tmp_path, 1)
    out = tmp_path / "trec"
    proc = run_cli("convert", "to-trec", sub, "--gt", gt, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "trec_eval -c -m map_cut.10" in proc.stdout
    run = out / "sub.run"
    for path in (run, out / "qrels.txt"):
        assert all(len(line.split()) == (6 if path == run else 4)
                   for line in path.read_text(encoding="utf-8").splitlines())
    report = score(sub, gt)  # 2022 preset: mAP@10 and R@1/5/10, one relevant clip per query
    ours = _ours(report, _gt_queries(gt))
    trec = _trec_eval(out, run, {"map_cut.10", "recall.1,5,10", "recip_rank"})
    assert set(trec) == set(ours)
    pairs = {"mAP@10": "map_cut_10", "R@1": "recall_1", "R@5": "recall_5", "R@10": "recall_10"}
    for qid, values in ours.items():
        for m, t in pairs.items():
            assert values[m] == pytest.approx(trec[qid][t], abs=1e-12), (qid, m)
        # with one relevant clip in the top 10, AP@10 is its reciprocal rank
        assert values["mAP@10"] == pytest.approx(
            trec[qid]["recip_rank"] if values["R@10"] else 0.0, abs=1e-12)
    means = {t: np.mean([trec[q][t] for q in trec]) for t in pairs.values()}
    for m, t in pairs.items():
        assert report.metrics[m].value == pytest.approx(means[t], abs=1e-12)
    # the mapping lists every id with its name
    with open(out / "mapping.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["name"] for r in rows if r["kind"] == "file"} == set(FILES)
    assert all(trec_id(r["name"]) == r["trec_id"] for r in rows)


def test_matrix_with_ties_exports_our_ranking_and_reads_back(tmp_path: Path) -> None:
    gt, sub = _multi_case(tmp_path, 2)
    out = tmp_path / "trec"
    assert run_cli("convert", "to-trec", sub, "--gt", gt, "--out", out).returncode == 0
    run = out / "sub.run"
    report = score(sub, gt, edition="2025")
    assert report.main_metric == "mAP@16"
    ours = _ours(report, _gt_queries(gt))
    trec = _trec_eval(out, run, {"map_cut.10,16", "recall.1,5,10"})
    for qid, values in ours.items():
        for m, t in {"mAP@16": "map_cut_16", "mAP@10": "map_cut_10", "R@1": "recall_1",
                     "R@5": "recall_5", "R@10": "recall_10"}.items():
            assert values[m] == pytest.approx(trec[qid][t], abs=1e-12), (qid, m)
    # the run read back as a submission gives the same report
    back = score(run, gt, edition="2025")
    assert back.validation.format == "trec" and back.validation.valid
    for m, stats in report.metrics.items():
        assert back.metrics[m].value == stats.value and back.metrics[m].ci_low == stats.ci_low
    proc = run_cli("score", run, "--gt", gt, "--edition", "2025", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["metrics"]["mAP@16"]["value"] == report.metrics["mAP@16"].value
    assert "trec_eval" in doc["policy"]["tie_rule"]


def test_a_foreign_run_with_ties_is_ranked_as_trec_eval_ranks_it(tmp_path: Path) -> None:
    gt, _ = _multi_case(tmp_path, 3)
    queries = _gt_queries(gt)
    rng = np.random.default_rng(3)
    lines = []
    for q in queries:  # every query ranks all files with three distinct scores: ties decide
        order = rng.permutation(len(FILES))
        for rank, i in enumerate(order, start=1):
            lines.append(f"{trec_id(q)}\tQ0\t{trec_id(FILES[i])}\t{rank}\t{i % 3}\tother")
    run = tmp_path / "foreign.txt"  # recognised by its content
    run.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert looks_like_trec(run)
    out = tmp_path / "trec"
    assert run_cli("convert", "to-trec", "--gt", gt, "--out", out).returncode == 0
    trec = _trec_eval(out, run, {"map_cut.10,16", "recall.5", "ndcg_cut.10"})
    report = score(run, gt, edition="2025")
    assert report.validation.valid
    ours = _ours(report, queries)
    for qid in ours:
        assert ours[qid]["mAP@16"] == pytest.approx(trec[qid]["map_cut_16"], abs=1e-12)
        assert ours[qid]["mAP@10"] == pytest.approx(trec[qid]["map_cut_10"], abs=1e-12)
        assert ours[qid]["R@5"] == pytest.approx(trec[qid]["recall_5"], abs=1e-12)
    # the same scores as a CSV matrix are ranked by our matrix rule (name ascending), which
    # differs on this run: the tie rule is what the comparison above checks
    scores = {(f.split("\t")[0], f.split("\t")[2]): f.split("\t")[4] for f in lines}
    matrix = [["index", *FILES]] + [[q, *[scores[trec_id(q), trec_id(f)] for f in FILES]]
                                    for q in queries]
    as_csv = score(_write(tmp_path / "same.csv", matrix), gt, edition="2025")
    assert as_csv.metrics["mAP@16"].value != report.metrics["mAP@16"].value


def test_graded_qrels_give_trec_eval_ndcg(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = [["query", "file_name", "relevance"]]
    for q in range(40):
        for i in rng.choice(len(FILES), 6, replace=False):
            rows.append([f"graded query {q}", FILES[i], str(int(rng.integers(0, 101)))])
    gt = _write(tmp_path / "graded.csv", rows)
    matrix = [["index", *FILES]] + [
        [f"graded query {q}", *map(repr, rng.random(len(FILES)).tolist())] for q in range(40)]
    sub = _write(tmp_path / "m.csv", matrix)
    out = tmp_path / "trec"
    assert run_cli("convert", "to-trec", sub, "--gt", gt, "--out", out,
                   "--depth", "34").returncode == 0
    report = score(sub, gt, edition="graded")
    trec = _trec_eval(out, out / "m.run", {"ndcg_cut.10"})
    for qid, values in _ours(report, _gt_queries(gt)).items():
        assert values["nDCG@10"] == pytest.approx(trec[qid]["ndcg_cut_10"], abs=1e-12)
    # a grade that is not a whole number has no TREC form: a usage error, nothing written
    rows[1][2] = "2.5"
    bad = _write(tmp_path / "half.csv", rows)
    proc = run_cli("convert", "to-trec", "--gt", bad, "--out", tmp_path / "half")
    assert proc.returncode == 2 and "whole number" in proc.stderr
    assert not (tmp_path / "half" / "qrels.txt").exists()


def test_depth_of_a_matrix_export(tmp_path: Path) -> None:
    gt, sub = _multi_case(tmp_path, 4)
    out = tmp_path / "d"
    assert run_cli("convert", "to-trec", sub, "--out", out, "--depth", "7",
                   "--tag", "my system").returncode == 0
    lines = (out / "sub.run").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 60 * 7 and not (out / "qrels.txt").exists()
    assert {ln.split()[5] for ln in lines} == {"my%20system"}
    assert [ln.split()[4] for ln in lines[:7]] == ["7", "6", "5", "4", "3", "2", "1"]


def _validate(run: Path, gt: Path, *extra: str) -> tuple[int, list[tuple[str, int, int]]]:
    proc = run_cli("validate", run, "--gt", gt, "--format", "json", *extra)
    doc = json.loads(proc.stdout)
    return proc.returncode, [(f["code"], f["line"], f["column"]) for f in doc["findings"]]


def test_bad_runs_are_findings_at_their_lines(tmp_path: Path) -> None:
    files = FILES[-12:]  # 'café au lait.wav', 'dog.wav', ... among them
    gt = _write(tmp_path / "gt.csv", [["file_name", "caption_1"], ["dog.wav", "A dog barks."],
                                      ["café au lait.wav", "Rain falls."]])
    dog, rain = trec_id("A dog barks."), trec_id("Rain falls.")
    audio = tmp_path / "audio.txt"
    audio.write_text("\n".join(files) + "\n", encoding="utf-8")

    def ranking(qid: str, n: int) -> list[str]:
        return [f"{qid} Q0 {trec_id(f)} {r + 1} {n - r} s" for r, f in enumerate(files[:n])]

    good = ranking(dog, 11) + ranking(rain, 12)  # lines 1-11 and 12-23
    run = tmp_path / "ok.run"
    run.write_text("\n".join(good) + "\n", encoding="utf-8")
    # longer than k: cut at k, as trec_eval's cut-off measures are (no A404)
    assert _validate(run, gt, "--audio-list", str(audio)) == (0, [])
    cases = {
        "T901": ([f"{dog} Q0 café au lait.wav 1 2 s"], 1, 0),  # an unencoded name
        "T902": ([f"{dog} Q0 dog.wav 1 inf s"], 1, 5),
        "T903": ([f"{dog} Q0 dog%C3.wav 1 1 s"], 1, 3),
        "A402": ([f"{dog} Q0 {trec_id(files[0])} 3 5.5 s"], 24, 3),
        "A401": ([f"{dog} Q0 cat.wav 3 99 s"], 24, 3),
    }
    for code, (extra, line, column) in cases.items():
        bad = tmp_path / f"{code}.run"
        body = extra + good if line == 1 else good + extra
        bad.write_text("\n".join(body) + "\n", encoding="utf-8")
        rc, found = _validate(bad, gt, "--audio-list", str(audio))
        assert rc == 1 and (code, line, column) in found, (code, found)
    short = tmp_path / "short.run"
    short.write_text("\n".join(ranking(dog, 10) + ranking(rain, 4)) + "\n", encoding="utf-8")
    rc, found = _validate(short, gt, "--audio-list", str(audio))
    assert rc == 1 and ("A403", 11, 0) in found
    proc = run_cli("score", short, "--gt", gt, "--lenient", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["policy"]["short_rankings"] == 1
    empty = tmp_path / "empty.run"
    empty.write_text("\n\n", encoding="utf-8")
    assert _validate(empty, gt)[0] == 1
    sub = load_trec_run(tmp_path / "A402.run")
    assert sub.format == "trec" and sub.row_files(0).count(files[0]) == 2


def test_outputs_never_replace_inputs(tmp_path: Path) -> None:
    gt, sub = _clotho_case(tmp_path, 6)
    out = tmp_path / "o"
    out.mkdir()
    qrels = out / "qrels.txt"
    gt_copy = qrels.write_bytes(gt.read_bytes())
    assert gt_copy
    proc = run_cli("convert", "to-trec", sub, "--gt", qrels, "--out", out)
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert qrels.read_bytes() == gt.read_bytes() and not (out / "mapping.csv").exists()
    proc = run_cli("convert", "to-trec", "--out", out)
    assert proc.returncode == 2
    # an invalid submission is refused with its findings, nothing written
    broken = tmp_path / "broken.csv"
    broken.write_text("caption,file_name_1\nA,\"b\n", encoding="utf-8")
    proc = run_cli("convert", "to-trec", broken, "--out", tmp_path / "b")
    assert proc.returncode == 1 and "C205" in proc.stdout
    assert not (tmp_path / "b" / "broken.run").exists()


def test_python_api_writes_and_reads_trec(tmp_path: Path) -> None:
    import dcase_retrieval_eval as dre

    gt_path, sub_path = _clotho_case(tmp_path, 8)
    gt, sub = dre.load_ground_truth(gt_path), dre.load_submission(sub_path)
    done = dre.write_trec(tmp_path / "api", gt=gt, sub=sub, tag="api")
    assert done.run is not None and done.run.name == "run.trec" and done.qrels_lines == 5 * 34
    back = dre.load_trec_run(done.run)
    assert back.format == "trec" and back.queries == sub.queries
    assert [back.row_files(r) for r in range(3)] == [sub.row_files(r) for r in range(3)]
    _same_numbers = dre.score(done.run, gt)
    assert _same_numbers.metrics == dre.score(sub_path, gt).metrics


def test_to_trec_refuses_a_submission_with_errors_counting_every_one(tmp_path: Path) -> None:
    # 1,003 short rows (more than the 1,000 findings kept per code) and a warning of the header:
    # the reason counts every error, the table shows errors only, nothing is written
    rows = [["", "file_name_1", "file_name_2"], ["q0", "a.wav", "b.wav"]]
    rows += [[f"q{i}", "a.wav"] for i in range(1, 1004)]
    sub = _write(tmp_path / "sub.csv", rows)
    out = tmp_path / "out"
    proc = run_cli("convert", "to-trec", sub, "--out", out)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert "sub.csv has 1003 error(s): fix them" in text
    assert "C204" in text and "C209" not in text
    assert not out.exists()

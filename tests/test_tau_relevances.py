"""`dcase-eval convert tau-relevances`: the TAU Audio-Text Graded Relevances 2023 layout."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import InputError, load_ground_truth, score
from dcase_retrieval_eval.formats.tau_relevances import convert_tau_relevances
from tests.conftest import run_cli

CLIPS = [f"Clip {i}, recorded d&#39;eau.wav" if i % 4 == 0 else f"clip_{i}.wav"
         for i in range(40)]


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _dataset(root: Path, *, nested: bool = False, text_revision: int = 1,
             n_queries: int = 12, split: str = "evaluation") -> dict[tuple[str, str], int]:
    """A folder in the published layout, with random ids as the dataset uses; returns the
    expected (caption, file name) -> rating."""
    rng = np.random.default_rng(5)
    fid = {c: f"f{rng.integers(1 << 40):x}=" for c in CLIPS}
    captions = [f"A caption, number {q}, with \"quotes\"." for q in range(n_queries)]
    if split != "evaluation":
        captions = [f"{split.title()} caption {q}." for q in range(n_queries)]
    tid = {c: f"t{rng.integers(1 << 40):x}=" for c in captions}
    sub = (lambda name: root / "data" / name) if nested else (lambda name: root)
    audio_rows = [["split", "fid", "file_name", "keywords", "sound_id", "sound_link",
                   "start_end_samples", "manufacturer", "license"]]
    audio_rows += [[f"clotho_{split}", fid[c], c, "a;b", "1", "https://x", "[0, 1]", "u",
                    "cc0"] for c in CLIPS]
    _write(sub("audio_metadata") / f"{split}_audio_metadata.csv", audio_rows)
    extra = [f"Another caption {i}." for i in range(5)]
    tid.update({c: f"x{i}=" for i, c in enumerate(extra)})
    if text_revision == 1:
        text_rows = [["split", "tid", "text"], *[[f"clotho_{split}", tid[c], c]
                                                 for c in [*extra, *captions]]]
    else:
        text_rows = [["split", "tid", "fid", "text", "tokens"], *[
            [f"clotho_{split}", tid[c], fid[CLIPS[0]], c, repr(c.lower().split())]
            for c in [*extra, *captions]]]
    _write(sub("text_data") / f"{split}_text.csv", text_rows)
    expected: dict[tuple[str, str], int] = {}
    rel_rows = [["tid", "fid", "fid_group", "rating"]]
    for c in captions:
        for j, clip in enumerate(rng.choice(CLIPS, 17, replace=False)):
            rating = int(rng.integers(0, 101)) if j % 3 else 0
            expected[(c, str(clip))] = rating
            rel_rows.append([tid[c], fid[str(clip)], "TP" if j == 0 else "C15", str(rating)])
    _write(sub("relevance_data") / f"{split}_relevances.csv", rel_rows)
    return expected


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize(("nested", "revision"), [(False, 1), (True, 2)])
def test_cli_converts_the_published_layout(tmp_path: Path, nested: bool, revision: int) -> None:
    expected = _dataset(tmp_path / "tau", nested=nested, text_revision=revision)
    out = tmp_path / "graded.csv"
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", out)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "204 rated pairs" in proc.stdout and "12 queries" in proc.stdout
    rows = _read(out)
    assert rows[0] == ["query", "file_name", "relevance"]
    assert {(q, f): int(r) for q, f, r in rows[1:]} == expected and len(rows) == 205
    gt = load_ground_truth(out)
    assert gt.format == "graded" and gt.n_queries == 12
    assert not gt.audio_set_known


def test_converted_file_scores_graded(tmp_path: Path) -> None:
    expected = _dataset(tmp_path / "tau")
    out = tmp_path / "graded.csv"
    convert_tau_relevances(tmp_path / "tau", out)
    best: dict[str, list[str]] = {}
    for (q, f), _rating in sorted(expected.items(), key=lambda kv: -kv[1]):
        best.setdefault(q, []).append(f)
    rows = [["caption", *[f"fname_{i}" for i in range(1, 11)]],
            *[[q, *files[:10]] for q, files in best.items()]]
    sub = _write(tmp_path / "sub.csv", rows)
    report = score(sub, out)
    assert report.edition == "graded" and report.metrics["nDCG@10"].value == pytest.approx(1.0)
    proc = run_cli("score", sub, "--gt", out, "--format", "json")
    assert json.loads(proc.stdout)["metrics"]["nDCG@10"]["value"] == pytest.approx(1.0)


def test_unknown_ids_and_bad_ratings_are_findings(tmp_path: Path) -> None:
    _dataset(tmp_path / "tau")
    rel = tmp_path / "tau" / "evaluation_relevances.csv"
    rows = _read(rel)
    rows[2][0] = "missing="
    rows[4][1] = "nofile="
    rows[6][3] = "high"
    rows[7][3] = "-3"
    _write(rel, rows)
    out = tmp_path / "graded.csv"
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", out)
    assert proc.returncode == 1 and "G608" in proc.stdout and "G607" in proc.stdout
    assert "Traceback" not in proc.stderr and not out.exists()
    with pytest.raises(InputError) as caught:
        convert_tau_relevances(tmp_path / "tau", out)
    got = [(f.code, f.line, f.column) for f in caught.value.findings]
    assert got == [("G608", 3, 1), ("G608", 5, 2), ("G607", 7, 4), ("G607", 8, 4)]
    messages = " ".join(f.message for f in caught.value.findings)
    for text in ("'missing='", "'nofile='", "'high'", "'-3'"):
        assert text in messages, text
    assert not out.exists()


def test_missing_file_or_column_is_reported(tmp_path: Path) -> None:
    _dataset(tmp_path / "tau")
    (tmp_path / "tau" / "evaluation_text.csv").unlink()
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", tmp_path / "o.csv")
    assert proc.returncode == 2 and "evaluation_text.csv" in proc.stderr
    assert "Traceback" not in proc.stderr
    _dataset(tmp_path / "tau2")
    audio = tmp_path / "tau2" / "evaluation_audio_metadata.csv"
    audio.write_text(audio.read_text(encoding="utf-8").replace("file_name", "name", 1),
                     encoding="utf-8")
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau2", tmp_path / "o.csv")
    assert proc.returncode == 1 and "C202" in proc.stdout and "G608" not in proc.stdout
    with pytest.raises(InputError) as caught:
        convert_tau_relevances(tmp_path / "tau2", tmp_path / "o.csv")
    (finding,) = caught.value.findings
    assert (finding.code, finding.line, finding.file) == ("C202", 1, str(audio))
    assert "'file_name'" in finding.message


def test_output_over_an_input_is_refused(tmp_path: Path) -> None:
    _dataset(tmp_path / "tau")
    target = tmp_path / "tau" / "evaluation_text.csv"
    before = target.read_bytes()
    proc = run_cli("convert", "tau-relevances", tmp_path / "tau", target)
    assert proc.returncode in (1, 2) and target.read_bytes() == before


def test_split_reads_each_published_split(tmp_path: Path) -> None:
    """The dataset ships development, validation and evaluation files in the same shape, side by
    side in its folders: --split picks one, evaluation by default."""
    root = tmp_path / "tau"
    wanted = {split: _dataset(root, nested=True, n_queries=n, split=split)
              for split, n in (("development", 9), ("validation", 6), ("evaluation", 12))}
    for split, expected in wanted.items():
        out = tmp_path / f"{split}.csv"
        args = ["--split", split] if split != "evaluation" else []
        proc = run_cli("convert", "tau-relevances", root, out, *args)
        assert proc.returncode == 0, proc.stderr
        assert f"the {split} split" in proc.stdout
        with open(out, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        assert {(q, f): int(r) for q, f, r in rows} == expected
    assert load_ground_truth(tmp_path / "development.csv").n_queries == 9


def test_a_missing_split_names_the_ones_present(tmp_path: Path) -> None:
    root = tmp_path / "tau"
    _dataset(root, nested=True, split="development")
    proc = run_cli("convert", "tau-relevances", root, tmp_path / "out.csv")
    assert proc.returncode == 2 and "evaluation_relevances.csv" in proc.stderr
    assert "--split development" in proc.stderr and not (tmp_path / "out.csv").exists()
    proc = run_cli("convert", "tau-relevances", root, tmp_path / "out.csv", "--split", "test")
    assert proc.returncode == 2 and "--split" in proc.stderr

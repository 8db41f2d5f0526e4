"""Regression tests of issue 10 (hardening): outputs never touch inputs, user text is never read as
markup, unwritable outputs and absurd options are usage errors, writes are atomic and keep modes.

Each test names the item of the issue it holds. Commands run through the CLI (in-process with
click's runner, or as a subprocess where the real entry point matters) on generated data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth

from .conftest import ROOT, check_no_crash, cli, run_cli

# --- item 1: rank never replaces or deletes an input ----------------------------------------


# --- item 3: brackets and emoji codes in user text ----------------------------------------


def test_brackets_in_paths_and_members_are_printed_verbatim(
        tmp_path: Path, sub_and_gt: tuple[Path, Path]) -> None:
    sub, gt_path = sub_and_gt
    folder = tmp_path / "d[" / "]bad"
    folder.mkdir(parents=True)
    odd_sub = folder / "sub [final] :smile:.csv"
    odd_sub.write_bytes(sub.read_bytes().replace(b"caption", b"captio", 1))
    result = run_cli("validate", odd_sub, "--gt", gt_path)
    assert result.returncode == 1 and "sub [final] :smile:.csv" in result.stdout
    good = folder / "[final] ok.csv"
    good.write_bytes(sub.read_bytes())
    scored = run_cli("score", good, "--gt", gt_path)
    assert scored.returncode == 0 and "d[/]bad/[final] ok.csv" in scored.stdout
    manifest = folder / "manifest [x].csv"
    manifest.write_text(f"system,team,path\nA_1,[bold]Team[/bold],{good.name}\n",
                        encoding="utf-8")
    ranked = run_cli("rank", manifest, "--gt", gt_path, "--out", tmp_path / "r", "--rounds",
                     "50")
    assert ranked.returncode == 0 and "[bold]Team[/bold]" in ranked.stdout
    package = tmp_path / "team.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("[/]x/[red]A_1.output.csv", sub.read_bytes())
    zipped = run_cli("validate", package, "--gt", gt_path)
    assert zipped.returncode in (0, 1) and "[/]x/" in zipped.stdout + zipped.stderr


# --- items 5, 19: unwritable outputs and refused overwrites are usage errors ----------------


# --- item 6: option ranges ------------------------------------------------------------------


# --- item 7: temporary files ------------------------------------------------------------------


# --- item 8: strict JSON ----------------------------------------------------------------------


def test_one_query_json_has_null_not_nan(tmp_path: Path) -> None:
    gt_path = tmp_path / "gt.csv"
    gt_path.write_text("file_name,caption_1\na.wav,A dog barks.\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text("caption,file_name_1\nA dog barks.,a.wav\n", encoding="utf-8")
    code, out, _ = cli("score", sub, "--gt", gt_path, "--format", "json", "--lenient")
    assert code == 0 and "NaN" not in out
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
    assert doc["metrics"]["mAP@10"]["std_err"] is None


# --- item 9: modes follow the umask, a replaced file keeps its mode ---------------------------


# --- item 10: pipes and devices -------------------------------------------------------------


def test_a_pipe_is_refused_not_called_empty(sub_and_gt: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    sub, gt_path = sub_and_gt
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "dcase_retrieval_eval", "validate", "/dev/stdin",
                           "--gt", str(gt_path)], input=sub.read_text(encoding="utf-8"),
                          capture_output=True, text=True, env=env, cwd=ROOT)
    check_no_crash(proc.returncode, proc.stdout, proc.stderr, "validate /dev/stdin")
    assert proc.returncode == 2 and "F102" not in proc.stdout + proc.stderr
    assert "not a regular file" in proc.stderr
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    code, out, err = cli("score", sub, "--gt", fifo)
    assert code == 2 and "not a regular file" in err
    from dcase_retrieval_eval.formats.submission import load_submission

    codes = [f.code for f in load_submission(fifo).findings]
    assert codes == ["F105"]


# --- item 12: a caption shared by two files under the 2022 preset ---------------------------


def test_shared_caption_counts_the_last_file_and_ap_stays_at_most_1(
        tmp_path: Path) -> None:
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
                         "--audio-list", _audio_list(tmp_path, ["a.wav", "b.wav", "x.wav"]),
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


def _audio_list(folder: Path, names: list[str]) -> Path:
    path = folder / "audio.txt"
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return path


# --- item 13: a score matrix without audio columns -------------------------------------------


def test_matrix_without_audio_columns_is_invalid(sub_and_gt: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    _, gt_path = sub_and_gt
    queries = load_ground_truth(gt_path).queries
    sub = tmp_path / "matrix.csv"
    sub.write_text("index\n" + "\n".join(queries) + "\n", encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    assert code == 1 and "M507" in json.loads(out)["counts"]
    assert cli("score", sub, "--gt", gt_path)[0] == 1


# --- item 15: only plain decimal and scientific notation are scores --------------------------


@pytest.mark.parametrize("cell", ["1_000", "١٫٥", " 1.5 ", "0x1p-2", "1,5", "½"])
def test_only_plain_numbers_are_scores(tmp_path: Path, cell: str) -> None:
    gt_path = tmp_path / "gt.csv"
    gt_path.write_text("query,file_name\nA dog barks.,a.wav\nRain.,b.wav\n", encoding="utf-8")
    sub = tmp_path / "m.csv"
    sub.write_text(f'index,a.wav,b.wav\nA dog barks.,"{cell}",0.25\nRain.,1e-3,-.5\n',
                   encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["counts"] == {"M501": 1}
    assert [(f["line"], f["column"]) for f in doc["findings"]] == [(2, 2)]


# --- item 17: a ground-truth row wider than its header -----------------------------------------


def test_gt_row_with_extra_cells_is_an_error(sub_and_gt: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    sub, _ = sub_and_gt
    gt_path = tmp_path / "gt_wide.csv"
    gt_path.write_text("file_name,caption_1,caption_2\n"
                       "a.wav,A dog barks.,Rain on a roof.\n"
                       "b.wav,Wind in trees.,A door creaks.,An extra caption.\n",
                       encoding="utf-8")
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and [(f["code"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("C204", 3, 4)]
    assert "ground truth" in doc["findings"][0]["message"]


# --- item 20: findings about a ground truth speak of the ground truth --------------------------


@pytest.mark.parametrize("content", [b"", b"file_name,caption_1\na.wav,A dog\0 barks.\n",
                                     b"file_name,caption_1\na.wav,Caf\xe9\n"])
def test_ground_truth_findings_do_not_speak_of_a_submission(
        sub_and_gt: tuple[Path, Path], tmp_path: Path, content: bytes) -> None:
    sub, _ = sub_and_gt
    gt_path = tmp_path / "gt_bad.csv"
    gt_path.write_bytes(content)
    code, out, _ = cli("validate", sub, "--gt", gt_path, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["findings"]
    for finding in doc["findings"]:
        text = (finding["message"] + " " + finding["hint"]).lower()
        assert "submission" not in text and "per query" not in text, finding
    assert any("ground truth" in (f["message"] + f["hint"]) for f in doc["findings"]) or \
        doc["findings"][0]["code"] == "F104"


# --- item 11: --per-query is linear -------------------------------------------------------------


def test_per_query_costs_little_next_to_scoring(tmp_path: Path) -> None:
    """50,000 queries: the old writer recomputed every query's positions per row (about 15
    minutes here); now the file costs less than the scoring itself."""
    import time

    import numpy as np

    from dcase_retrieval_eval.api import score
    from dcase_retrieval_eval.report.per_query import write_per_query

    n_files, rng = 10_000, np.random.default_rng(0)
    gt_path, sub = tmp_path / "gt.csv", tmp_path / "sub.csv"
    files = [f"clip {i:05d}.wav" for i in range(n_files)]
    with open(gt_path, "w", encoding="utf-8") as fh:
        fh.write("file_name," + ",".join(f"caption_{j}" for j in range(1, 6)) + "\n")
        fh.writelines(f"{f},{','.join(f'caption {j} of {i}' for j in range(5))}\n"
                      for i, f in enumerate(files))
    picks = rng.integers(0, n_files, size=(n_files * 5, 10))
    with open(sub, "w", encoding="utf-8") as fh:
        fh.write("caption," + ",".join(f"file_name_{j}" for j in range(1, 11)) + "\n")
        for q, row in enumerate(picks):
            ranked = list(dict.fromkeys([q // 5, *row.tolist()]))[:10]
            ranked = ranked[1:] + ranked[:1] if q % 3 else ranked
            fh.write(f"caption {q % 5} of {q // 5}," + ",".join(files[i] for i in ranked) + "\n")
    gt = load_ground_truth(gt_path)
    start = time.perf_counter()
    report = score(sub, gt)
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    write_per_query(tmp_path / "pq.csv", report, gt)
    writing = time.perf_counter() - start
    assert writing < scoring + 0.5, (writing, scoring)
    import csv as _csv

    rows = list(_csv.reader((tmp_path / "pq.csv").open(encoding="utf-8")))
    assert len(rows) == n_files * 5 + 1 and rows[0][:3] == ["query", "relevant_files",
                                                             "positions_found"]
    for q in (0, 1, 49_999):
        pos = [int(p) for p in rows[q + 1][2].split()]
        assert pos == [p + 1 for p in np.flatnonzero(report.per_query.hits[q]).tolist()]
        assert float(rows[q + 1][3]) == report.per_query.values["mAP@10"][q]


def test_per_query_text_is_what_csv_writer_writes(tmp_path: Path) -> None:
    """The column-wise writer quotes exactly as `csv.writer` would (commas, quotes, CR/LF)."""
    import csv as _csv
    import io

    import numpy as np

    from dcase_retrieval_eval.api import score
    from dcase_retrieval_eval.report.per_query import csv_field, write_per_query

    for text in ["plain", "a, b", 'say "hi"', "line\nbreak", "", " lead", "é,ü"]:
        buf = io.StringIO()
        _csv.writer(buf, lineterminator="\n").writerow([text, "x"])
        assert buf.getvalue() == csv_field(text) + ",x\n"
    # a lone CR is quoted too (csv.writer with LF line ends leaves it bare, which a reader splits)
    assert csv_field("cr\rhere") == '"cr\rhere"'
    assert next(_csv.reader(io.StringIO(csv_field("cr\rhere") + ",x\n", newline=""))) == [
        "cr\rhere", "x"]
    gt_path = tmp_path / "gt.csv"
    with open(gt_path, "w", encoding="utf-8", newline="") as fh:
        _csv.writer(fh, lineterminator="\n").writerows([
            ["query", "audio_filenames"], ["A dog, barking", repr(['a "b".wav', "c.wav"])],
            ['Rain "heavy"', repr(["c.wav"])], ["Wind.", repr(["d, e.wav"])]])
    gt = load_ground_truth(gt_path)
    sub = tmp_path / "m.csv"
    names = gt.audio
    with open(sub, "w", encoding="utf-8", newline="") as fh:
        writer = _csv.writer(fh, lineterminator="\n")
        writer.writerow(["index", *names])
        for q, query in enumerate(gt.queries):
            writer.writerow([query, *[repr(0.9 - 0.1 * ((j + q) % len(names)))
                                      for j in range(len(names))]])
    report = score(sub, gt)
    out = tmp_path / "pq.csv"
    write_per_query(out, report, gt)
    expected = io.StringIO()
    writer = _csv.writer(expected, lineterminator="\n")
    pq = report.per_query
    assert pq is not None
    writer.writerow(["query", "relevant_files", "positions_found", *pq.values])
    for q, query in enumerate(gt.queries):
        writer.writerow([query, json.dumps(gt.relevant(q), ensure_ascii=False),
                         " ".join(str(p + 1) for p in np.flatnonzero(pq.hits[q])),
                         *(repr(float(v[q])) for v in pq.values.values())])
    assert out.read_text(encoding="utf-8") == expected.getvalue()


@pytest.mark.parametrize("names", [
    ["plain.wav", "a, b.wav", "é ü.wav", "it's.wav"],  # no JSON escape: the fast branch
    ["plain.wav", 'say "hi".wav', "back\\slash.wav", "x, y.wav"],  # escapes: per name
])
def test_per_query_of_a_clotho_ground_truth_is_what_csv_writer_writes(
        tmp_path: Path, names: list[str]) -> None:
    """One relevant file per query (Clotho): the relevant-files column is made once per file,
    with or without JSON escapes, and equals csv.writer's text of `json.dumps`."""
    import csv as _csv
    import io

    import numpy as np

    from dcase_retrieval_eval.api import score
    from dcase_retrieval_eval.report.per_query import write_per_query

    gt_path, sub = tmp_path / "gt.csv", tmp_path / "sub.csv"
    with open(gt_path, "w", encoding="utf-8", newline="") as fh:
        writer = _csv.writer(fh, lineterminator="\n")
        writer.writerow(["file_name", "caption_1", "caption_2"])
        writer.writerows([name, f"first of {i}", f"second, of {i}"]
                         for i, name in enumerate(names))
    gt = load_ground_truth(gt_path)
    with open(sub, "w", encoding="utf-8", newline="") as fh:
        writer = _csv.writer(fh, lineterminator="\n")
        writer.writerow(["caption", "file_name_1", "file_name_2"])
        for q, query in enumerate(gt.queries):
            writer.writerow([query, names[(q + 1) % len(names)], names[q % len(names)]])
    report = score(sub, gt, k=2, lenient=True)  # two files each, of four
    out = tmp_path / "pq.csv"
    write_per_query(out, report, gt)
    pq = report.per_query
    assert pq is not None
    expected = io.StringIO()
    writer = _csv.writer(expected, lineterminator="\n")
    writer.writerow(["query", "relevant_files", "positions_found", *pq.values])
    for q, query in enumerate(gt.queries):
        writer.writerow([query, json.dumps(gt.relevant(q), ensure_ascii=False),
                         " ".join(str(p + 1) for p in np.flatnonzero(pq.hits[q])),
                         *(repr(float(v[q])) for v in pq.values.values())])
    assert out.read_text(encoding="utf-8") == expected.getvalue()


def test_ctrl_c_while_the_commands_import_exits_130_without_a_traceback() -> None:
    """Ctrl-C in the first tenth of a second, while click and pydantic are being imported, is
    the same interruption as later on: one line and exit 130. The interrupt is raised by an
    import hook at the moment click is imported, as the console script imports `run`."""
    script = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['dcase-eval', 'codes']\n"
        "from dcase_retrieval_eval.cli import run\n"
        "run()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 130
    assert done.stderr.strip() == "interrupted"
    assert "Traceback" not in done.stdout + done.stderr


def test_ctrl_c_in_a_core_command_exits_130_and_writes_nothing(
        sub_and_gt: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while scoring: exit 130 and one line, as in the baseline commands (click's own
    standalone mode would print "Aborted!" and exit 1), and no output file."""
    from dcase_retrieval_eval import api
    from dcase_retrieval_eval.cli import run

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "score", interrupted)
    sub, gt = sub_and_gt
    out = tmp_path / "scores.json"
    monkeypatch.setattr(sys, "argv", ["dcase-eval", "score", str(sub), "--gt", str(gt),
                                      "--output", str(out)])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    assert not out.exists()

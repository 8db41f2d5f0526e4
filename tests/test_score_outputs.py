"""What `dcase-eval score` writes besides the table: strict JSON (null, never a bare NaN) and the
per-query CSV file, which costs little next to scoring and is the text `csv.writer` would write.
Through the CLI and the public API, on generated data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth

from .conftest import cli


def test_one_query_json_has_null_not_nan(tmp_path: Path) -> None:
    gt_path = tmp_path / "gt.csv"
    gt_path.write_text("file_name,caption_1\na.wav,A dog barks.\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text("caption,file_name_1\nA dog barks.,a.wav\n", encoding="utf-8")
    code, out, _ = cli("score", sub, "--gt", gt_path, "--format", "json", "--lenient")
    assert code == 0 and "NaN" not in out
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
    assert doc["metrics"]["mAP@10"]["std_err"] is None


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

"""The verdict never depends on the file size.

Files of 32 MB or more try the Arrow fast path (`io/fastread.py`), smaller ones go straight to the
line-exact csv reader. Hypothesis writes top-k files with defects at the byte level (stray and
doubled quotes, text after a closing quote, line breaks inside fields, blank lines, short and long
rows, empty cells, NUL and non-UTF-8 bytes, a BOM, CR line ends) and reads each one twice, forced
through each path with the module-level threshold; both must give the same findings and the same
rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcase_retrieval_eval.formats.submission import Submission, load_submission
from dcase_retrieval_eval.io import fastread

pytest.importorskip("pyarrow")

DEPTH = 3
HEADER = ["caption", *[f"file_name_{i}" for i in range(1, DEPTH + 1)]]
#: every header spelling the fast path takes: the official one, fname_N, and pandas' two
#: positional ones (an unnamed caption column, integer column names), which carry a warning
HEADERS = [HEADER, ["caption", *[f"fname_{i}" for i in range(1, DEPTH + 1)]],
           ["", *HEADER[1:]], [str(i) for i in range(DEPTH + 1)]]
TEXT = st.text(alphabet=st.sampled_from(list("ab ,\"é'x")), min_size=1, max_size=6)
INSERTS = [b'"', b'""', b",", b"\n", b"\r", b"\r\n", b" ", b"\0", b"\xff", b"x", b'"x',
           b'x"', b"\n\n", b",,"]


@st.composite
def defective_files(draw: st.DrawFn) -> bytes:
    n_rows = draw(st.integers(0, 5))
    rows = [[draw(TEXT) for _ in range(DEPTH + 1)] for _ in range(n_rows)]
    buf = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    header = draw(st.sampled_from(HEADERS))
    csv.writer(buf, quoting=quoting, lineterminator=ending).writerows([header, *rows])
    data = bytearray(buf.getvalue().encode("utf-8"))
    if draw(st.booleans()):
        data[:0] = b"\xef\xbb\xbf"
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif kind == "delete" and at < len(data):
            del data[at]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def _view(sub: Submission) -> tuple[object, ...]:
    rows = [(int(sub.lines[r]), sub.queries[r], sub.row_files(r), int(sub.n_given[r]))
            for r in range(sub.n_rows)]
    findings = [(f.code, f.line, f.column, f.message, f.hint) for f in sub.findings]
    return sub.format, sub.header_width, rows, findings, sorted(sub.finding_counts.items())


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=defective_files())
def test_fast_and_csv_paths_give_the_same_findings(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   data: bytes) -> None:
    path = tmp_path / "sub.csv"
    path.write_bytes(data)
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 1 << 62)
    slow = load_submission(path)
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    fast = load_submission(path)
    assert _view(fast) == _view(slow)
    # cut into parts of a line or two, read by two threads, quotes checked a line at a time:
    # the same again
    monkeypatch.setattr(fastread, "PART_BYTES", 9)
    monkeypatch.setattr(fastread, "WORKERS", 2)
    monkeypatch.setattr(fastread, "_WINDOW", 5)
    assert _view(load_submission(path)) == _view(slow)


def test_the_property_reaches_both_outcomes(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path does take clean files (so the property compares two real paths) and turns
    away the C207 case that once slipped through it."""
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    clean = tmp_path / "clean.csv"
    clean.write_text('caption,file_name_1\n"a, b",x.wav\nc,"y, z.wav"\n', encoding="utf-8")
    assert fastread.read_clean_topk(clean, ["caption", "file_name_1"]) is not None
    monkeypatch.setattr(fastread, "PART_BYTES", 1)  # one part per line, names interned twice
    parts = fastread.read_clean_topk(clean, ["caption", "file_name_1"])
    assert parts is not None
    queries, names, ranks = parts
    assert queries == ["a, b", "c"]
    assert [names[i] for i in ranks[:, 0]] == ["x.wav", "y, z.wav"]
    monkeypatch.setattr(fastread, "PART_BYTES", None)
    bad = tmp_path / "bad.csv"
    bad.write_text('caption,file_name_1\n"a"b,x.wav\nc,y.wav\n', encoding="utf-8")
    assert fastread.read_clean_topk(bad, ["caption", "file_name_1"]) is None
    codes = [f.code for f in load_submission(bad).findings]
    assert codes == ["C207"]
    np.testing.assert_array_equal(load_submission(clean).n_given, [1, 1])
    for header in HEADERS[2:]:  # the positional spellings: the same rows, and their warning
        spelled = tmp_path / "spelled.csv"
        spelled.write_text(",".join(header) + '\n"a, b",x.wav,y.wav,z.wav\n', encoding="utf-8")
        monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
        fast = load_submission(spelled)
        monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 1 << 62)
        assert _view(fast) == _view(load_submission(spelled))
        assert [f.code for f in fast.findings] == ["C209" if header[0] == "" else "C210"]
        assert fast.row_files(0) == ["x.wav", "y.wav", "z.wav"]
        assert fastread.read_clean_topk(spelled, HEADER) is not None  # Arrow took it


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_many_parts_and_workers_read_what_the_csv_reader_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Hundreds of parts: each worker's names are interned per part, then per group of parts,
    then once more; every row must still name the files the csv reader reads."""
    rng = np.random.default_rng(workers)
    names = [f"clip {i}, take {i % 7}.wav" if i % 3 else f"clip {i}.wav" for i in range(50)]
    path = tmp_path / "sub.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["caption", *[f"fname_{j}" for j in range(1, 4)]])
        for q in range(400):
            writer.writerow([f"query {q}", *[names[i] for i in rng.choice(50, 3, replace=False)]])
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 1 << 62)
    slow = load_submission(path)
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    monkeypatch.setattr(fastread, "PART_BYTES", 64)
    monkeypatch.setattr(fastread, "WORKERS", workers)
    header = ["caption", *[f"fname_{j}" for j in range(1, 4)]]
    assert fastread.read_clean_topk(path, header) is not None  # the fast path took it
    cuts = fastread._cuts(path, path.stat().st_size, workers)
    assert cuts is not None and len(cuts) > 100
    assert _view(load_submission(path)) == _view(slow)


GT_HEADER = ["file_name", "caption_1", "caption_2"]


@st.composite
def defective_ground_truths(draw: st.DrawFn) -> bytes:
    n_rows = draw(st.integers(0, 5))
    rows = [[draw(TEXT) for _ in GT_HEADER] for _ in range(n_rows)]
    buf = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    csv.writer(buf, quoting=quoting, lineterminator="\n").writerows([GT_HEADER, *rows])
    data = bytearray(buf.getvalue().encode("utf-8"))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.sampled_from(INSERTS))
    return bytes(data)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=defective_ground_truths())
def test_fast_and_csv_paths_read_a_ground_truth_alike(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      data: bytes) -> None:
    from dcase_retrieval_eval.formats.ground_truth import load_ground_truth

    path = tmp_path / "gt.csv"
    path.write_bytes(data)

    def view() -> tuple[object, ...]:
        gt = load_ground_truth(path, strict=False)
        relevant = [gt.relevant(q) for q in range(gt.n_queries)]
        return (gt.queries, gt.audio, gt.query_lines, relevant, gt.format,
                [(f.code, f.line, f.column, f.message) for f in gt.findings])

    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 1 << 62)
    slow = view()
    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    assert view() == slow
    monkeypatch.setattr(fastread, "PART_BYTES", 9)
    monkeypatch.setattr(fastread, "WORKERS", 2)
    monkeypatch.setattr(fastread, "_WINDOW", 5)
    assert view() == slow


def test_the_ground_truth_fast_path_takes_clean_files_only(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_eval.formats.ground_truth import _read_fast_clotho

    monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    clean = tmp_path / "gt.csv"
    clean.write_text('file_name,caption_1,caption_2\n"a, 1.wav",A dog.,"Rain, heavy."\n'
                     "b.wav,Wind.,A door.\n", encoding="utf-8")
    gt = _read_fast_clotho(clean, 1 << 30)
    assert gt is not None and gt.queries == ["A dog.", "Rain, heavy.", "Wind.", "A door."]
    assert gt.query_lines == [2, 2, 3, 3] and gt.relevant(3) == ["b.wav"]
    shared = tmp_path / "shared.csv"
    shared.write_text("file_name,caption_1\na.wav,A dog.\nb.wav,A dog.\n", encoding="utf-8")
    assert _read_fast_clotho(shared, 1 << 30) is None


def test_the_fast_path_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow's `to_numpy()` imports pandas (half a second, and memory) for a check the fast
    path does not need; a million-query run must not pay it."""
    import subprocess
    import sys

    from .conftest import ROOT

    sub = tmp_path / "sub.csv"
    sub.write_text('caption,file_name_1\n"a, b",x.wav\nc,"y, z.wav"\n', encoding="utf-8")
    gt = tmp_path / "gt.csv"
    gt.write_text("file_name,caption_1\nx.wav,\"a, b\"\n\"y, z.wav\",c\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from dcase_retrieval_eval.io import fastread\n"
        "fastread.FAST_PATH_MIN_BYTES = 0\n"
        "from dcase_retrieval_eval.api import score\n"
        f"report = score({str(sub)!r}, {str(gt)!r}, k=1, lenient=True)\n"
        "assert 'pyarrow' in sys.modules and 'pandas' not in sys.modules, sorted(sys.modules)\n"
        "print(report.metrics['mAP@1'].value)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "1.0"

"""Fuzz: any byte sequence gives findings, never an exception (API and CLI).

Inputs are arbitrary bytes, and CSV-like text assembled from the fragments that break readers:
delimiters, quotes, CR/LF, a BOM, NUL, non-ASCII letters, header words and `.wav` names. The
examples are capped (and `deadline=None`) so the whole module runs in well under 30 s;
`DCASE_FUZZ_SCALE=20` multiplies every example count for a longer hunt.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcase_retrieval_eval import load_ground_truth, score, validate
from dcase_retrieval_eval.errors import InputError
from dcase_retrieval_eval.findings import CATALOGUE
from dcase_retrieval_eval.measure.scoring import UNREADABLE

from .conftest import cli

FILES = [f"{c}.wav" for c in "abcdefghijkl"]
CAPTIONS = {f: [f"Caption {i} of {f[0]}." for i in range(1, 6)] for f in FILES}
CAPTIONS["a.wav"][2] = "A dog, barking twice."
QUERIES = [c for caps in CAPTIONS.values() for c in caps]

FRAGMENTS = [
    ",", ",", ",", '"', '""', "\n", "\r\n", "\r", "\ufeff", "\0", ";", "\t", " ", "|",
    "é", "ü", "日本", "\u00a0", "\u2028", "\ud7ff", "\U0001f600",
    "caption", "file_name_", "file_name_1", "file_name_10", "index", "Unnamed: 0", "query",
    "audio_filenames", "file_name", "caption_1",
    *FILES[:4], "x.wav", ".wav", "A.WAV", " a.wav", "a", *QUERIES[:3],
    "0", "1", "10", "0.5", "-1e300", "1e400", "nan", "inf", "-inf", "NaN", "abc",
    "['a.wav']", "['a.wav', 'b.wav']", "[", "]", "'",
]

SCALE = int(os.environ.get("DCASE_FUZZ_SCALE", "1"))
SETTINGS = {"deadline": None, "database": None, "derandomize": False,
            "suppress_health_check": [HealthCheck.too_slow]}


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fuzz")
    clotho = root / "gt_clotho.csv"
    clotho.write_bytes(_csv([["file_name", *[f"caption_{i}" for i in range(1, 6)]],
                             *[[f, *caps] for f, caps in CAPTIONS.items()]]))
    corr = root / "gt_2025.csv"
    corr.write_bytes(_csv([["query", "audio_filenames"],
                           *[[q, repr([FILES[i % 12], FILES[(i + 1) % 12]])]
                             for i, q in enumerate(QUERIES[:20])]]))
    return {"clotho": clotho, "corr": corr, "sub": root / "sub.csv", "gt_fuzz": root / "gt.csv"}


# ---------------------------------------------------------------------------------------------
# strategies

fragment_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)),
                         max_size=60).map("".join)

cell = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(FILES), st.sampled_from(QUERIES),
                 st.text(max_size=6))


@st.composite
def structured(draw: st.DrawFn) -> bytes:
    """A plausible header then rows of plausible cells: reaches the row and alignment checks."""
    kind = draw(st.sampled_from(["topk", "matrix", "other"]))
    if kind == "topk":
        header = ["caption", *[f"file_name_{i}" for i in range(1, draw(st.integers(0, 17)))]]
    elif kind == "matrix":
        header = ["index", *draw(st.lists(st.sampled_from([*FILES, "x.wav", ""]), max_size=16))]
    else:
        header = draw(st.lists(cell, max_size=12))
    if draw(st.booleans()):
        header = ["", *header]
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=12))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buf = io.StringIO()
    try:
        csv.writer(buf, quoting=quoting, lineterminator=ending).writerows([header, *rows])
    except (csv.Error, ValueError):  # QUOTE_NONNUMERIC cannot write some cells; use minimal
        buf = io.StringIO()
        csv.writer(buf, lineterminator=ending).writerows([header, *rows])
    data = buf.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 6)) == 0:  # a stray byte somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xe9", b"\0", b"\xff", b"\x80"])) + data[at:]
    return data


any_input = st.one_of(
    st.binary(max_size=600),
    fragment_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    structured(),
)


# ---------------------------------------------------------------------------------------------
# checks


def _check_report(report: object, data: bytes) -> None:
    from dcase_retrieval_eval.check.validation import ValidationReport

    assert isinstance(report, ValidationReport)
    errors = [f for f in report.findings if f.severity == "error"]
    assert report.valid == (report.errors == 0)
    assert report.valid or errors, "invalid without an error finding"
    n_lines = data.count(b"\n") + data.count(b"\r") + 2
    for f in report.findings:
        assert f.code in CATALOGUE and f.severity == CATALOGUE[f.code].severity
        assert 0 <= f.line <= n_lines and f.column >= 0
        assert f.message
    lines = [f.line for f in report.findings if f.file == report.path]
    assert lines == sorted(lines), "findings are not sorted by line"


@settings(max_examples=300 * SCALE, **SETTINGS)
@given(data=any_input, which=st.sampled_from(["clotho", "corr"]))
def test_validate_never_raises(files: dict[str, Path], data: bytes, which: str) -> None:
    files["sub"].write_bytes(data)
    _check_report(validate(files["sub"], files[which]), data)


@settings(max_examples=120 * SCALE, **SETTINGS)
@given(data=structured(), which=st.sampled_from(["clotho", "corr"]))
def test_lenient_score_never_raises(files: dict[str, Path], data: bytes, which: str) -> None:
    """Lenient scoring of any file: metrics stay in [0, 1]; a file of which nothing can be read
    is refused with its findings even when lenient, never scored as a false 0."""
    files["sub"].write_bytes(data)
    try:
        report = score(files["sub"], files[which], lenient=True)
    except InputError as exc:
        assert {f.code for f in exc.findings} & UNREADABLE, "a lenient refusal of a readable file"
    else:
        for m in report.metrics.values():
            assert 0.0 <= m.value <= 1.0
    try:
        strict = score(files["sub"], files[which])
    except InputError as exc:
        assert exc.findings, "a refusal without findings"
    else:
        assert strict.policy.mode == "strict" and strict.validation.valid


@settings(max_examples=150 * SCALE, **SETTINGS)
@given(data=any_input)
def test_ground_truth_never_raises(files: dict[str, Path], data: bytes) -> None:
    """A broken ground truth is refused with findings (InputError), never another exception."""
    files["gt_fuzz"].write_bytes(data)
    gt = load_ground_truth(files["gt_fuzz"], strict=False)
    assert len(gt.queries) == len(gt.query_lines) == gt.rel_indptr.size - 1
    try:
        load_ground_truth(files["gt_fuzz"])
    except InputError as exc:
        assert any(f.severity == "error" for f in exc.findings)


@settings(max_examples=40 * SCALE, **SETTINGS)
@given(data=any_input, which=st.sampled_from(["clotho", "corr"]),
       fmt=st.sampled_from(["json", "text"]))
def test_cli_validate_never_raises(files: dict[str, Path], data: bytes, which: str,
                                   fmt: str) -> None:
    files["sub"].write_bytes(data)
    code, out, err = cli("validate", files["sub"], "--gt", files[which], "--format", fmt)
    assert code in (0, 1), out + err
    assert "Traceback" not in out + err
    if fmt == "json":
        doc = json.loads(out)
        assert doc["valid"] == (code == 0)
        assert doc["valid"] or doc["findings"]


@settings(max_examples=25 * SCALE, **SETTINGS)
@given(data=any_input)
def test_cli_score_never_raises(files: dict[str, Path], data: bytes) -> None:
    files["sub"].write_bytes(data)
    code, out, err = cli("score", files["sub"], "--gt", files["clotho"], "--format", "json",
                         "--lenient")
    assert code in (0, 1), out + err
    if code == 1:  # only a file nothing of which can be read is refused when lenient
        codes = {f["code"] for f in json.loads(out)["findings"]}
        assert codes & UNREADABLE, out + err
    assert "Traceback" not in out + err


# ---------------------------------------------------------------------------------------------
# targeted mutations: a valid file with known defects gives exactly those findings

MUTATIONS = ["drop", "unknown", "repeat", "blank", "dup", "case"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[list[list[str]], Counter[tuple[str, int, int]]]:
    pairs = [(q, f) for f, caps in CAPTIONS.items() for q in caps]
    order = draw(st.permutations(range(len(pairs))))
    chosen = draw(st.dictionaries(st.sampled_from(range(len(pairs))), st.sampled_from(MUTATIONS),
                                  max_size=6))
    final: list[list[str]] = []
    expect: list[tuple[str, int, int]] = []  # (code, index into `final` or -1, column)
    for i in order:
        q, f = pairs[i]
        row = [q, f, *[x for x in FILES if x != f][:9]]
        kind = chosen.get(i)
        if kind == "drop":
            expect.append(("Q301", -1, 0))
            continue
        if kind == "unknown":
            j = draw(st.integers(1, 10))
            row[j] = "zz.wav"
            expect.append(("A401", len(final), j + 1))
        elif kind == "repeat":
            j = draw(st.integers(2, 10))
            row[j] = row[1]
            expect.append(("A402", len(final), j + 1))
        elif kind == "blank":
            j = draw(st.integers(1, 9))
            row[j] = ""
            expect.append(("C206", len(final), j + 1))
        elif kind == "case":
            row[0] = row[0].upper()
            expect.extend([("Q302", len(final), 1), ("Q301", -1, 0)])
        final.append(row)
        if kind == "dup":
            final.append(list(row))
            expect.append(("Q303", len(final) - 1, 1))
    return final, Counter((c, r + 2 if r >= 0 else 0, col) for c, r, col in expect)


@settings(max_examples=80 * SCALE, **SETTINGS)
@given(case=mutated(), crlf=st.booleans())
def test_injected_defects_are_found_exactly(files: dict[str, Path],
                                            case: tuple[list[list[str]],
                                                        Counter[tuple[str, int, int]]],
                                            crlf: bool) -> None:
    rows, expected = case
    header = ["caption", *[f"file_name_{i}" for i in range(1, 11)]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    data = buf.getvalue().encode("utf-8")
    files["sub"].write_bytes(data)
    report = validate(files["sub"], files["clotho"])
    got = Counter((f.code, f.line, f.column) for f in report.findings)
    assert got == expected
    assert report.valid == (not expected)


MATRIX_MUTATIONS = ["drop", "dup", "text", "nan", "inf", "tie"]


@st.composite
def mutated_matrix(draw: st.DrawFn) -> tuple[list[list[str]], Counter[tuple[str, int, int]]]:
    """A score matrix with distinct scores per row, then known defects."""
    columns = list(draw(st.permutations(FILES)))
    expect: list[tuple[str, int, int]] = []
    layout = draw(st.sampled_from(["full", "missing", "unknown"]))
    if layout == "missing":
        gone = columns.pop(draw(st.integers(0, len(columns) - 1)))
        expect.append(("M504", -1, 0))
        assert gone
    elif layout == "unknown":
        at = draw(st.integers(0, len(columns)))
        columns.insert(at, "zz.wav")
        expect.append(("A401", -1, at + 2))
    pairs = [(q, f) for f, caps in CAPTIONS.items() for q in caps]
    order = draw(st.permutations(range(len(pairs))))
    chosen = draw(st.dictionaries(st.sampled_from(range(len(pairs))),
                                  st.sampled_from(MATRIX_MUTATIONS), max_size=6))
    final: list[list[str]] = []
    for i in order:
        q, _ = pairs[i]
        values = [round(0.95 - 0.05 * k, 2) for k in draw(st.permutations(range(len(columns))))]
        cells = [repr(v) for v in values]
        kind = chosen.get(i)
        if kind == "drop":
            expect.append(("Q301", -1, 0))
            continue
        if kind in ("text", "nan", "inf"):
            j = draw(st.integers(0, len(columns) - 1))
            cells[j] = {"text": "high", "nan": "nan", "inf": "-inf"}[kind]
            expect.append(("M501" if kind == "text" else "M502", len(final), j + 2))
        elif kind == "tie":
            ranked = sorted(range(len(columns)), key=lambda j: -values[j])
            cells[ranked[10]] = cells[ranked[9]]
            expect.append(("M505", len(final), 0))
        final.append([q, *cells])
        if kind == "dup":
            final.append(list(final[-1]))
            expect.append(("Q303", len(final) - 1, 1))
    rows = [["index", *columns], *final]
    return rows, Counter((c, r + 2 if r >= 0 else (1 if c != "Q301" else 0), col)
                         for c, r, col in expect)


@settings(max_examples=60 * SCALE, **SETTINGS)
@given(case=mutated_matrix())
def test_injected_matrix_defects_are_found_exactly(
        files: dict[str, Path], case: tuple[list[list[str]], Counter[tuple[str, int, int]]]
) -> None:
    rows, expected = case
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    files["sub"].write_bytes(buf.getvalue().encode("utf-8"))
    report = validate(files["sub"], files["clotho"])
    got = Counter((f.code, f.line, f.column) for f in report.findings)
    assert got == expected
    assert report.valid == (not any(CATALOGUE[c].severity == "error" for c, _, _ in expected))

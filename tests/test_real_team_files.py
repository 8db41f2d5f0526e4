"""Submission files as real teams and organizers wrote them, beyond the official header.

Each file is written by the same pandas call as the published script (the files themselves stay
out of the project): a frame indexed by the captions (`DataFrame(rows, index=captions).to_csv()`,
header `,fname_1,...`), the 2023 baseline's `pd.DataFrame(data=results).to_csv(index=False)` on
rows `[caption, f1..f10]` (header `0,1,...,10`), cells holding `os.path.join(audio_dir, name)`,
and a header one ranked column short. Each is read alike by the csv and the Arrow readers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dcase_retrieval_eval import score, validate
from dcase_retrieval_eval.io import fastread
from tests.conftest import run_cli
from tests.real_shapes import FILES
from tests.real_shapes import clotho_file as _clotho
from tests.real_shapes import topk_rows as _topk_rows
from tests.real_shapes import write_rows as _write

pd = pytest.importorskip("pandas")

AUDIO_DIR = "/home/team/data/CLOTHO_v2.1/clotho_audio_files/evaluation"


def _rankings(truth: dict[str, str]) -> list[list[str]]:
    """[caption, f1..f10] per query, as the rows of `_topk_rows` (the relevant file moving)."""
    return [row for row in _topk_rows(truth, 10, "fname", FILES[:20])[1:]]


def _official(tmp_path: Path, truth: dict[str, str]) -> Path:
    return _write(tmp_path / "official.csv", _topk_rows(truth, 10, "file_name", FILES[:20]))


def _cli(*args: str | Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = run_cli(*args, "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def _codes(doc: dict) -> dict[str, int]:  # type: ignore[type-arg]
    return doc.get("counts") or doc["validation"]["counts"]


@pytest.fixture(params=[False, True], ids=["csv", "arrow"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Each file through each reader: Arrow forced below its size threshold."""
    if request.param:
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(fastread, "FAST_PATH_MIN_BYTES", 0)
    return bool(request.param)


def _same_scores_as_official(sub: Path, gt: Path, official: Path) -> None:
    got, want = score(sub, gt), score(official, gt)
    for name, metric in want.metrics.items():
        assert got.metrics[name].value == metric.value, name


# ---------------------------------------------------------------------------------------------
# the captions as the frame's index: header ',fname_1,...,fname_10'


def test_pandas_index_of_captions_is_the_caption_column(tmp_path: Path, reader: bool) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _rankings(truth)
    frame = pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows],
                         columns=[f"fname_{i}" for i in range(1, 11)])
    sub = tmp_path / "sub.csv"
    frame.to_csv(sub)
    assert sub.read_text(encoding="utf-8").startswith(",fname_1,fname_2,")
    report = validate(sub, gt)
    assert report.valid and report.counts == {"C209": 1}, report.counts
    (warning,) = report.findings
    assert (warning.line, warning.column) == (1, 1)
    assert "''" in warning.message and "caption column" in warning.message
    assert "'caption'" in warning.hint
    _same_scores_as_official(sub, gt, _official(tmp_path, truth))
    if not reader:
        code, doc = _cli("validate", sub, "--gt", gt)
        assert code == 0 and _codes(doc) == {"C209": 1}
        code, doc = _cli("score", sub, "--gt", gt)
        assert code == 0
        assert doc["metrics"]["mAP@10"]["value"] == score(_official(tmp_path, truth),
                                                          gt).metrics["mAP@10"].value


def test_unnamed_0_read_back_and_written_again_is_the_caption_column(tmp_path: Path) -> None:
    """The same file read with read_csv and written with index=False: 'Unnamed: 0,fname_1...'."""
    gt, truth = _clotho(tmp_path)
    rows = _rankings(truth)
    first = tmp_path / "first.csv"
    pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows],
                 columns=[f"fname_{i}" for i in range(1, 11)]).to_csv(first)
    sub = tmp_path / "sub.csv"
    pd.read_csv(first).to_csv(sub, index=False)
    assert sub.read_text(encoding="utf-8").startswith("Unnamed: 0,fname_1,")
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 0 and _codes(doc) == {"C209": 1}
    assert "'Unnamed: 0'" in doc["findings"][0]["message"]
    _same_scores_as_official(sub, gt, _official(tmp_path, truth))


def test_a_pandas_index_before_the_caption_column_stays_C202(tmp_path: Path) -> None:
    """`to_csv()` of a frame with a 'caption' column and the default index: the index column
    is no caption; the file keeps its error, whose hint says the column was ignored."""
    gt, truth = _clotho(tmp_path)
    rows = _rankings(truth)
    sub = tmp_path / "sub.csv"
    pd.DataFrame(rows, columns=["caption", *[f"file_name_{i}" for i in range(1, 11)]]
                 ).to_csv(sub)
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 1 and _codes(doc) == {"C202": 1}
    assert "index=False" in doc["findings"][0]["hint"]


# ---------------------------------------------------------------------------------------------
# the 2023 baseline's writer: header '0,1,...,10'


def test_integer_header_of_the_2023_baseline_is_positional(tmp_path: Path, reader: bool) -> None:
    gt, truth = _clotho(tmp_path)
    sub = tmp_path / "sub.csv"
    pd.DataFrame(data=_rankings(truth)).to_csv(sub, index=False)
    assert sub.read_text(encoding="utf-8").startswith("0,1,2,3,4,5,6,7,8,9,10\n")
    report = validate(sub, gt)
    assert report.valid and report.counts == {"C210": 1}, report.counts
    assert "by position" in report.findings[0].message
    assert "caption,file_name_1" in report.findings[0].hint
    _same_scores_as_official(sub, gt, _official(tmp_path, truth))
    if not reader:
        code, doc = _cli("score", sub, "--gt", gt)
        assert code == 0
        assert doc["metrics"]["mAP@10"]["value"] == score(_official(tmp_path, truth),
                                                          gt).metrics["mAP@10"].value


@pytest.mark.parametrize("header", [["0", "1", "2", "4"], ["1", *map(str, range(2, 12))],
                                    ["0", *map(str, range(1, 10)), "x"]])
def test_other_integer_headers_stay_errors(tmp_path: Path, header: list[str]) -> None:
    gt, truth = _clotho(tmp_path)
    rows = [header, *[r[:len(header)] for r in _rankings(truth)]]
    code, doc = _cli("validate", _write(tmp_path / "sub.csv", rows), "--gt", gt)
    assert code == 1 and "C210" not in _codes(doc)


# ---------------------------------------------------------------------------------------------
# file-name cells holding paths: os.path.join(audio_dir, name)


def _with_folders(tmp_path: Path, truth: dict[str, str]) -> Path:
    rows = _topk_rows(truth, 10, "file_name", FILES[:20])
    rows[1:] = [[r[0], *[os.path.join(AUDIO_DIR, n) for n in r[1:]]] for r in rows[1:]]
    return _write(tmp_path / "sub.csv", rows)


def test_paths_in_file_cells_are_one_finding_naming_the_folder(tmp_path: Path,
                                                               reader: bool) -> None:
    gt, truth = _clotho(tmp_path)
    sub = _with_folders(tmp_path, truth)
    report = validate(sub, gt)
    assert not report.valid and report.counts == {"A406": 1}, report.counts
    (f,) = report.findings
    assert (f.line, f.column) == (2, 2)
    assert repr(AUDIO_DIR + "/") in f.message and "20 ranked file name(s)" in f.message
    assert "--strip-folders" in f.hint and "basename" in f.hint
    stripped = validate(sub, gt, strip_folders=True)
    assert stripped.valid and stripped.counts == {"A407": 1}
    got = score(sub, gt, strip_folders=True)
    assert got.metrics["mAP@10"].value == score(_official(tmp_path, truth),
                                                gt).metrics["mAP@10"].value


def test_strip_folders_on_validate_and_score_through_the_cli(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    sub = _with_folders(tmp_path, truth)
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 1 and _codes(doc) == {"A406": 1}
    code, doc = _cli("score", sub, "--gt", gt)
    assert code == 1 and [f["code"] for f in doc["findings"]] == ["A406"]
    code, doc = _cli("validate", sub, "--gt", gt, "--strip-folders")
    assert code == 0 and _codes(doc) == {"A407": 1}
    assert repr(AUDIO_DIR + "/") in doc["findings"][0]["message"]
    code, doc = _cli("score", sub, "--gt", gt, "--strip-folders")
    official = score(_official(tmp_path, truth), gt)
    assert code == 0 and doc["metrics"]["mAP@10"]["value"] == official.metrics["mAP@10"].value
    assert sub.read_text(encoding="utf-8").count(AUDIO_DIR) == 10 * len(truth)  # untouched


def test_a_wrong_name_behind_a_folder_is_still_its_own_finding(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _topk_rows(truth, 10, "file_name", FILES[:20])
    rows[1:] = [[r[0], *[os.path.join(AUDIO_DIR, n) for n in r[1:]]] for r in rows[1:]]
    rows[3][5] = os.path.join(AUDIO_DIR, "not a clip.wav")
    sub = _write(tmp_path / "sub.csv", rows)
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 1 and _codes(doc) == {"A406": 1, "A401": 1}
    a401 = next(f for f in doc["findings"] if f["code"] == "A401")
    assert (a401["line"], a401["column"]) == (4, 6)
    code, doc = _cli("validate", sub, "--gt", gt, "--strip-folders")
    assert code == 1 and _codes(doc) == {"A407": 1, "A401": 1}


def test_paths_against_a_relevant_only_ground_truth_are_an_error(tmp_path: Path) -> None:
    """Without the audio set, a path would silently count as not relevant (A405): the clips
    the ground truth names behind a folder are reported instead."""
    _, truth = _clotho(tmp_path)
    gt = _write(tmp_path / "pairs.csv", [["query", "file_name"], *truth.items()])
    sub = _with_folders(tmp_path, truth)
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 1 and "A406" in _codes(doc)
    code, doc = _cli("score", sub, "--gt", gt, "--strip-folders")
    assert code == 0 and doc["metrics"]["R@1"]["value"] > 0


def test_windows_paths_are_folders_too(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    rows = _topk_rows(truth, 10, "file_name", FILES[:20])
    rows[1:] = [[r[0], *[f"D:\\clotho\\evaluation\\{n}" for n in r[1:]]] for r in rows[1:]]
    sub = _write(tmp_path / "sub.csv", rows)
    code, doc = _cli("validate", sub, "--gt", gt)
    assert code == 1 and _codes(doc) == {"A406": 1}
    assert "'D:\\\\clotho\\\\evaluation\\\\'" in doc["findings"][0]["message"]
    assert validate(sub, gt, strip_folders=True).valid


# ---------------------------------------------------------------------------------------------
# a header one ranked column short: one finding, not one per row


def test_a_header_short_of_a_ranked_column_is_one_finding(tmp_path: Path, reader: bool) -> None:
    gt, truth = _clotho(tmp_path)
    rows = [r[:10] for r in _topk_rows(truth, 10, "fname", FILES[:20])]
    sub = _write(tmp_path / "sub.csv", rows)
    report = validate(sub, gt)
    assert report.counts == {"C211": 1}, report.counts
    (f,) = report.findings
    assert (f.line, f.column) == (1, 11) and "9 ranked column(s); 10 are required" in f.message
    assert "'file_name_10'" in f.hint
    assert score(sub, gt, lenient=True).policy.short_rankings == len(truth)


def test_rows_shorter_than_the_short_header_are_still_reported(tmp_path: Path) -> None:
    gt, truth = _clotho(tmp_path)
    rows = [r[:10] for r in _topk_rows(truth, 10, "fname", FILES[:20])]
    rows[5][9] = ""  # 8 files in a 9-file header
    code, doc = _cli("validate", _write(tmp_path / "sub.csv", rows), "--gt", gt)
    assert code == 1 and _codes(doc) == {"C211": 1, "A403": 1}
    a403 = next(f for f in doc["findings"] if f["code"] == "A403")
    assert (a403["line"], a403["column"]) == (6, 10)

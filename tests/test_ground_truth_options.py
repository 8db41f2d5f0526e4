"""What a submission is measured against: the ground truth with its audio set and relevance
threshold, or a query file with its audio set. The Python API takes the options the CLI has and
gives the same answers, and the assembly is written in one module of the core."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from dcase_retrieval_eval import InputError, rank, score, validate
from dcase_retrieval_eval.errors import OutputError
from dcase_retrieval_eval.report.tabular import score_json

from .conftest import run_cli

PACKAGE = Path(__file__).resolve().parents[1] / "dcase_retrieval_eval"
FILES = [f"clip{i:02d}.wav" for i in range(12)]
#: in the evaluation set, relevant to no caption, so the long ground truth does not name it
UNNAMED = "quiet.wav"
QUERIES = [f"sound number {i}" for i in range(6)]
#: the rankings are 10 deep: the 2025 preset (chosen for a multi-relevant ground truth) at k=10
K = ["--k", "10"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    """A long-format ground truth (it names only relevant clips), the evaluation set as a
    folder and as a list, a query file, and a submission that ranks the unnamed clip."""
    gt = _write(tmp_path / "gt.csv", "query,file_name\n" + "".join(
        f"{q},{FILES[i]}\n{q},{FILES[i + 6]}\n" for i, q in enumerate(QUERIES)))
    folder = tmp_path / "audio"
    folder.mkdir()
    for name in [*FILES, UNNAMED]:
        (folder / name).write_bytes(b"")
    listing = _write(tmp_path / "audio.txt", "".join(f"{n}\n" for n in [*FILES, UNNAMED]))
    queries = _write(tmp_path / "queries.csv", "caption\n" + "".join(f"{q}\n" for q in QUERIES))
    header = "caption," + ",".join(f"file_name_{j}" for j in range(1, 11)) + "\n"
    rows = []
    for i, q in enumerate(QUERIES):
        ranked = [FILES[i], UNNAMED, *[f for f in FILES if f != FILES[i]]][:10]
        rows.append(",".join([q, *ranked]) + "\n")
    sub = _write(tmp_path / "sub.csv", header + "".join(rows))
    return {"gt": gt, "audio_dir": folder, "audio_list": listing, "queries": queries,
            "sub": sub}


def _cli_json(*args: str | Path) -> tuple[int, dict[str, object]]:
    proc = run_cli(*args, "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("audio", [None, "audio_dir", "audio_list"])
def test_validate_with_an_audio_set_answers_as_the_cli(data: dict[str, Path],
                                                       audio: str | None) -> None:
    options = {} if audio is None else {audio: data[audio]}
    report = validate(data["sub"], data["gt"], k=10, **options)
    flags = [] if audio is None else [f"--{audio.replace('_', '-')}", data[audio]]
    code, doc = _cli_json("validate", data["sub"], "--gt", data["gt"], *K, *flags)
    assert code == 0 and report.valid
    assert (doc["counts"], doc["findings"]) == (
        report.counts, json.loads(report.model_dump_json())["findings"])
    # without the evaluation set the unnamed clip may be a real one (a warning); with it, it is
    assert report.counts == ({"A405": 1} if audio is None else {})


def test_a_clip_outside_the_given_audio_set_is_an_error(data: dict[str, Path],
                                                        tmp_path: Path) -> None:
    short = _write(tmp_path / "short.txt", "".join(f"{n}\n" for n in FILES))
    report = validate(data["sub"], data["gt"], k=10, audio_list=short)
    assert not report.valid and report.counts == {"A401": len(QUERIES)}
    with pytest.raises(InputError, match="not a valid submission"):
        score(data["sub"], data["gt"], k=10, audio_list=short)
    code, doc = _cli_json("score", data["sub"], "--gt", data["gt"], *K, "--audio-list", short)
    assert code == 1 and {f["code"] for f in doc["findings"]} == {"A401"}


def test_validate_from_a_query_file_and_an_audio_set(data: dict[str, Path]) -> None:
    by_dir = validate(data["sub"], queries=data["queries"], audio_dir=data["audio_dir"], k=10)
    by_list = validate(data["sub"], queries=data["queries"], audio_list=data["audio_list"],
                       k=10)
    code, doc = _cli_json("validate", data["sub"], "--queries", data["queries"],
                          "--audio-dir", data["audio_dir"], *K)
    assert by_dir.valid and by_list.valid and code == 0
    assert by_dir.n_queries == by_list.n_queries == doc["n_queries"] == len(QUERIES)
    assert doc["counts"] == by_dir.counts == by_list.counts == {}


def test_the_query_file_options_are_checked(data: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="one of the two"):
        validate(data["sub"], data["gt"], queries=data["queries"], audio_dir=data["audio_dir"])
    with pytest.raises(ValueError, match="one of the two"):
        validate(data["sub"])
    with pytest.raises(ValueError, match="needs the audio set"):
        validate(data["sub"], queries=data["queries"])


def test_score_with_an_audio_set_answers_as_the_cli(data: dict[str, Path]) -> None:
    report = score(data["sub"], data["gt"], k=10, audio_list=data["audio_list"])
    proc = run_cli("score", data["sub"], "--gt", data["gt"], *K, "--audio-list",
                   data["audio_list"], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(score_json(report))
    # two relevant clips per caption: the first ranked 1st, the second (clip i + 6) ranked
    # (i + 8)th, inside the top 10 for i <= 2; AP divided by R = 2
    aps = [(1 + (2 / (i + 8) if i <= 2 else 0)) / 2 for i in range(6)]
    assert report.metrics["mAP@10"].value == pytest.approx(sum(aps) / 6)
    by_dir = score(data["sub"], data["gt"], k=10, audio_dir=data["audio_dir"])
    assert by_dir.metrics["mAP@10"].value == report.metrics["mAP@10"].value


def test_a_threshold_for_binary_ground_truth_is_refused_alike(data: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="graded ground truth only"):
        score(data["sub"], data["gt"], relevance_threshold=2)
    with pytest.raises(ValueError, match="graded ground truth only"):
        rank(data["sub"].parent, data["gt"], relevance_threshold=2)
    proc = run_cli("score", data["sub"], "--gt", data["gt"], "--relevance-threshold", "2")
    assert proc.returncode == 2 and "graded ground truth only" in proc.stderr


def _calls(name: str) -> list[str]:
    """Modules of the core that call `name` (as a function or a method)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(
                    func, "id", None)
                if called == name:
                    found.append(path.relative_to(PACKAGE).as_posix())
                    break
    return found


def test_the_ground_truth_is_assembled_in_one_module() -> None:
    # widening the audio set and applying a relevance threshold: only the preparer does it
    assert _calls("with_audio_set") == ["formats/prepare.py"]
    assert _calls("with_relevance_threshold") == ["formats/prepare.py"]
    # the audio set of --audio-dir / --audio-list is read by one function
    readers = {*_calls("list_audio_dir"), *_calls("read_audio_list")}
    assert len(readers) == 1, readers


def test_score_writes_the_per_query_file_as_the_cli(data: dict[str, Path],
                                                    tmp_path: Path) -> None:
    by_api, by_cli = tmp_path / "api.csv", tmp_path / "cli.csv"
    score(data["sub"], data["gt"], k=10, audio_dir=data["audio_dir"], per_query=by_api)
    proc = run_cli("score", data["sub"], "--gt", data["gt"], *K, "--audio-dir",
                   data["audio_dir"], "--per-query", by_cli, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert by_api.read_bytes() == by_cli.read_bytes()
    assert by_api.read_text(encoding="utf-8").count("\n") == len(QUERIES) + 1
    before = data["gt"].read_bytes()
    with pytest.raises(OutputError):
        score(data["sub"], data["gt"], k=10, per_query=data["gt"])
    assert data["gt"].read_bytes() == before

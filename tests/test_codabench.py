"""Codabench scoring-program mode: INPUT_DIR/ref + INPUT_DIR/res -> scores.json + HTML."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from dcase_retrieval_eval.api import score
from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv
from dcase_retrieval_eval.hosting.codabench import metric_key

from .conftest import run_cli
from .organizer_data import make_gt, system_rankings


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    ref = tmp_path / "input" / "ref"
    res = tmp_path / "input" / "res"
    ref.mkdir(parents=True)
    res.mkdir()
    gt_path = make_gt(ref, n_files=30, seed=2, captions=2)
    write_topk_csv(res / "X_1.output.csv", system_rankings(load_ground_truth(gt_path), 0.6, 1))
    (res / "X_1.meta.yaml").write_text("label: X_1\n")
    return tmp_path / "input"


def test_metric_keys() -> None:
    assert metric_key("mAP@10") == "map_at_10"
    assert metric_key("R@1") == "r_at_1"


def test_scores_json_equals_the_scorer(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    result = run_cli("score", "--codabench", bundle, out)
    assert result.returncode == 0, result.stderr
    scores = json.loads((out / "scores.json").read_text())
    direct = score(bundle / "res" / "X_1.output.csv", bundle / "ref" / "gt.csv")
    expected = {}
    for name, m in direct.metrics.items():
        key = metric_key(name)
        expected.update({key: m.value, f"{key}_ci_low": m.ci_low, f"{key}_ci_high": m.ci_high})
    assert scores == expected
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "mAP@10" in html and "<script" not in html


def test_invalid_submission_fails_with_a_findings_page(bundle: Path, tmp_path: Path) -> None:
    gt = load_ground_truth(bundle / "ref" / "gt.csv")
    rows = system_rankings(gt, 0.6, 1)
    rows[0] = (rows[0][0], ["<script>x</script>.wav", *rows[0][1][1:]])
    write_topk_csv(bundle / "res" / "X_1.output.csv", rows[1:] + rows[:1])
    out = tmp_path / "output"
    result = run_cli("score", "--codabench", bundle, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not (out / "scores.json").exists()
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "A401" in html and "&lt;script&gt;x&lt;/script&gt;.wav" in html
    assert "<script>" not in html
    lenient = run_cli("score", "--codabench", bundle, tmp_path / "o2", "--lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert json.loads((tmp_path / "o2" / "scores.json").read_text())["map_at_10"] >= 0


def test_ambiguous_or_missing_submission(bundle: Path, tmp_path: Path) -> None:
    shutil.copy(bundle / "res" / "X_1.output.csv", bundle / "res" / "X_2.output.csv")
    result = run_cli("score", "--codabench", bundle, tmp_path / "o")
    assert result.returncode == 1 and "must be one CSV" in result.stdout + result.stderr
    shutil.rmtree(bundle / "res")
    missing = run_cli("score", "--codabench", bundle, tmp_path / "o")
    assert missing.returncode == 1 and "res" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stderr


# --- the scorer mode never exits 3, refuses clearly, explains always ---

def _cli_no_crash(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = run_cli("score", "--codabench", *args)
    assert result.returncode != 3 and "Traceback" not in result.stderr, result.stderr
    return result


def _usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert all(w in last for w in words), last


def test_output_dir_that_is_a_file_or_under_a_file(bundle: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "plain.txt"
    a_file.write_text("keep me")
    _usage_error(_cli_no_crash(bundle, a_file), "is a file")
    _usage_error(_cli_no_crash(bundle, a_file / "out"), "under", "a file")
    assert a_file.read_text() == "keep me"
    scores_dir = tmp_path / "o"
    (scores_dir / "scores.json").mkdir(parents=True)
    _usage_error(_cli_no_crash(bundle, scores_dir), "scores.json", "folder")


def test_output_dir_not_writable(bundle: Path, tmp_path: Path) -> None:
    """Read-only: a folder without write permission (for a non-root user) and a read-only file
    system (for anyone); each case runs where this machine can produce it."""
    tried = 0
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if not os.access(locked, os.W_OK):
            _usage_error(_cli_no_crash(bundle, locked), "not writable")
            tried += 1
    finally:
        locked.chmod(0o755)
    for ro in (Path("/proc/1"), Path("/sys")):
        if ro.is_dir() and not _writable(ro):
            _usage_error(_cli_no_crash(bundle, ro), "not writable")
            _usage_error(_cli_no_crash(bundle, ro / "new-out"), "not writable")
            tried += 1
            break
    if not tried:
        pytest.skip("no unwritable folder can be made here")


def _writable(folder: Path) -> bool:
    try:
        fd, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def test_output_dir_inside_the_inputs(bundle: Path) -> None:
    for inside in (bundle / "res", bundle / "ref" / "out", bundle / "res" / "a" / "b"):
        _usage_error(_cli_no_crash(bundle, inside), "inside INPUT_DIR/")
    assert sorted(p.name for p in (bundle / "res").iterdir()) == ["X_1.meta.yaml",
                                                                  "X_1.output.csv"]
    assert [p.name for p in (bundle / "ref").iterdir()] == ["gt.csv"]
    _usage_error(_cli_no_crash(bundle / "nope", bundle.parent / "o"), "INPUT_DIR")


@pytest.mark.parametrize(("extra", "named"), [
    (["--output", "x.txt"], "--output"),
    (["--per-query", "pq.csv"], "--per-query"),
    (["--max-bytes", "100"], "--max-bytes"),
    (["--format", "json"], "--format"),
    (["--audio-list", "GT"], "--audio-list"),
    (["--gt", "GT"], "--gt"),
    (["SUB"], "SUBMISSION"),
    (["SUB", "--gt", "GT", "--output", "y.txt"], "SUBMISSION, --gt, --output"),
])
def test_options_the_mode_would_ignore_are_refused(bundle: Path, tmp_path: Path,
                                                   extra: list[str], named: str) -> None:
    gt, sub = bundle / "ref" / "gt.csv", bundle / "res" / "X_1.output.csv"
    args = [str(gt) if a == "GT" else str(sub) if a == "SUB" else a for a in extra]
    out = tmp_path / "o"
    result = run_cli("score", *args, "--codabench", bundle, out, cwd=tmp_path)
    _usage_error(result, named, "ignored")
    assert not out.exists() and not (tmp_path / "x.txt").exists()
    # the options it honours still work
    ok = run_cli("score", "--codabench", bundle, out, "--edition", "2022", "--k", "5")
    assert ok.returncode == 0, ok.stderr
    assert "map_at_5" in json.loads((out / "scores.json").read_text())


def _rejected(bundle: Path, out: Path, *codes: str) -> str:
    (out / "scores.json").parent.mkdir(parents=True, exist_ok=True)
    (out / "scores.json").write_text('{"map_at_10": 0.99}')  # stale, from an earlier run
    result = _cli_no_crash(bundle, out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert not (out / "scores.json").exists()
    assert not (out / "metadata").exists()
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    for code in codes:
        assert f"<td>{code}</td><td>error</td>" in html, (code, html[-2000:])
        assert code in result.stdout
    return html


def test_every_rejection_writes_the_page(bundle: Path, tmp_path: Path) -> None:
    res = bundle / "res"
    csv_bytes = (res / "X_1.output.csv").read_bytes()
    # a zip in the zip
    (res / "X_1.output.csv").unlink()
    with zipfile.ZipFile(res / "inner.zip", "w") as zf:
        zf.writestr("X_1.output.csv", csv_bytes)
    assert "inner.zip" in _rejected(bundle, tmp_path / "o1", "H803")
    # two CSVs, each named
    (res / "inner.zip").unlink()
    (res / "a.csv").write_bytes(csv_bytes)
    (res / "b.csv").write_bytes(csv_bytes)
    html = _rejected(bundle, tmp_path / "o2", "H802")
    assert "&#x27;a.csv&#x27;" in html and "&#x27;b.csv&#x27;" in html
    # only hidden files
    for name in ("a.csv", "b.csv", "X_1.meta.yaml"):
        (res / name).unlink()
    (res / ".DS_Store").write_bytes(b"\0\0")
    (res / "__MACOSX").mkdir()
    (res / "__MACOSX" / "._X_1.output.csv").write_bytes(csv_bytes)
    assert "hidden" in _rejected(bundle, tmp_path / "o3", "H801")
    # nothing at all, and no res folder
    shutil.rmtree(res)
    res.mkdir()
    assert "empty" in _rejected(bundle, tmp_path / "o4", "H801")
    res.rmdir()
    assert "missing" in _rejected(bundle, tmp_path / "o5", "H801")


def test_the_page_lists_every_finding(bundle: Path, tmp_path: Path) -> None:
    gt = load_ground_truth(bundle / "ref" / "gt.csv")
    rows = [(q, [f"nope_{i}_{j}.wav" for j in range(10)]) for i, (q, _) in
            enumerate(system_rankings(gt, 0.6, 1))]
    write_topk_csv(bundle / "res" / "X_1.output.csv", rows)
    assert len(rows) * 10 == 600  # more than the 500 the page used to show
    html = _rejected(bundle, tmp_path / "o", "A401")
    assert html.count("<td>A401</td><td>error</td>") == 600
    assert "nope_59_9.wav" in html


def test_nested_folders_are_walked_without_recursion(bundle: Path, tmp_path: Path) -> None:
    deep = bundle / "res" / "deep"
    deep.mkdir()
    path = deep
    for _ in range(1500):  # os.makedirs recurses too
        path = path / "d"
        path.mkdir()
    (path / "Y_1.output.csv").write_bytes((bundle / "res" / "X_1.output.csv").read_bytes())
    try:
        html = _rejected(bundle, tmp_path / "o", "H805")
        assert "deeper than" in html
        # a sane nesting still works: the CSV one folder down
        shutil.move(str(deep / "d"), str(tmp_path / "moved"))
        shutil.move(str(bundle / "res" / "X_1.output.csv"), str(deep / "X_1.output.csv"))
        ok = _cli_no_crash(bundle, tmp_path / "o2")
        assert ok.returncode == 0, ok.stdout + ok.stderr
    finally:
        _remove_deep(tmp_path / "moved")


def _remove_deep(top: Path) -> None:
    """shutil.rmtree recurses; 1,500 levels need a loop."""
    if not top.exists():
        return
    dirs = [top]
    while (dirs[-1] / "d").is_dir():
        dirs.append(dirs[-1] / "d")
    for d in reversed(dirs):
        for f in d.iterdir():
            if not f.is_dir():
                f.unlink()
        d.rmdir()


def test_links_in_the_inputs_are_refused(bundle: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    shutil.move(str(bundle / "res" / "X_1.output.csv"), str(outside))
    (bundle / "res" / "X_1.output.csv").symlink_to(outside)
    html = _rejected(bundle, tmp_path / "o", "H804")
    assert "symbolic link" in html
    (bundle / "res" / "X_1.output.csv").unlink()
    shutil.move(str(outside), str(bundle / "res" / "X_1.output.csv"))
    (bundle / "ref" / "more").symlink_to(tmp_path, target_is_directory=True)
    html = _rejected(bundle, tmp_path / "o2", "H804")
    assert "reference data" in html


def test_invalid_submission_names_the_cli_option(bundle: Path, tmp_path: Path) -> None:
    write_topk_csv(bundle / "res" / "X_1.output.csv", [("not a caption", [f"{i}.wav" for i in
                                                                          range(10)])])
    html = _rejected(bundle, tmp_path / "o", "Q302")
    result = _cli_no_crash(bundle, tmp_path / "o")
    for text in (html, result.stdout):
        assert "--lenient" in text and "lenient=True" not in text


def test_an_internal_error_still_leaves_a_page(bundle: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_eval.cli.main import main
    from dcase_retrieval_eval.hosting import codabench

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated <bug>")

    monkeypatch.setattr(codabench, "score_aligned", broken)
    out = tmp_path / "o"
    # called directly: the entry point would turn this into exit 3 (a real bug, not an input)
    with pytest.raises(RuntimeError, match="simulated"):
        main(["score", "--codabench", str(bundle), str(out)], standalone_mode=False)
    html = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "internal error" in html and "simulated &lt;bug&gt;" in html
    assert not (out / "scores.json").exists()

"""Outputs never touch inputs and never leave half-written files: an output path equal to, or
linked to, an input is refused; two outputs on one path are refused; `rank --out` never holds
the inputs and cleans only files it wrote itself; an unwritable output is a usage error before
any work; files are written atomically under hidden temporary names, with the mode the umask
gives or the replaced file had. Through the CLI in-process, on generated data."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv
from dcase_retrieval_eval.io.atomic import TMP_SUFFIX, atomic_writer, current_umask
from dcase_retrieval_eval.report.results_dir import RECORD

from .builders import FILES, sub_file, topk_rows, write
from .conftest import ROOT, cli, snapshot
from .organizer_data import make_challenge, make_gt, system_rankings

# --- score: an output is never an input ----------------------------------------------------------


@pytest.mark.parametrize("option", ["--per-query", "--output"])
@pytest.mark.parametrize("victim", ["sub", "gt"])
def test_output_equal_to_an_input_is_refused(tmp_path: Path, gt: Path, option: str,
                                             victim: str) -> None:
    sub = sub_file(tmp_path, topk_rows())
    target = sub if victim == "sub" else gt
    before = {p: p.read_bytes() for p in (sub, gt)}
    code, out, err = cli("score", sub, "--gt", gt, option, target, "--format", "json")
    assert code != 0
    assert "refusing" in out + err
    assert {p: p.read_bytes() for p in (sub, gt)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gt.csv", "sub.csv"]


@pytest.mark.parametrize("option", ["--per-query", "--output"])
def test_output_equal_to_the_audio_list_is_refused(tmp_path: Path, gt: Path, option: str) -> None:
    sub = sub_file(tmp_path, topk_rows())
    audio_list = write(tmp_path / "audio.txt", "\n".join(FILES) + "\n")
    before = audio_list.read_bytes()
    code, out, err = cli("score", sub, "--gt", gt, "--audio-list", audio_list,
                         option, audio_list, "--format", "json")
    assert code != 0 and "refusing" in out + err
    assert audio_list.read_bytes() == before


def test_per_query_and_output_on_one_file_is_refused(tmp_path: Path, gt: Path) -> None:
    """Two outputs on one path: the second would silently replace the first."""
    sub = sub_file(tmp_path, topk_rows())
    both = tmp_path / "out.csv"
    code, out, err = cli("score", sub, "--gt", gt, "--per-query", both, "--output", both)
    assert code == 2 and "same file" in err
    assert not both.exists()


def test_output_through_a_link_to_an_input_is_refused(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    link = tmp_path / "link.csv"
    link.symlink_to(sub)
    before = sub.read_bytes()
    code, _, _ = cli("score", sub, "--gt", gt, "--output", link)
    assert code != 0 and sub.read_bytes() == before


def test_outputs_are_written_atomically(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    per_query, output = out_dir / "per_query.csv", out_dir / "scores.json"
    output.write_text("old")
    code, stdout, err = cli("score", sub, "--gt", gt, "--format", "json",
                            "--per-query", per_query, "--output", output)
    assert code == 0, err
    assert stdout == ""
    assert sorted(p.name for p in out_dir.iterdir()) == ["per_query.csv", "scores.json"]
    assert json.loads(output.read_text())["n_queries"] == 60
    with per_query.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert len(table) == 61


def test_text_output_to_a_file_leaks_no_handle(tmp_path: Path, gt: Path) -> None:
    import gc
    import warnings

    sub = sub_file(tmp_path, topk_rows())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, _ = cli("score", sub, "--gt", gt, "--output", tmp_path / "scores.txt")
        gc.collect()
    assert code == 0 and "mAP@10" in (tmp_path / "scores.txt").read_text()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_failed_output_leaves_no_temp_file(tmp_path: Path, gt: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while writing keeps the previous output and leaves no partial or temp file."""
    sub = sub_file(tmp_path, topk_rows())
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "scores.json"
    output.write_text("old")
    from dcase_retrieval_eval.io import atomic as safe_io

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_io.os, "fsync", boom)
    code, _, _ = cli("score", sub, "--gt", gt, "--format", "json", "--output", output)
    assert code != 0
    assert output.read_text() == "old"
    assert [p.name for p in out_dir.iterdir()] == ["scores.json"]


# --- rank never replaces or deletes an input -----------------------------------------------------


@pytest.fixture
def manifest_challenge(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A ground truth, two system outputs, and a folder `outputs/` for the results."""
    gt_path = make_gt(tmp_path, n_files=40, seed=3)
    gt = load_ground_truth(gt_path)
    out = tmp_path / "outputs"
    (out / "per_query").mkdir(parents=True)
    write_topk_csv(out / "results.csv", system_rankings(gt, 0.8, seed=4))
    write_topk_csv(out / "per_query" / "keepme.csv", system_rankings(gt, 0.5, seed=5))
    return tmp_path, gt_path, out


def test_manifest_naming_files_inside_out_is_refused(
        manifest_challenge: tuple[Path, Path, Path]) -> None:
    root, gt_path, out = manifest_challenge
    manifest = root / "manifest.csv"
    manifest.write_text("system,team,path\nA_1,Alpha,outputs/results.csv\n"
                        "B_1,Beta,outputs/per_query/keepme.csv\n", encoding="utf-8")
    before = snapshot(root)
    code, _, err = cli("rank", manifest, "--gt", gt_path, "--out", out, "--quiet")
    assert code == 2 and "refusing" in err and len(err.strip().splitlines()) == 1
    assert snapshot(root) == before


def test_ground_truth_inside_out_is_refused(
        manifest_challenge: tuple[Path, Path, Path]) -> None:
    root, gt_path, out = manifest_challenge
    inner_gt = out / "results.csv"
    inner_gt.write_bytes(gt_path.read_bytes())
    manifest = root / "manifest.csv"
    manifest.write_text("system,team,path\nA_1,Alpha,outputs/per_query/keepme.csv\n",
                        encoding="utf-8")
    before = snapshot(root)
    code, _, err = cli("rank", manifest, "--gt", inner_gt, "--out", out, "--quiet")
    assert code == 2 and "refusing" in err
    assert snapshot(root) == before


def test_cleanup_deletes_only_files_this_tool_wrote(tmp_path: Path) -> None:
    labels = [f"Alpha_TAU_task6b_{n}" for n in (1, 2, 3)]
    gt_path, uploads = make_challenge(tmp_path / "c", {"Alpha_TAU": [
        (label, q) for label, q in zip(labels, (0.8, 0.5, 0.3), strict=True)]}, seed=6)
    out = tmp_path / "RESULTS"
    assert cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "100",
               "--quiet")[0] == 0
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    assert {f"per_query/{label}.csv" for label in labels} | {"results.json"} <= {
        f["path"] for f in record["files"]}
    user_file = out / "per_query" / "notes.csv"
    user_file.write_text("mine\n", encoding="utf-8")
    edited = out / "per_query" / f"{labels[1]}.csv"
    edited.write_text(edited.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    for label in labels[1:]:  # systems 2 and 3 leave the challenge
        shutil.rmtree(next(p for p in uploads.rglob(label) if p.is_dir()))
    assert cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "100",
               "--quiet")[0] == 0
    # system 3's file (written by the tool, unchanged) is gone; the edited one and the user's stay
    assert sorted(p.name for p in (out / "per_query").iterdir()) == [
        f"{labels[0]}.csv", f"{labels[1]}.csv", "notes.csv"]


def test_uploads_inside_out_and_out_inside_uploads_are_refused(tmp_path: Path) -> None:
    gt_path, uploads = make_challenge(tmp_path / "c", {"Alpha_TAU": [("Alpha_TAU_task6b_1", 0.8)]},
                                      seed=6)
    code, _, err = cli("rank", uploads, "--gt", gt_path, "--out", tmp_path / "c", "--quiet")
    assert code == 2 and "holds the input" in err
    code, _, err = cli("rank", uploads, "--gt", gt_path, "--out", uploads / "r", "--quiet")
    assert code == 2 and not (uploads / "r").exists()


# --- unwritable outputs and refused overwrites are usage errors ----------------------------------


@pytest.mark.parametrize("where", ["proc", "under_file", "empty", "folder"])
@pytest.mark.parametrize("option", ["--output", "--per-query"])
def test_unwritable_output_is_a_usage_error(sub_and_gt: tuple[Path, Path], tmp_path: Path,
                                                  where: str, option: str) -> None:
    sub, gt_path = sub_and_gt
    target = {"proc": "/proc/x.json", "under_file": f"{gt_path}/x.json", "empty": "",
              "folder": str(tmp_path)}[where]
    before = snapshot(tmp_path)
    code, out, err = cli("score", sub, "--gt", gt_path, option, target)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_codabench_and_demo_unwritable_outputs(tmp_path: Path) -> None:
    (tmp_path / "in" / "ref").mkdir(parents=True)
    (tmp_path / "in" / "res").mkdir()
    code, _, err = cli("score", "--codabench", tmp_path / "in", "/proc/out")
    assert code == 2 and "/proc/out" in err
    code, _, err = cli("demo", "--out", "/proc/d")
    assert code == 2 and "/proc/d" in err


def test_refusing_to_overwrite_an_input_is_exit_2(sub_and_gt: tuple[Path, Path]) -> None:
    sub, gt_path = sub_and_gt
    before = gt_path.read_bytes()
    code, _, err = cli("score", sub, "--gt", gt_path, "--output", gt_path)
    assert code == 2 and "refusing" in err and gt_path.read_bytes() == before


def test_codabench_output_inside_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in" / "res").mkdir(parents=True)
    code, _, err = cli("score", "--codabench", tmp_path / "in", tmp_path / "in" / "res" / "o")
    assert code == 2 and not (tmp_path / "in" / "res" / "o").exists()


# --- temporary files -----------------------------------------------------------------------------


def test_temporary_names_are_not_publishable_and_stale_ones_go(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    seen: list[str] = []
    with atomic_writer(target) as fh:
        seen.extend(os.listdir(tmp_path))
        fh.write("a\n")
    assert len(seen) == 1 and seen[0].startswith(".results.csv.")
    assert seen[0].endswith(TMP_SUFFIX) and not seen[0].endswith(".csv")
    # a leftover of a killed run (its process is gone) is removed by the next write
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".results.csv.{dead}-0123abcd{TMP_SUFFIX}"
    stale.write_text("partial")
    live = tmp_path / f".other.csv.{os.getppid()}-0123abcd{TMP_SUFFIX}"
    live.write_text("a concurrent writer's")
    with atomic_writer(target) as fh:
        fh.write("b\n")
    assert not stale.exists() and live.exists() and target.read_text() == "b\n"


def test_killed_run_leaves_no_csv(tmp_path: Path) -> None:
    """kill -9 in the middle of a write: only a hidden `.dcase-eval-tmp` file may remain."""
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from dcase_retrieval_eval.io.atomic import atomic_writer\n"
        f"with atomic_writer(Path({str(tmp_path / 'per_query.csv')!r})) as fh:\n"
        "    fh.write('query,AP\\n' * 1000)\n"
        "    fh.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -9
    left = os.listdir(tmp_path)
    assert left and all(n.endswith(TMP_SUFFIX) for n in left)
    assert not [p for p in tmp_path.glob("*.csv")]


def test_output_modes_follow_the_umask(sub_and_gt: tuple[Path, Path], tmp_path: Path) -> None:
    """A new output gets the mode the umask gives; a replaced one keeps its mode."""
    sub, gt_path = sub_and_gt
    out = tmp_path / "scores.json"
    old = os.umask(0o022)
    try:
        assert current_umask() == 0o022
        assert cli("score", sub, "--gt", gt_path, "--output", out, "--format", "json")[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        os.chmod(out, 0o640)
        assert cli("score", sub, "--gt", gt_path, "--output", out, "--format", "json")[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        os.umask(0o077)
        fresh = tmp_path / "fresh.json"
        assert cli("score", sub, "--gt", gt_path, "--output", fresh, "--format", "json")[0] == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    finally:
        os.umask(old)

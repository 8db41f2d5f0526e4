"""Every path `rank` writes is checked, resolved through links, against every input: a
subfolder of the output linked to the inputs' folder is refused before anything is written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dcase_retrieval_eval.challenge.ranking import rank
from dcase_retrieval_eval.errors import OutputError
from dcase_retrieval_eval.report.results_dir import write_results

from .conftest import run_cli
from .organizer_data import make_challenge

TEAMS = {"Ab_TAU": [("Ab_TAU_task6b_1", 0.7), ("Ab_TAU_task6b_2", 0.5)]}
FAST = ("--rounds", "50", "--bootstrap-rankings", "0", "--quiet")


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _manifest(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A manifest whose submissions are named as the per-query files would be
    (`subs/<label>.csv`), with the ground truth."""
    gt, uploads = make_challenge(tmp_path / "c", TEAMS, seed=2)
    subs = tmp_path / "subs"
    subs.mkdir()
    lines = ["system,team,path"]
    for label, _ in TEAMS["Ab_TAU"]:
        target = subs / f"{label}.csv"
        target.write_bytes(next(uploads.rglob(f"{label}.output.csv")).read_bytes())
        lines.append(f"{label},Ab,{target}")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest, subs, gt


@pytest.mark.parametrize("sub", ["per_query", "paper"])
def test_a_linked_subfolder_onto_the_manifests_submissions_is_refused(tmp_path: Path,
                                                                      sub: str) -> None:
    manifest, subs, gt = _manifest(tmp_path)
    before = _tree(subs)
    out = tmp_path / "out"
    out.mkdir()
    (out / sub).symlink_to(subs, target_is_directory=True)
    result = run_cli("rank", manifest, "--gt", gt, "--out", out, *FAST)
    assert result.returncode == 2, result.stderr
    assert "refusing to write" in result.stderr and sub in result.stderr
    assert _tree(subs) == before
    assert sorted(p.name for p in out.iterdir()) == [sub]  # nothing written, the link kept


def test_a_linked_per_query_folder_onto_the_uploads_is_refused(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path / "c", TEAMS, seed=2)
    before = _tree(uploads)
    out = tmp_path / "out"
    out.mkdir()
    (out / "per_query").symlink_to(uploads, target_is_directory=True)
    result = run_cli("rank", uploads, "--gt", gt, "--out", out, *FAST)
    assert result.returncode == 2, result.stderr
    assert _tree(uploads) == before and sorted(p.name for p in out.iterdir()) == ["per_query"]


def test_a_linked_subfolder_onto_the_ground_truths_folder_is_refused(tmp_path: Path) -> None:
    manifest, _, gt = _manifest(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "paper").symlink_to(gt.parent, target_is_directory=True)
    result = run_cli("rank", manifest, "--gt", gt, "--out", out, *FAST)
    assert result.returncode == 2 and gt.name in result.stderr


def test_the_writer_checks_every_file_it_writes(tmp_path: Path) -> None:
    """The API's writer, given the inputs, refuses before writing, even when the link is
    made after the command's early check (between ranking and writing)."""
    manifest, subs, gt = _manifest(tmp_path)
    before = _tree(subs)
    board = rank(manifest, gt, rounds=50, bootstrap_rankings=0)
    out = tmp_path / "out"
    out.mkdir()
    (out / "per_query").symlink_to(subs, target_is_directory=True)
    with pytest.raises(OutputError, match="refusing to write"):
        write_results(board, out, [manifest, *subs.iterdir()])
    assert _tree(subs) == before and sorted(p.name for p in out.iterdir()) == ["per_query"]


def test_a_linked_subfolder_elsewhere_is_written_through(tmp_path: Path) -> None:
    """A link to a folder that holds no input (per-query files kept on a larger disk) is fine."""
    manifest, _, gt = _manifest(tmp_path)
    elsewhere = tmp_path / "big_disk"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "per_query").symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("rank", manifest, "--gt", gt, "--out", out, *FAST)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == [f"{label}.csv"
                                                           for label, _ in TEAMS["Ab_TAU"]]

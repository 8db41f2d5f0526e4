"""Names are shown escaped on every surface: a file or folder name that is not UTF-8, or that
holds terminal escape sequences, never crashes a writer and never reaches a terminal or a
results file raw; brackets in user text are printed as typed, never read as markup.

Every command runs through the CLI (a subprocess, so the names reach it as the operating system
passes them) or the public API, on generated challenges.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest

from dcase_retrieval_eval import rank
from dcase_retrieval_eval.findings import shown_text, unshowable_characters

from .conftest import run_cli
from .organizer_data import make_challenge

#: a Latin-1 `é`: the byte 0xE9, which Python passes on as the lone surrogate U+DCE9
LATIN1 = b"pkg\xe9".decode("utf-8", "surrogateescape")
#: retitles the organizer's terminal (OSC 0 ... BEL) and turns it red (SGR 31)
ESCAPES = "x\x1b]0;PWNED\x07\x1b[31mred"
FAST = ("--rounds", "50", "--bootstrap-rankings", "0")
OUTPUTS = ("results.json", "results.csv", "results.md", "results.tex", "index.html")


def _challenge(root: Path, folder_name: str) -> tuple[Path, Path]:
    """Two teams (one a folder, one a zip); the folder package renamed to `folder_name`."""
    gt, uploads = make_challenge(root, {"Doe_Uni": [("Doe_Uni_task6b_1", 0.8)],
                                        "Roe_Inst": [("Roe_Inst_task6b_1", 0.5)]},
                                 zipped=["Roe_Inst"])
    os.rename(uploads / "pkg00", uploads / folder_name)
    return gt, uploads


def _assert_clean_outputs(out: Path) -> str:
    """Every results file is valid UTF-8 without control characters other than line breaks."""
    texts = []
    for name in OUTPUTS:
        text = (out / name).read_bytes().decode("utf-8")  # raises on a surrogate or bad byte
        assert not set(text) & {"\x1b", "\x07", "\x9b"}, name
        texts.append(text)
    json.loads((out / "results.json").read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_rank_shows_a_non_utf8_package_name_escaped(tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path, LATIN1)
    proc = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    text = _assert_clean_outputs(tmp_path / "out")
    assert "pkg\\xe9/task6b/Doe_Uni_task6b_1" in text.replace("\\\\", "\\")
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert {s["label"] for s in doc["systems"]} == {"Doe_Uni_task6b_1", "Roe_Inst_task6b_1"}


def test_validate_json_of_a_non_utf8_package_folder(tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path, LATIN1)
    proc = run_cli("validate", uploads / LATIN1, "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["package"]["path"] == "pkg\\xe9"
    assert doc["systems"][0]["output"].startswith("pkg\\xe9/task6b/")
    assert doc["systems"][0]["meta"]["technical_report"].startswith("pkg\\xe9/")


def test_validate_text_of_a_non_utf8_member_name(tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path, "pkg00")
    (uploads / "pkg00" / f"notes{LATIN1}.txt").write_text("x")
    proc = run_cli("validate", uploads / "pkg00", "--gt", gt)
    assert proc.returncode == 0, proc.stderr
    assert "notespkg\\xe9.txt" in proc.stdout


def test_codabench_scores_a_non_utf8_upload_name(tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path / "c", "pkg00")
    ref, res = tmp_path / "in" / "ref", tmp_path / "in" / "res"
    ref.mkdir(parents=True)
    res.mkdir()
    shutil.copy(gt, ref / "gt.csv")
    output = next((uploads / "pkg00").rglob("*.output.csv"))
    shutil.copy(output, res / f"sub{LATIN1}.csv")
    proc = run_cli("score", "--codabench", tmp_path / "in", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "detailed_results.html").read_bytes().decode("utf-8")
    assert "subpkg\\xe9.csv" in page
    assert json.loads((tmp_path / "out" / "scores.json").read_text())["map_at_10"] > 0


def test_terminal_escapes_in_an_upload_name_never_reach_any_surface(
        tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path, ESCAPES)
    proc = run_cli("rank", uploads, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b]0;" not in proc.stdout + proc.stderr
    assert "\x07" not in proc.stdout + proc.stderr
    text = _assert_clean_outputs(tmp_path / "out")
    assert "x\\x1b]0;PWNED\\x07\\x1b[31mred" in text.replace("\\\\", "\\")
    # the live progress (the CLI's bar) is fed the same escaped names
    seen: list[str] = []
    rank(uploads, gt, rounds=50, bootstrap_rankings=0,
         progress=lambda stage, done, total, item: seen.append(item))
    assert any("x\\x1b]0;PWNED" in item for item in seen)
    assert not any("\x1b" in item or "\x07" in item for item in seen)


def test_a_manifest_entry_with_escapes_in_its_path_is_shown_escaped(
        tmp_path: Path) -> None:
    gt, uploads = _challenge(tmp_path, "pkg00")
    output = next((uploads / "pkg00").rglob("*.output.csv"))
    odd = tmp_path / f"{ESCAPES}.csv"
    shutil.copy(output, odd)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"system,team,path\nA_1,Team A,{odd.name}\nB_1,Team B,missing\x1b[2J.csv\n",
                        encoding="utf-8")
    proc = run_cli("rank", manifest, "--gt", gt, "--out", tmp_path / "out", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr
    text = _assert_clean_outputs(tmp_path / "out")
    assert "missing\\x1b[2J.csv" in text.replace("\\\\", "\\")


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x85", "\u2028", "\u200d", "\u00ad",
                                  "\U000e0041", "\u3164", "\ud800", "\udce9"])
def test_shown_text_escapes_every_unshowable_character(char: str) -> None:
    shown = shown_text(f"a{char}b")
    assert shown != f"a{char}b" and shown.startswith("a\\") and shown.endswith("b")
    shown.encode("utf-8")
    assert unshowable_characters(f"a{char}b")
    assert shown_text("café, crème (take 2).wav") == "café, crème (take 2).wav"


def test_every_format_character_of_this_python_is_escaped() -> None:
    """The Cf ranges written out in findings.py hold every Cf character Python knows."""
    missed = [f"U+{cp:04X}" for cp in range(0x110000)
              if unicodedata.category(chr(cp)) == "Cf" and not unshowable_characters(chr(cp))]
    assert not missed


def test_brackets_in_paths_and_members_are_printed_verbatim(
        tmp_path: Path, sub_and_gt: tuple[Path, Path]) -> None:
    """Brackets and emoji codes in a path, a team name or a member are text, never markup."""
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

"""Team packages built on the fly: valid ones, broken meta, hostile zips, defective outputs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from dcase_retrieval_eval.check.package_check import all_findings, validate_package
from dcase_retrieval_eval.formats.ground_truth import GroundTruth, load_ground_truth
from dcase_retrieval_eval.formats.meta import SystemMeta, meta_findings_for
from dcase_retrieval_eval.formats.package import ZipLimits
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .conftest import ROOT, run_cli
from .organizer_data import make_gt, meta_doc, system_rankings, write_system, zip_folder


@pytest.fixture
def gt_path(tmp_path: Path) -> Path:
    return make_gt(tmp_path, n_files=30, seed=1, captions=2)


@pytest.fixture
def gt(gt_path: Path) -> GroundTruth:
    return load_ground_truth(gt_path)


def codes(report: object) -> list[str]:
    return sorted(f.code for f in all_findings(report))  # type: ignore[arg-type]


def package(tmp_path: Path, gt: GroundTruth, labels: list[str], name: str = "team") -> Path:
    folder = tmp_path / name
    for i, label in enumerate(labels):
        write_system(folder, gt, label, "Team X", 0.7, seed=i)
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_example_meta_is_valid() -> None:
    meta, findings = meta_findings_for(ROOT / "examples" / "meta.example.yaml")
    assert findings == []
    assert isinstance(meta, SystemMeta) and meta.ensemble is False


def test_valid_folder_package(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1", "X_2"])
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n%fake but well-formed header\n")
    before = digest(folder)
    report = validate_package(folder, gt)
    assert report.valid, codes(report)
    assert codes(report) == []
    assert [s.label for s in report.systems] == ["X_1", "X_2"]
    assert all(s.meta is not None and s.meta.team == "Team X" for s in report.systems)
    assert report.technical_reports == ["team/report.pdf"]
    assert len(list(report.reports())) == 3
    assert digest(folder) == before


def test_valid_zip_package_with_top_folder(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1"])
    target = tmp_path / "team.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in folder.iterdir():
            zf.write(file, f"Team_X_package/{file.name}")
        zf.writestr("__MACOSX/._X_1.output.csv", "junk")
    report = validate_package(target, gt)
    assert report.valid and codes(report) == []
    assert report.systems[0].output == "team.zip/Team_X_package/X_1.output.csv"


def test_broken_meta_reports_every_problem(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1", "X_2", "X_3", "X_4"])
    doc = meta_doc("X_1", "Team X", ensemble="no", colour="blue")
    doc["authors"] = [{"name": "Ada"}]
    (folder / "X_1.meta.yaml").write_text(yaml.safe_dump(doc))
    (folder / "X_2.meta.yaml").write_text("label: X_2\nteam: [unclosed\n")
    (folder / "X_3.meta.yaml").write_text(yaml.safe_dump(meta_doc("Other_9", "Team X")))
    (folder / "X_4.meta.yaml").write_text("- just\n- a list\n")
    report = validate_package(folder, gt)
    assert not report.valid
    # X_1: unknown key, missing e-mail, a string for a bool; X_2: YAML syntax; X_4: not a mapping
    assert codes(report) == ["P704"] * 5 + ["P710"]
    messages = [f.message for f in report.package.findings]
    assert any("colour: unknown key" in m for m in messages)
    assert any("authors.0.email" in m for m in messages)
    assert any("ensemble" in m for m in messages)
    # the outputs themselves are still checked and valid
    assert all(s.validation is not None and s.validation.valid for s in report.systems)


def test_zip_with_escaping_members(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1"])
    target = tmp_path / "evil" / "team.zip"
    target.parent.mkdir()
    with zipfile.ZipFile(target, "w") as zf:
        for file in folder.iterdir():
            zf.write(file, file.name)
        zf.writestr("../escaped.txt", "outside")
        zf.writestr("/abs/path.txt", "absolute")
        zf.writestr("sub/../../twice.txt", "outside")
        link = zipfile.ZipInfo("link.output.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    report = validate_package(target, gt)
    assert codes(report) == ["P705"] * 4
    assert report.package.valid is False
    assert [s.label for s in report.systems] == ["X_1"]
    assert report.systems[0].validation is not None and report.systems[0].validation.valid
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "evil" / "escaped.txt").exists()
    assert not (tmp_path / "twice.txt").exists()


def test_zip_bomb_is_refused_unextracted(tmp_path: Path, gt: GroundTruth) -> None:
    target = tmp_path / "bomb.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("B_1.output.csv", b"\0" * (32 << 20))
        zf.writestr("B_1.meta.yaml", yaml.safe_dump(meta_doc("B_1", "Bombers")))
    assert target.stat().st_size < 100_000
    report = validate_package(target, gt)
    assert codes(report) == ["P706"]
    assert report.systems == []


def test_zip_limits_on_members_and_total_size(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1"])
    target = zip_folder(folder, tmp_path / "team.zip")
    assert codes(validate_package(target, gt, limits=ZipLimits(max_members=1))) == ["P706"]
    assert codes(validate_package(target, gt, limits=ZipLimits(max_total_bytes=100))) == ["P706"]


def test_not_a_zip(tmp_path: Path, gt: GroundTruth) -> None:
    target = tmp_path / "team.zip"
    target.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert codes(validate_package(target, gt)) == ["P707"]


def test_system_output_with_defects(tmp_path: Path, gt: GroundTruth) -> None:
    folder = tmp_path / "team"
    write_system(folder, gt, "X_1", "Team X", 0.7, seed=0)
    rows = system_rankings(gt, 0.7, seed=0)
    del rows[3]  # Q301 missing query
    rows[0] = (rows[0][0], ["no_such_file.wav", *rows[0][1][1:]])  # A401
    rows[1] = (rows[1][0], [rows[1][1][0], rows[1][1][0], *rows[1][1][2:]])  # A402
    write_topk_csv(folder / "X_1.output.csv", rows)
    report = validate_package(folder, gt)
    assert not report.valid
    assert report.package.valid
    system = report.systems[0].validation
    assert system is not None
    assert sorted(f.code for f in system.findings) == ["A401", "A402", "Q301"]
    assert all(f.file == "team/X_1.output.csv" for f in system.findings)
    a401 = next(f for f in system.findings if f.code == "A401")
    assert (a401.line, a401.column) == (2, 2)


def test_layout_problems(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1", "X_2", "X_3", "X_4", "X_5"])
    (folder / "X_2.meta.yaml").unlink()  # P702
    (folder / "X_3.output.csv").unlink()  # P703
    (folder / "notes.txt").write_text("hello")  # P708
    (folder / "report.pdf").write_text("not a pdf")  # P713
    shutil.copy(folder / "X_1.output.csv", folder / "bad label!.output.csv")  # P712
    (folder / "sub").mkdir()
    shutil.copy(folder / "X_1.output.csv", folder / "sub" / "X_1.output.csv")  # P711
    report = validate_package(folder, gt)
    # four systems with outputs remain (X_1, X_2, X_4, X_5): no P701 yet
    assert codes(report) == ["P702", "P703", "P708", "P711", "P712", "P713"]
    write_system(folder, gt, "X_6", "Team X", 0.5, seed=6)  # a fifth system
    assert "P701" in codes(validate_package(folder, gt))


def test_empty_package(tmp_path: Path, gt: GroundTruth) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert codes(validate_package(folder, gt)) == ["P709"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_folder_links_are_refused(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1"])
    secret = tmp_path / "secret.output.csv"
    secret.write_text("caption\n")
    (folder / "Y_1.output.csv").symlink_to(secret)
    report = validate_package(folder, gt)
    assert codes(report) == ["P705"]
    assert [s.label for s in report.systems] == ["X_1"]


def test_cli_validates_a_package(tmp_path: Path, gt_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1"])
    (folder / "X_1.meta.yaml").write_text(yaml.safe_dump(meta_doc("X_1", "T", loss=None)))
    target = zip_folder(folder, tmp_path / "team.zip")
    result = run_cli("validate", target, "--gt", gt_path, "--format", "json")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert [f["code"] for f in doc["package"]["findings"]] == ["P704"]
    assert "Traceback" not in result.stderr
    text = run_cli("validate", folder, "--gt", gt_path)
    assert text.returncode == 1 and "P704" in text.stdout


def test_yaml_bombs_are_refused_quickly(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, ["X_1", "X_2"])
    laughs = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    doc = yaml.safe_dump(meta_doc("X_1", "T")) + "\n".join(laughs) + "\nauthors: *a9\n"
    (folder / "X_1.meta.yaml").write_text(doc)
    (folder / "X_2.meta.yaml").write_text("[" * 30000 + "]" * 30000)
    start = time.perf_counter()
    report = validate_package(folder, gt)
    assert time.perf_counter() - start < 20  # PyYAML alone needs minutes for the second file
    messages = [f.message for f in report.package.findings]
    assert codes(report) == ["P704", "P704"]
    assert "aliases" in messages[0] and "'['" in messages[1]

"""Team packages built on the fly in the DCASE layout (and the flat one): valid ones, broken meta,
hostile zips, defective outputs."""

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

REPORT = "Doe_UniX_task6b.technical_report.pdf"


def lab(n: int, task: str = "task6b", team: str = "Doe_UniX") -> str:
    return f"{team}_{task}_{n}"


@pytest.fixture
def gt_path(tmp_path: Path) -> Path:
    return make_gt(tmp_path, n_files=30, seed=1, captions=2)


@pytest.fixture
def gt(gt_path: Path) -> GroundTruth:
    return load_ground_truth(gt_path)


def codes(report: object) -> list[str]:
    return sorted(f.code for f in all_findings(report))  # type: ignore[arg-type]


def package(tmp_path: Path, gt: GroundTruth, labels: list[str], name: str = "team",
            flat: bool = False) -> Path:
    folder = tmp_path / name
    for i, label in enumerate(labels):
        write_system(folder, gt, label, 0.7, seed=i, flat=flat)
    return folder


def sysdir(folder: Path, label: str) -> Path:
    return folder / "task6b" / label


def write_meta(folder: Path, label: str, text: str) -> Path:
    path = sysdir(folder, label) / f"{label}.meta.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_example_meta_is_the_2022_baseline() -> None:
    meta, findings = meta_findings_for(ROOT / "examples" / "meta.example.yaml")
    assert findings == []
    assert isinstance(meta, SystemMeta)
    assert (meta.label, meta.team, meta.task) == ("Xie_TAU_task6b_1", "Xie_TAU", "task6b")
    assert meta.corresponding_author.lastname == "Xie"
    assert meta.characteristics["audio_modelling"] == "CRNN"
    assert meta.characteristics["caption_modelling"] == "Word2Vec"
    assert meta.characteristics["loss_function"] == "triplet loss"
    assert meta.characteristics["data_augmentation"] is None  # written as !!null
    assert meta.ensemble_subsystems == 1
    assert meta.system.total_parameters == 900354462
    assert meta.development_results == {"mAP@10": 0.068, "R@1": 0.032, "R@5": 0.109,
                                        "R@10": 0.188}  # the paper's Table 3, testing split


def test_valid_dcase_folder_package(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.*")) == [
        REPORT, f"task6b/{lab(1)}/{lab(1)}.meta.yaml", f"task6b/{lab(1)}/{lab(1)}.output.csv",
        f"task6b/{lab(2)}/{lab(2)}.meta.yaml", f"task6b/{lab(2)}/{lab(2)}.output.csv"]
    before = digest(folder)
    report = validate_package(folder, gt)
    assert report.valid, codes(report)
    assert codes(report) == []
    assert [s.label for s in report.systems] == [lab(1), lab(2)]
    assert report.technical_reports == [f"team/{REPORT}"]
    for s in report.systems:
        assert s.meta is not None and s.meta.team == "Doe_UniX"
        assert s.meta.technical_report == f"team/{REPORT}"
        assert s.meta.system.description["pretrained_models"] == ["PaSST", "RoBERTa-large"]
    assert len(list(report.reports())) == 3
    assert digest(folder) == before


def test_valid_zip_package_with_top_folder(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    target = tmp_path / "team.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in folder.rglob("*.*"):
            zf.write(file, f"Doe_UniX_task6b/{file.relative_to(folder).as_posix()}")
        zf.writestr(f"__MACOSX/task6b/{lab(1)}/._{lab(1)}.output.csv", "junk")
    report = validate_package(target, gt)
    assert report.valid and codes(report) == []
    inside = f"Doe_UniX_task6b/task6b/{lab(1)}/{lab(1)}.output.csv"
    assert report.systems[0].output == f"team.zip/{inside}"


def test_flat_layout_keeps_working(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)], flat=True)
    report = validate_package(folder, gt)
    assert report.valid and codes(report) == []
    assert report.systems[1].output == f"team/{lab(2)}.output.csv"


BROKEN = """\
submission:
  label: Doe_UniX_task6b_1
  name: Broken system
  abbreviation: Much-too-long
  abbreviation: Twice
  authors:
    - lastname: Doe
      firstname: Jane
      email: not-an-address
      corresponding: true
      affiliation:
        abbreviation: UniX
        institute: University X
    - lastname: Roe
      email: roe@example.org
      corresponding: yes
      affiliation:
        institute: University X
system:
  description:
    audio_modelling: PaSST
    our_own_key: kept
  complexity:
    total_parameters: 543 M
  external_datasets:
    - url: https://example.org
  source_code: !!null
results:
  development_testing:
    mAP@10: high
    R@1: !!null
    R@5: .nan
leaderboard_wish: first
"""


def test_broken_meta_reports_every_problem_with_its_line(tmp_path: Path, gt: GroundTruth,
                                                         ) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    write_meta(folder, lab(1), BROKEN)
    report = validate_package(folder, gt)
    assert not report.valid
    found = sorted((f.line, f.code, f.message.split(": ", 1)[1]) for f in report.package.findings)
    shown = f"team/task6b/{lab(1)}/{lab(1)}.meta.yaml"
    assert all(f.file == "team" and f.message.startswith(shown)
               for f in report.package.findings)
    assert [(line, code) for line, code, _ in found] == [
        (4, "P704"),   # abbreviation longer than 10 characters
        (5, "P722"),   # abbreviation twice
        (9, "P704"),   # not an e-mail address
        (14, "P720"),  # second author: no firstname (reported at the author)
        (14, "P723"),  # two corresponding authors (`yes` is YAML's true)
        (18, "P720"),  # affiliation without abbreviation
        (24, "P704"),  # 543 M is not an integer
        (26, "P720"),  # an external data set without a name
        (30, "P704"),  # 'high' is not a number
        (32, "P704"),  # NaN is not a finite number
        (33, "P721"),  # unknown top-level block: a warning
    ]
    messages = " | ".join(m for *_, m in found)
    assert "first on line 4" in messages and "lines 7, 14" in messages
    assert "our_own_key" not in messages  # a team's own description keys are fine
    # the system output itself is still checked, and valid
    assert report.systems[0].validation is not None and report.systems[0].validation.valid


def test_null_values_are_empty_and_accepted(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    doc = meta_doc(lab(1), data_augmentation=None, pretrained_models=None)
    doc["system"]["source_code"] = None
    doc["system"]["external_datasets"] = None
    doc["results"] = None
    text = yaml.safe_dump(doc, sort_keys=False).replace("null", "!!null")
    write_meta(folder, lab(1), text)
    report = validate_package(folder, gt)
    assert report.valid and codes(report) == []
    meta = report.systems[0].meta
    assert meta is not None and meta.results == {} and meta.system.external_datasets == []
    assert meta.characteristics["pretrained_models"] is None


def test_numbers_too_long_to_read_are_findings(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    text = (sysdir(folder, lab(1)) / f"{lab(1)}.meta.yaml").read_text(encoding="utf-8")
    huge = text.replace("123456789", "9" * 5000)
    assert huge != text
    write_meta(folder, lab(1), huge)
    report = validate_package(folder, gt)
    [finding] = report.package.findings
    assert finding.code == "P704" and "total_parameters" in finding.message
    assert finding.line == huge.splitlines().index("    total_parameters: " + "9" * 5000) + 1
    assert [s.meta is not None for s in report.systems] == [False, True]


def test_labels_must_have_the_dcase_form_and_the_edition_task(tmp_path: Path, gt: GroundTruth,
                                                              ) -> None:
    folder = package(tmp_path, gt, ["X_1"], flat=True)
    assert codes(validate_package(folder, gt)) == ["P724"]  # not <Lastname>_<Inst>_<task>_<n>
    folder = package(tmp_path, gt, [lab(1, "task8")], name="t8", flat=True)
    assert codes(validate_package(folder, gt)) == []  # auto: 2022-2024 look alike
    assert codes(validate_package(folder, gt, edition="2024")) == []
    wrong = validate_package(folder, gt, edition="2022")
    assert codes(wrong) == ["P724"] and "task6b" in wrong.package.findings[0].message
    folder = package(tmp_path, gt, [lab(1, "task1a")], name="t1", flat=True)
    # not a retrieval task: the verdict, and its output is not checked as one (P728)
    assert codes(validate_package(folder, gt)) == ["P724", "P728"]


def test_files_in_another_task_or_label_folder(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    shutil.move(sysdir(folder, lab(2)), folder / "task8" / lab(2))
    moved = sysdir(folder, lab(1)) / f"{lab(1)}.meta.yaml"
    other = folder / "task6b" / "Doe_UniX_task6b_3"
    other.mkdir()
    shutil.move(moved, other / moved.name)
    report = validate_package(folder, gt)
    assert codes(report) == ["P724", "P724", "P726"]
    assert all(s.meta is not None for s in report.systems)


def test_names_that_could_spoof_another_team_are_refused(tmp_path: Path, gt: GroundTruth,
                                                          ) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    write_meta(folder, lab(1), yaml.safe_dump(meta_doc(lab(1), name="Team \u202eA")))
    doc = meta_doc(lab(2))
    doc["submission"]["authors"][1]["firstname"] = "Ri\x07ck"
    write_meta(folder, lab(2), yaml.safe_dump(doc))
    report = validate_package(folder, gt)
    assert codes(report) == ["P725", "P725"]
    messages = " | ".join(f.message for f in report.package.findings)
    assert "submission.name" in messages and "U+202E" in messages
    assert "authors[2].firstname" in messages and "U+0007" in messages
    assert all(s.meta is None for s in report.systems)


def test_zip_with_escaping_members(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)], flat=True)
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
    assert [s.label for s in report.systems] == [lab(1)]
    assert report.systems[0].validation is not None and report.systems[0].validation.valid
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "evil" / "escaped.txt").exists()
    assert not (tmp_path / "twice.txt").exists()


def test_zip_bomb_is_refused_unextracted(tmp_path: Path, gt: GroundTruth) -> None:
    target = tmp_path / "bomb.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"task6b/{lab(1)}/{lab(1)}.output.csv", b"\0" * (32 << 20))
        zf.writestr(f"task6b/{lab(1)}/{lab(1)}.meta.yaml", yaml.safe_dump(meta_doc(lab(1))))
    assert target.stat().st_size < 100_000
    report = validate_package(target, gt)
    assert codes(report) == ["P706"]
    assert report.systems == []


def test_zip_limits_on_members_and_total_size(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    target = zip_folder(folder, tmp_path / "team.zip")
    assert codes(validate_package(target, gt, limits=ZipLimits(max_members=1))) == ["P706"]
    assert codes(validate_package(target, gt, limits=ZipLimits(max_total_bytes=100))) == ["P706"]


def test_not_a_zip(tmp_path: Path, gt: GroundTruth) -> None:
    target = tmp_path / "team.zip"
    target.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert codes(validate_package(target, gt)) == ["P707"]


def test_system_output_with_defects(tmp_path: Path, gt: GroundTruth) -> None:
    folder = tmp_path / "team"
    output = write_system(folder, gt, lab(1), 0.7, seed=0)
    rows = system_rankings(gt, 0.7, seed=0)
    del rows[3]  # Q301 missing query
    rows[0] = (rows[0][0], ["no_such_file.wav", *rows[0][1][1:]])  # A401
    rows[1] = (rows[1][0], [rows[1][1][0], rows[1][1][0], *rows[1][1][2:]])  # A402
    write_topk_csv(output, rows)
    report = validate_package(folder, gt)
    assert not report.valid
    assert report.package.valid
    system = report.systems[0].validation
    assert system is not None
    assert sorted(f.code for f in system.findings) == ["A401", "A402", "Q301"]
    assert all(f.file == f"team/task6b/{lab(1)}/{lab(1)}.output.csv" for f in system.findings)
    a401 = next(f for f in system.findings if f.code == "A401")
    assert (a401.line, a401.column) == (2, 2)


def test_layout_problems(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(n) for n in range(1, 5)], flat=True)
    write_system(folder, gt, "Doe_UniX_task6b_9", 0.5, seed=9, flat=True)
    (folder / f"{lab(2)}.meta.yaml").unlink()  # P702
    (folder / f"{lab(3)}.output.csv").unlink()  # P703
    (folder / "notes.txt").write_text("hello")  # P708
    (folder / REPORT).write_text("not a pdf")  # P713
    shutil.copy(folder / f"{lab(1)}.output.csv", folder / "bad label!.output.csv")  # P712
    (folder / "sub").mkdir()
    shutil.copy(folder / f"{lab(1)}.output.csv", folder / "sub" / f"{lab(1)}.output.csv")  # P711
    report = validate_package(folder, gt)
    # four systems with outputs remain (1, 2, 4, 9): no P701 yet; index 9 is not 1-4 (P724)
    assert codes(report) == ["P702", "P703", "P708", "P711", "P712", "P713", "P724"]
    write_system(folder, gt, lab(4, team="Doe_UniY"), 0.5, seed=6, flat=True)  # a fifth system
    assert "P701" in codes(validate_package(folder, gt))


def test_empty_package(tmp_path: Path, gt: GroundTruth) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert codes(validate_package(folder, gt)) == ["P709"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_folder_links_are_refused(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    secret = tmp_path / "secret.output.csv"
    secret.write_text("caption\n")
    (sysdir(folder, lab(1)) / "Y_1.output.csv").symlink_to(secret)
    report = validate_package(folder, gt)
    assert codes(report) == ["P705"]
    assert [s.label for s in report.systems] == [lab(1)]


def test_cli_validates_a_package(tmp_path: Path, gt_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1)])
    write_meta(folder, lab(1), yaml.safe_dump(meta_doc(lab(1), loss_function=None,
                                                       total_parameters=None), sort_keys=False))
    target = zip_folder(folder, tmp_path / "team_package.zip")
    result = run_cli("validate", target, "--gt", gt_path, "--format", "json")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    [finding] = doc["package"]["findings"]
    assert finding["code"] == "P720" and "complexity.total_parameters" in finding["message"]
    assert finding["line"] > 0
    assert "Traceback" not in result.stderr
    text = run_cli("validate", folder, "--gt", gt_path)
    assert text.returncode == 1 and "P720" in text.stdout
    fine = package(tmp_path, gt, [lab(1), lab(2)], name="fine")
    ok = run_cli("validate", zip_folder(fine, tmp_path / "fine.zip"), "--gt", gt_path,
                 "--edition", "2023", "--format", "json")
    assert ok.returncode == 0, ok.stdout
    systems = json.loads(ok.stdout)["systems"]
    assert [s["meta"]["team"] for s in systems] == ["Doe_UniX", "Doe_UniX"]
    assert "email" not in json.dumps(systems)  # contact addresses stay with the organizers


def test_yaml_bombs_are_refused_quickly(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    laughs = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    doc = yaml.safe_dump(meta_doc(lab(1))) + "\n".join(laughs) + "\nauthors: *a9\n"
    write_meta(folder, lab(1), doc)
    write_meta(folder, lab(2), "[" * 30000 + "]" * 30000)
    start = time.perf_counter()
    report = validate_package(folder, gt)
    assert time.perf_counter() - start < 20  # PyYAML alone needs minutes for the second file
    messages = [f.message for f in report.package.findings]
    assert codes(report) == ["P704", "P704"]
    assert "aliases" in messages[0] and "'['" in messages[1]


def test_cli_never_fails_internally_on_a_hostile_meta(tmp_path: Path, gt: GroundTruth) -> None:
    folder = package(tmp_path, gt, [lab(1), lab(2)])
    text = (sysdir(folder, lab(1)) / f"{lab(1)}.meta.yaml").read_text(encoding="utf-8")
    write_meta(folder, lab(1), text.replace("0.31", "1" * 5000).replace("123456789", "!!int x"))
    write_meta(folder, lab(2), text.replace("label:", "label: !!python/object:os.system\n  x:"))
    queries = tmp_path / "queries.csv"
    queries.write_text("caption\n" + "".join(f'"{q}"\n' for q in gt.queries), encoding="utf-8")
    audio = tmp_path / "audio.txt"
    audio.write_text("".join(f"{a}\n" for a in gt.audio), encoding="utf-8")
    result = run_cli("validate", zip_folder(folder, tmp_path / "team.zip"), "--queries", queries,
                     "--audio-list", audio, "--format", "json")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    found = sorted((f["code"], f["message"].split(": ", 1)[1]) for f in doc["package"]["findings"])
    assert [c for c, _ in found] == ["P704"] * 3 + ["P721"], found
    assert [m.split(":")[0] for _, m in found] == [
        "results.development_testing.mAP@10", "submission.label",
        "system.complexity.total_parameters", "submission.x"]
    assert all(s["validation"]["valid"] for s in doc["systems"])

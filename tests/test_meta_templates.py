"""Meta files as the DCASE templates and real teams write them (blocks common to all tasks):
the template's all-null "no external data" entry, results nested more than two levels deep,
a list of affiliations, a tab before a comment, and meta files copied from system 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.meta import meta_findings_for

from .conftest import run_cli
from .organizer_data import make_gt, meta_doc, write_system

LABEL = "Doe_UniX_task6b_1"


def _meta_file(tmp_path: Path, doc: dict[str, Any], text: str | None = None) -> Path:
    path = tmp_path / f"{LABEL}.meta.yaml"
    path.write_text(text if text is not None else
                    yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _package(tmp_path: Path, edit: Any) -> tuple[Path, Path]:
    gt_path = make_gt(tmp_path, n_files=30, seed=2)
    pkg = tmp_path / "Doe_UniX"
    write_system(pkg, load_ground_truth(gt_path), LABEL, 0.7, seed=1)
    meta = pkg / "task6b" / LABEL / f"{LABEL}.meta.yaml"
    meta.write_text(edit(meta.read_text(encoding="utf-8")), encoding="utf-8")
    return pkg, gt_path


def _validate(pkg: Path, gt: Path) -> tuple[int, list[dict[str, Any]]]:
    proc = run_cli("validate", pkg, "--gt", gt, "--format", "json")
    doc = json.loads(proc.stdout)
    return proc.returncode, doc["package"]["findings"]


def test_the_templates_no_external_data_entry_means_none(tmp_path: Path) -> None:
    template = ("  external_datasets:\n    - name: !!null\n      url: !!null\n"
                "      total_audio_length: !!null\n")

    def edit(text: str) -> str:
        start = text.index("  external_datasets:")
        end = text.index("  source_code:")
        return text[:start] + template + text[end:]

    pkg, gt = _package(tmp_path, edit)
    code, findings = _validate(pkg, gt)
    assert code == 0 and findings == [], findings
    meta, found = meta_findings_for(pkg / "task6b" / LABEL / f"{LABEL}.meta.yaml")
    assert found == [] and meta is not None and meta.system.external_datasets == []
    # one null field of a named entry is still fine; a name missing beside a url is not
    doc = meta_doc(LABEL)
    doc["system"]["external_datasets"] = [{"name": None, "url": "https://x.org"}]
    _, found = meta_findings_for(_meta_file(tmp_path, doc))
    assert [f.code for f in found] == ["P720"]


def test_nested_results_are_read_where_they_are(tmp_path: Path) -> None:
    doc = meta_doc(LABEL, results={"development_dataset": {
        "overall": {"mAP@10": 60.0, "R@1": 0.41},
        "class_wise": {"speech": {"mAP@10": 0.55}, "music": {"mAP@10": 0.62}}}})
    meta, found = meta_findings_for(_meta_file(tmp_path, doc))
    assert found == [] and meta is not None
    figures = meta.development_results
    assert figures["mAP@10"] == 60.0 and figures["R@1"] == 0.41
    assert figures["class_wise.speech.mAP@10"] == 0.55
    # and through the command
    (tmp_path / "p").mkdir()
    def nest(text: str) -> str:
        head = "results:\n  development_testing:\n"
        assert head in text
        return text.replace(head, head + "    overall:\n      mAP@10: 0.5\n    clips:\n")

    pkg, gt = _package(tmp_path / "p", nest)
    code, findings = _validate(pkg, gt)
    assert code == 0 and findings == [], findings
    # a figure that is not a number shows the value, never an internal object
    doc = meta_doc(LABEL, results={"dev": {"overall": {"mAP@10": [1, 2]}}})
    _, found = meta_findings_for(_meta_file(tmp_path, doc))
    (f,) = found
    assert f.code == "P704" and "[1, 2]" in f.message and "Node(" not in f.message
    assert "results.dev.overall.mAP@10" in f.message


def test_a_list_of_affiliations_is_accepted(tmp_path: Path) -> None:
    doc = meta_doc(LABEL)
    first = doc["submission"]["authors"][0]
    first["affiliation"] = [first["affiliation"], {"abbreviation": "TAU",
                                                   "institute": "Tampere University"}]
    meta, found = meta_findings_for(_meta_file(tmp_path, doc))
    assert found == [] and meta is not None
    assert meta.submission.authors[0].affiliation.abbreviation == "UniX"  # type: ignore[union-attr]
    first["affiliation"][1] = {"abbreviation": "TAU"}  # an item without its institute
    _, found = meta_findings_for(_meta_file(tmp_path, doc))
    assert [f.code for f in found] == ["P720"]
    assert "affiliation[2].institute" in found[0].message


def test_a_tab_before_a_comment_is_refused_with_a_hint_that_says_tab(tmp_path: Path) -> None:
    def tab(text: str) -> str:
        assert f"  label: {LABEL}\n" in text
        return text.replace(f"  label: {LABEL}\n", f"  label: {LABEL}\t# the label\n")

    pkg, gt = _package(tmp_path, tab)
    code, findings = _validate(pkg, gt)
    (f,) = [f for f in findings if f["code"] == "P704"]
    assert code == 1 and "tab character" in f["message"] and f["line"] == 2
    assert "tab character on line 2" in f["hint"] and "\\t" not in f["message"]


def test_every_system_carrying_system_1s_label_is_reported(tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=30, seed=5)
    gt = load_ground_truth(gt_path)
    pkg = tmp_path / "Doe_UniX"
    labels = [f"Doe_UniX_task6b_{i}" for i in (1, 2, 3)]
    for i, label in enumerate(labels):
        write_system(pkg, gt, label, 0.6, seed=i)
    first = (pkg / "task6b" / labels[0] / f"{labels[0]}.meta.yaml").read_text(encoding="utf-8")
    for label in labels[1:]:  # copied from system 1, the label left as it was
        (pkg / "task6b" / label / f"{label}.meta.yaml").write_text(first, encoding="utf-8")
    broken = pkg / "task6b" / labels[2] / f"{labels[2]}.meta.yaml"  # and another defect
    broken.write_text(first.replace("  name: System", "  nombre: System"), encoding="utf-8")
    code, findings = _validate(pkg, gt_path)
    p710 = [f for f in findings if f["code"] == "P710"]
    assert code == 1 and len(p710) == 2, findings
    assert {labels[1], labels[2]} == {next(lab for lab in labels[1:] if lab in f["message"])
                                      for f in p710}
    assert all(repr(labels[0]) in f["message"] for f in p710)

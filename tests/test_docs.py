"""docs/findings.md documents every finding code, and its examples do what it says.

Each example file in the page is written as shown (a ```csv NAME block as text, a ```python NAME
block by running it and writing its `data` bytes), validated against the page's example set, and
the finding named by the next "Reported as: `CODE` at line L, column C" must come back there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dcase_retrieval_eval.findings import CATALOGUE
from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.tau_relevances import read_tau_relevances

from .conftest import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "findings.md"
TEXT = DOC.read_text(encoding="utf-8")
HEADING = re.compile(r"^### ([A-Z]\d{3}) ([a-z0-9-]+)\s*$", re.M)
TOKEN = re.compile(
    r"```(?P<lang>\w+) (?P<name>[\w.]+)\n(?P<body>.*?)```"
    r"|Reported as: `(?P<code>[A-Z]\d{3})` at line (?P<line>\d+), column (?P<col>\d+)",
    re.S,
)
EXECUTABLE_FAMILIES = ("F", "C", "Q", "A", "M", "G", "T")
NO_EXAMPLE = {"F105"}  # a read error after the argument check cannot be written as a file


def sections() -> dict[str, tuple[str, str]]:
    """code -> (name, section text)."""
    found = list(HEADING.finditer(TEXT))
    out = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(TEXT)
        out[m.group(1)] = (m.group(2), TEXT[m.end():end])
    return out


SECTIONS = sections()
PREAMBLE = TEXT[: HEADING.search(TEXT).start()]  # type: ignore[union-attr]


def blocks(text: str) -> dict[str, str]:
    return {m["name"]: m["body"] for m in TOKEN.finditer(text) if m["lang"]}


def examples(code: str) -> list[tuple[dict[str, tuple[str, str]], tuple[str, int, int]]]:
    """(files written since the previous claim, claim) pairs of one section, in order."""
    out, pending = [], {}
    for m in TOKEN.finditer(SECTIONS[code][1]):
        if m["lang"]:
            pending[m["name"]] = (m["lang"], m["body"])
        else:
            out.append((pending, (m["code"], int(m["line"]), int(m["col"]))))
            pending = {}
    return out


def materialise(lang: str, body: str) -> bytes:
    if lang == "python":
        scope: dict[str, object] = {}
        exec(body, scope)  # the page's own example snippets
        data = scope["data"]
        assert isinstance(data, bytes)
        return data
    return body.encode("utf-8")


def test_every_catalogue_code_has_a_section() -> None:
    missing = [c for c in CATALOGUE if c not in SECTIONS]
    assert not missing, f"undocumented codes: {missing}"
    for code, info in CATALOGUE.items():
        name, body = SECTIONS[code]
        assert name == info.name, (code, name, info.name)
        severity = re.search(r"\*\*Severity:\*\* (\w+)", body)
        assert severity and severity.group(1) == info.severity.value, code
        assert "**Fix:**" in body, f"{code} has no fix"


def test_sections_are_in_catalogue_order() -> None:
    documented = [c for c in SECTIONS if c in CATALOGUE]
    assert documented == [c for c in CATALOGUE if c in SECTIONS]


def test_line_column_and_tie_rule_are_explained() -> None:
    assert "## Where: line and column" in TEXT
    assert "physical" in TEXT and "CSV cell" in TEXT
    from dcase_retrieval_eval.formats.submission import TIE_RULE

    assert "## Ties in a score matrix" in TEXT
    assert "descending order, breaking ties by file name in ascending Unicode code-point" in TEXT
    assert TIE_RULE == "score descending, then file name ascending (Unicode code points)"


@pytest.mark.parametrize("code", [c for c in CATALOGUE if c.startswith(EXECUTABLE_FAMILIES)])
def test_example_reports_what_the_page_says(code: str, tmp_path: Path) -> None:
    assert code in SECTIONS
    claims = examples(code)
    if code in NO_EXAMPLE:
        assert claims and not claims[0][0]
        return
    assert claims, f"{code} has no 'Reported as' line"
    context = blocks(PREAMBLE)
    (tmp_path / "gt.csv").write_text(context["gt.csv"], encoding="utf-8")
    (tmp_path / "audio.txt").write_text(context["audio.txt"], encoding="utf-8")
    for files, (claimed, line, column) in claims:
        assert claimed == code
        extra: list[str] = []
        if not files:  # F101: the valid file under a small limit named in the text
            limit = re.search(r"--max-bytes (\d+)", SECTIONS[code][1])
            assert limit, f"{code}: no example file"
            files = {"sub.csv": ("csv", context["valid.csv"])}
            extra = ["--max-bytes", limit.group(1)]
        if "validated with `--strip-folders`" in SECTIONS[code][1]:
            extra = ["--strip-folders"]
        if "validated with `--only-gt-queries`" in " ".join(SECTIONS[code][1].split()):
            extra = ["--only-gt-queries"]
        for name, (lang, body) in files.items():
            (tmp_path / name).write_bytes(materialise(lang, body))
        # the submission: `sub.csv`, or an example's `sub.npz`, `sub.npy` or `sub.run`
        sub = tmp_path / next((n for n in files if n.startswith("sub.")), "sub.csv")
        if "gt.csv" in files:
            found = load_ground_truth(tmp_path / "gt.csv", strict=False).findings
            got = [(f.code, f.line, f.column) for f in found]
        elif "evaluation_relevances.csv" in files:
            found = read_tau_relevances(tmp_path)[2]
            got = [(f.code, f.line, f.column) for f in found]
        else:
            # a ground truth listing only relevant clips is used without the audio list
            against = (["--gt", str(tmp_path / "gt_relevant.csv")] if "gt_relevant.csv" in files
                       else ["--gt", str(tmp_path / "gt.csv"),
                             "--audio-list", str(tmp_path / "audio.txt")])
            exit_code, out, err = cli("validate", sub, *against, "--format", "json", *extra)
            assert exit_code == (1 if CATALOGUE[code].severity == "error" else 0), out + err
            got = [(f["code"], f["line"], f["column"])
                   for f in json.loads(out)["findings"]
                   if f["file"] == str(sub)]
        assert (code, line, column) in got, got


def test_the_valid_examples_are_valid(tmp_path: Path) -> None:
    context = blocks(PREAMBLE) | blocks(TEXT[TEXT.index("## M: score matrix"):
                                             TEXT.index("### M501")])
    for name in ("gt.csv", "audio.txt", "valid.csv", "valid_matrix.csv"):
        (tmp_path / name).write_text(context[name], encoding="utf-8")
    for sub in ("valid.csv", "valid_matrix.csv"):
        code, out, err = cli("validate", tmp_path / sub, "--gt", tmp_path / "gt.csv",
                             "--audio-list", tmp_path / "audio.txt", "--format", "json")
        assert code == 0, out + err
        assert json.loads(out)["findings"] == []


# ---------------------------------------------------------------------------------------------
# P codes: packages built by hand, checked against the place the page states

META = (Path(__file__).resolve().parents[1] / "examples" / "meta.example.yaml")


L1, L2 = "Doe_UniX_task6b_1", "Doe_UniX_task6b_2"


def _system(pkg: Path, label: str, *, meta_label: str | None = None, output: bool = True,
            meta: bool = True, flat: bool = False, folder: str = "",
            edit: Callable[[list[str]], list[str]] | None = None) -> None:
    """A system in the DCASE layout `pkg/task6b/<folder or label>/` (or flat in `pkg`), its meta
    the example meta relabelled, then `edit`ed line by line."""
    context = blocks(PREAMBLE)
    where = pkg if flat else pkg / "task6b" / (folder or label)
    where.mkdir(parents=True, exist_ok=True)
    if output:
        (where / f"{label}.output.csv").write_text(context["valid.csv"], encoding="utf-8")
    if meta:
        lines = META.read_text(encoding="utf-8").replace("Xie_TAU_task6b_1",
                                                         meta_label or label).splitlines()
        if edit is not None:
            lines = edit(lines)
        (where / f"{label}.meta.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _without(prefix: str) -> Callable[[list[str]], list[str]]:
    return lambda lines: [ln for ln in lines if not ln.startswith(prefix)]


def _package(kind: str, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    pkg = root / "Team"
    if kind == "P701":
        for i in range(1, 5):
            _system(pkg, f"Doe_UniX_task6b_{i}")
        _system(pkg, "Doe_UniY_task6b_1")
    elif kind == "P702":
        _system(pkg, L1, meta=False)
    elif kind == "P703":
        _system(pkg, L1, output=False)
    elif kind == "P704":
        _system(pkg, L1, edit=lambda ls: [ln.replace("900354462", "900 M") for ln in ls])
    elif kind == "P705":
        _system(pkg, L1)
        (pkg / "task6b" / L1 / "B_1.output.csv").symlink_to(pkg / "task6b" / L1 /
                                                            f"{L1}.output.csv")
    elif kind == "P706":
        import zipfile

        with zipfile.ZipFile(root / "Team.zip", "w") as zf:
            for i in range(250):
                zf.writestr(f"f{i}.txt", "x")
        return root / "Team.zip"
    elif kind == "P707":
        (root / "Team.zip").write_text("not a zip")
        return root / "Team.zip"
    elif kind == "P708":
        _system(pkg, L1)
        (pkg / "notes.txt").write_text("notes")
    elif kind == "P709":
        pkg.mkdir()
        (pkg / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    elif kind == "P710":
        _system(pkg, L1, meta_label=L2)
    elif kind == "P711":
        _system(pkg / "x", L1)
        _system(pkg / "y", L1)
    elif kind == "P712":
        _system(pkg, "my system", meta_label="my_system", flat=True)
    elif kind == "P713":
        _system(pkg, L1)
        (pkg / "report.pdf").write_text("a Word file renamed")
    elif kind == "P720":
        _system(pkg, L1, edit=_without("  name:"))
    elif kind == "P721":
        _system(pkg, L1, edit=lambda ls: [*ls, "leaderboard_wish: first"])
    elif kind == "P722":
        _system(pkg, L1, edit=lambda ls: [*ls[:14], "  abbreviation: Base", *ls[14:]])
    elif kind == "P723":
        _system(pkg, L1, edit=_without("      corresponding: true"))
    elif kind == "P724":
        _system(pkg, "A_1", flat=True)
    elif kind == "P725":
        _system(pkg, L1, edit=lambda ls: [ln.replace("6B baseline", "6B \u202ebaseline")
                                          for ln in ls])
    elif kind == "P726":
        _system(pkg, L1, folder=L2)
    elif kind == "P727":
        _system(pkg, L1)  # and no PDF
    elif kind == "P728":
        _system(pkg, "Doe_UniX_task4_1")
    return pkg


P_BUILT = ["P701", "P702", "P703", "P704", "P705", "P706", "P707", "P708", "P709", "P710",
           "P711", "P712", "P713", "P720", "P721", "P722", "P723", "P724", "P725", "P726",
           "P727", "P728"]


@pytest.mark.parametrize("code", P_BUILT)
def test_package_example_reports_what_the_page_says(code: str, tmp_path: Path) -> None:
    pytest.importorskip("dcase_retrieval_eval.formats.package")
    if code not in CATALOGUE:
        pytest.skip(f"{code} is not in this build's catalogue")
    claim = re.search(rf"Reported as: `{code}` at line (\d+), column (\d+)", SECTIONS[code][1])
    assert claim, f"{code}: no 'Reported as' line"
    context = blocks(PREAMBLE)
    for name in ("gt.csv", "audio.txt"):
        (tmp_path / name).write_text(context[name], encoding="utf-8")
    pkg = _package(code, tmp_path / "upload")
    exit_code, out, _ = cli("validate", pkg, "--gt", tmp_path / "gt.csv",
                            "--audio-list", tmp_path / "audio.txt", "--format", "json")
    doc = json.loads(out)
    findings = list(doc["package"]["findings"])
    for system in doc["systems"]:
        findings += (system.get("validation") or {}).get("findings", [])
    got = [(f["code"], f["line"], f["column"]) for f in findings]
    assert (code, int(claim[1]), int(claim[2])) in got, got
    # a warning's example may need an error beside it (P728 follows a P724)
    assert exit_code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    assert CATALOGUE[code].severity != "error" or exit_code == 1

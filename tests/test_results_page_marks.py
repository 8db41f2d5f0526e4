"""What a reader of the published results sees: the lenient badge and footnote, the baseline
marker, provenance, the CI footnote and the hardest-query note in every rendering, and the page
in real Chromium at a desktop and a phone width (screenshots; labels never broken mid-word)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest

from dcase_retrieval_eval import __version__

from .conftest import run_cli
from .organizer_data import make_challenge
from .test_html_chromium import chromium, run_chromium

BASELINE = "Mei_Surrey_task6b_1"
LENIENT = "Lamort_IRIT_task6b_1"
DROPPED = 7  # queries removed from the lenient system's output


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("marks")
    teams = {"Xu_SJTU": [("Xu_SJTU_task6b_1", 0.9)], "Mei_Surrey": [(BASELINE, 0.7)],
             "Lamort_IRIT": [(LENIENT, 0.8)],
             "Pellegrini_IRIT": [("Pellegrini_IRIT_task6b_1", 0.4)]}
    gt_path, uploads = make_challenge(root, teams, seed=9, n_files=40)
    output = next(uploads.rglob(f"{LENIENT}.output.csv"))
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    output.write_text("".join(lines[:1] + lines[1 + DROPPED:]), encoding="utf-8")
    out = root / "RESULTS"
    done = run_cli("rank", uploads, "--gt", gt_path, "--out", out, "--rounds", "500",
                   "--bootstrap-rankings", "200", "--lenient", "--baseline", BASELINE, "--quiet")
    assert done.returncode == 0, done.stderr
    return out, gt_path, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_json_marks_and_provenance(ranked: tuple[Path, Path, dict]) -> None:
    _, gt_path, doc = ranked
    flags = {s["label"]: (s["baseline"], s["lenient"]) for s in doc["systems"]}
    assert flags[BASELINE] == (True, False) and flags[LENIENT] == (False, True)
    assert sum(b for b, _ in flags.values()) == 1 and sum(le for _, le in flags.values()) == 1
    p = doc["provenance"]
    assert p["tool_version"] == __version__ and p["edition"] == doc["edition"]
    assert p["ground_truth_file"] == gt_path.name
    assert p["ground_truth_sha256"] == hashlib.sha256(gt_path.read_bytes()).hexdigest()
    assert p["n_queries"] == doc["n_queries"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["generated"])
    lenient = next(s for s in doc["systems"] if s["lenient"])
    assert f"{DROPPED} missing queries scored 0" in lenient["policy"]


def test_markdown_tex_csv_mark_both(ranked: tuple[Path, Path, dict]) -> None:
    out, gt_path, doc = ranked
    sha = doc["provenance"]["ground_truth_sha256"]
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "Lenient scoring was used: 1 system" in md.split("## Team ranking")[0]
    assert md.count("(Baseline)") == 2  # team table and all systems
    assert md.count("†") >= 3 and f"{DROPPED} missing queries scored 0" in md
    assert f"<!-- Ground truth: {gt_path.name} (SHA-256 {sha}) -->" in md
    assert "not clipped to \\[0, 1\\]" in md
    tex = (out / "results.tex").read_text(encoding="utf-8")
    assert tex.count(r"\textit{(Baseline)}") == 2 and tex.count(r"$^\dagger$") >= 3
    assert f"% Tool: dcase-retrieval-eval {__version__}" in tex and sha in tex
    with open(out / "results.csv", encoding="utf-8", newline="") as fh:
        rows = {r["label"]: r for r in csv.DictReader(fh)}
    assert rows[BASELINE]["baseline"] == "1" and rows[LENIENT]["lenient"] == "1"
    assert sum(r["baseline"] == "1" for r in rows.values()) == 1


def test_page_marks_provenance_and_notes(ranked: tuple[Path, Path, dict]) -> None:
    out, gt_path, doc = ranked
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="lenient-header"' in page and page.count('class="tag lenient"') == 2
    assert page.count('class="tag baseline"') == 2
    assert "&#8224; Lenient scoring:" in page
    footer = page.split('<footer id="provenance">')[1].split("</footer>")[0]
    for text in (doc["provenance"]["ground_truth_sha256"], gt_path.name, __version__,
                 f"Queries scored: {doc['n_queries']}", doc["provenance"]["generated"]):
        assert text in footer
    assert page.count("not clipped to [0, 1]") == 1
    assert "@media print" in page and re.search(r"@media print\{th\{position:static", page)
    zero = re.search(r'id="zero-for-all">(\d+) of (\d+) queries score 0', page)
    assert zero and int(zero[2]) == doc["n_queries"] and int(zero[1]) == doc["zero_for_all"]


def test_hardest_queries_separate_systems(ranked: tuple[Path, Path, dict]) -> None:
    out, _, doc = ranked
    main = doc["main_metric"]
    per_system = {}
    for s in doc["systems"]:
        with open(out / "per_query" / f"{s['label']}.csv", encoding="utf-8", newline="") as fh:
            per_system[s["label"]] = {r["query"]: float(r[main]) for r in csv.DictReader(fh)}
    queries = next(iter(per_system.values())).keys()
    all_zero = [q for q in queries if all(v[q] == 0 for v in per_system.values())]
    assert doc["zero_for_all"] == len(all_zero)
    assert doc["hardest_queries"]
    for h in doc["hardest_queries"]:
        values = {v[h["query"]] for v in per_system.values()}
        assert len(values) > 1  # the systems differ on every query shown


def _round_steps(texts: list[str]) -> None:
    values = [float(t) for t in texts]
    steps = {round(b - a, 9) for a, b in zip(values, values[1:], strict=False)}
    assert len(values) >= 3 and len(steps) == 1, texts
    step = steps.pop()
    assert f"{step:.0e}".split("e")[0] in {"1", "2", "5"}, texts  # never 0.032, 0.064, ...
    assert all(abs(v / step - round(v / step)) < 1e-6 for v in values), texts


def test_figures_round_ticks_point_labels_baseline(ranked: tuple[Path, Path, dict]) -> None:
    out, _, doc = ranked
    page = (out / "index.html").read_text(encoding="utf-8")
    forest = page.split('aria-label="mAP@10 with confidence intervals"')[1].split("</svg>")[0]
    _round_steps(re.findall(r'text-anchor="middle">([0-9.]+)</text>', forest))
    assert f"{BASELINE} (Baseline)" in forest and f"{LENIENT} †" in forest
    scatter = (out / "paper" / "dev_vs_eval.svg").read_text(encoding="utf-8")
    labels = re.findall(r'<text class="dev-label"[^>]*>([^<]+)</text>', scatter)
    assert sorted(labels) == sorted(s["label"] + (" (Baseline)" if s["baseline"] else "")
                                    for s in doc["systems"])
    _round_steps(re.findall(r'text-anchor="middle">([0-9.]+)</text>', scatter))
    blob = (out / "paper" / "robustness_blob.svg").read_text(encoding="utf-8")
    width = int(re.search(r'width="(\d+)"', blob)[1])
    assert width >= 400  # four systems fill the width instead of about 160 px
    assert f">{BASELINE} (Baseline)</text>" in blob


MEASURE = """<pre id="measure"></pre><script>
const out = {labels: [], wide: [], width: document.documentElement.scrollWidth};
const cells = 'td.label, #teams td.lit:nth-child(2), #systems td.lit:nth-child(2)';
for (const td of document.querySelectorAll(cells)) {
  const node = td.firstChild; if (!node) continue;  // a package-level rejection has no label
  const range = document.createRange();
  range.selectNodeContents(node);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  out.labels.push([node.textContent.trim(), tops.size]);
}
const marks = '.tag.baseline, .tag.lenient, #lenient-header, #provenance li';
for (const tag of document.querySelectorAll(marks)) {
  const r = tag.getBoundingClientRect();
  out.wide.push([tag.id || tag.className || 'li', r.width > 0 && r.height > 0]);
}
const line = parseFloat(getComputedStyle(document.body).lineHeight) || 20;
// rows of the tables of numbers and names (not the free text of #rejected and #hardest)
out.tall = [...document.querySelectorAll('table[id]:not(#rejected):not(#hardest) tbody tr')]
  .filter(tr => tr.getBoundingClientRect().height > 4 * line)
  .map(tr => tr.closest('table').id);
out.narrow = [...document.querySelectorAll('td.lit, td.words')]
  .filter(td => td.getBoundingClientRect().width < 150).map(td => td.textContent.trim());
document.getElementById('measure').textContent = JSON.stringify(out);
</script></body>"""


@pytest.mark.parametrize("width", [1400, 400])
def test_chromium_two_widths(ranked: tuple[Path, Path, dict], tmp_path: Path,
                             width: int) -> None:
    binary = chromium()
    out, _, doc = ranked
    shot = tmp_path / f"page-{width}.png"
    done = run_chromium(binary, tmp_path / "shot", f"--window-size={width},1600",
                        f"--screenshot={shot}", (out / "index.html").resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # the same page, its policy lifted in a copy only, with a script measuring the line boxes
    page = (out / "index.html").read_text(encoding="utf-8")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", MEASURE), encoding="utf-8")
    done = run_chromium(binary, tmp_path / "dump", f"--window-size={width},1600",
                        "--dump-dom", probe.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="measure">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    measured = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
    shown = {text for text, _ in measured["labels"]}
    assert {BASELINE, LENIENT, "Mei_Surrey", "Lamort_IRIT"} <= shown
    broken = [text for text, lines in measured["labels"] if lines != 1]
    assert broken == []  # no label or team name is broken inside a word, in any table
    # the label cells of every table are measured: the paper's Table 2, the significance
    # table, the robustness table, the development-vs-evaluation table
    assert sum(text == BASELINE for text, _ in measured["labels"]) >= 5
    # text columns keep a readable width: rows of a few lines, not a word per line (the
    # robustness sentences, the paper's authors, the characteristics) on a phone
    assert measured["tall"] == []
    if width < 600:  # on a phone, text cells are wide enough to hold a few words per line
        assert measured["narrow"] == []
    kinds = [k for k, visible in measured["wide"] if visible]
    assert sum("baseline" in k for k in kinds) == 2 and sum("lenient" in k for k in kinds) == 3
    assert kinds.count("li") == 5  # the provenance footer's five lines are rendered

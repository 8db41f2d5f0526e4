"""The results page's templates: autoescaping is the default, `|safe` is reserved for the SVG
figures we build, the CSP hash matches the script the page carries, and the templates ship as
package data."""

from __future__ import annotations

import base64
import csv
import hashlib
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from dcase_retrieval_eval.challenge.ranking import rank
from dcase_retrieval_eval.report.html import environment, sort_script, to_html

from .conftest import ROOT
from .organizer_data import make_challenge

HOSTILE = "<script>alert(1)</script>"
QUOTED = "x\" onmouseover=\"alert(2)"
TEMPLATES = ROOT / "dcase_retrieval_eval" / "report" / "templates"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("page")
    gt, uploads = make_challenge(root, {"H_T": [("H_T_task6b_1", 0.7)],
                                        "P_T": [("P_T_task6b_1", 0.4)]},
                                 n_files=30, names={"H_T": QUOTED, "P_T": QUOTED})
    # package teams are label prefixes; free team text comes through a manifest
    manifest = root / "manifest.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["system", "team", "path"])
        for label, team in (("H_T_task6b_1", HOSTILE), ("P_T_task6b_1", QUOTED)):
            writer.writerow([label, team, next(uploads.rglob(f"{label}.output.csv"))])
    return to_html(rank(manifest, gt, rounds=200))


def test_autoescape_is_on_for_every_template() -> None:
    env = environment()
    for name in env.list_templates():
        assert env.autoescape is True or env.autoescape(name), name  # type: ignore[operator]


def test_safe_is_used_only_for_generated_svg() -> None:
    code = "".join(re.sub(r"\{#.*?#\}", "", p.read_text("utf-8"), flags=re.S)
                   for p in TEMPLATES.glob("*.j2"))
    uses = re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}", code)
    assert uses and all(name.endswith("_svg") for name in uses), uses
    assert len(re.findall(r"\|\s*safe", code)) == len(uses)
    assert "Markup" not in code and "autoescape" not in code  # no way to switch it off


def test_team_text_is_escaped_in_text_and_attributes(page: str) -> None:
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onmouseover="alert(2)' not in page
    assert "x&#34; onmouseover=&#34;alert(2)" in page
    # the escaped text reaches the SVG too, through its own escaping
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "&lt;script&gt;" in svg and "<script" not in svg


def test_csp_hash_is_the_hash_of_the_page_script(page: str) -> None:
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert scripts == [sort_script()]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src &#39;sha256-{digest}&#39;" in page


def test_templates_are_package_data() -> None:
    shipped = {p.name for p in resources.files("dcase_retrieval_eval.report")
               .joinpath("templates").iterdir()}
    assert {"index.html.j2", "_macros.html.j2", "page.css", "sort.js"} <= shipped
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dcase_retrieval_eval.report"]
    assert all(any(Path(f"templates/{name}").match(p) for p in patterns) for name in shipped)
    assert any(dep.startswith("jinja2") for dep in config["project"]["dependencies"])

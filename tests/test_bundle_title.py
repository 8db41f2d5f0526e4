"""A Codabench bundle's title is written as given into its pages (overview, terms) and its
competition.yaml, so a title holding terminal escapes, a carriage return or invisible
characters is a usage error (exit 2) naming them, and no bundle is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .conftest import cli
from .organizer_data import make_gt

IMAGE = "docker.io/dcase/scorer:0.1.0"


@pytest.mark.parametrize(("title", "named"), [
    ("\x1b]0;PWNED\x07DCASE", "U+0007, U+001B"),
    ("DCASE\rretrieval", "U+000D"),
    ("DCASE\u200dretrieval", "U+200D"),
])
def test_a_title_with_hidden_characters_is_refused(tmp_path: Path, title: str,
                                                   named: str) -> None:
    gt = make_gt(tmp_path, n_files=40)
    out = tmp_path / "bundle.zip"
    code, stdout, stderr = cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                               "--out", out, "--quiet", "--title", title)
    assert code == 2, stdout + stderr
    assert f"--title holds control or invisible characters ({named})" in stderr
    assert not out.exists()


def test_a_plain_title_reaches_every_page(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=40)
    out = tmp_path / "bundle.zip"
    code, stdout, stderr = cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                               "--out", out, "--quiet", "--title", "Retrieval, café edition")
    assert code == 0, stdout + stderr
    with zipfile.ZipFile(out) as zf:
        for page in ("pages/overview.md", "pages/terms.md"):
            assert "Retrieval, café edition" in zf.read(page).decode("utf-8")

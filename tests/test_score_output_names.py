"""`score --output` names the file the scores go to, and its extension names their format: an
extension of a compressed file (`scores.json.gz`) would get plain text under a name that says
gzip, so it is a usage error (exit 2) saying what to name it, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import cli


@pytest.mark.parametrize("name", ["scores.json.gz", "scores.csv.bz2", "scores.XZ", "s.zip"])
def test_a_compressed_output_name_is_a_usage_error(tmp_path: Path,
                                                   sub_and_gt: tuple[Path, Path],
                                                   name: str) -> None:
    sub, gt = sub_and_gt
    out = tmp_path / name
    code, stdout, stderr = cli("score", sub, "--gt", gt, "--output", out)
    assert code == 2, stdout + stderr
    assert f"--output {out} names a compressed file" in stderr
    assert not out.exists()


def test_an_upper_case_extension_names_its_format(tmp_path: Path,
                                                  sub_and_gt: tuple[Path, Path]) -> None:
    sub, gt = sub_and_gt
    out = tmp_path / "scores.JSON"
    code, stdout, stderr = cli("score", sub, "--gt", gt, "--output", out)
    assert code == 0, stdout + stderr
    assert out.read_text(encoding="utf-8").lstrip().startswith("{")


def test_a_dash_is_standard_output_not_a_file(tmp_path: Path, sub_and_gt: tuple[Path, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    sub, gt = sub_and_gt
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = cli("score", sub, "--gt", gt, "--output", "-", "--format", "json")
    assert code == 0, stdout + stderr
    assert json.loads(stdout)["n_queries"] == 200
    assert not (tmp_path / "-").exists()

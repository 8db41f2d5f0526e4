"""`validate` given the organizer's folder of uploads instead of one package: a team's zip in
it is not taken for a stray file to rename, its finding says it is a package of its own and
gives the command that checks it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from .conftest import cli
from .organizer_data import make_challenge


def test_a_zip_among_the_uploads_is_named_a_package(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.8)],
                                            "Roe_CompY": [("Roe_CompY_task6b_1", 0.5)]},
                                 zipped=["Doe_UniX"], n_files=20)
    code, out, err = cli("validate", uploads, "--gt", gt, "--format", "json")
    assert code == 0, out + err  # the folder package is valid; the zip is one warning
    (p708,) = [f for f in json.loads(out)["package"]["findings"] if f["code"] == "P708"]
    assert "is a zip inside the package" in p708["message"]
    assert "<label>.output.csv" not in p708["hint"]  # not a file to rename
    command = p708["hint"].split("(", 1)[1].split(")", 1)[0]
    words = shlex.split(command)
    assert words[:2] == ["dcase-eval", "validate"] and words[2].endswith("pkg00.zip"), command
    code, out, err = cli(*words[1:], "--gt", gt)
    assert code == 0 and "Doe_UniX_task6b_1" in out, out + err

"""A package without a technical report is told the file to add, named after the package as
DCASE names it (the package-format page's `<package>.technical_report.pdf`), not another
team's example name."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .conftest import cli
from .organizer_data import make_challenge


def test_the_hint_names_this_packages_report(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"Lee_KAIST": [("Lee_KAIST_task6b_1", 0.5)]},
                                 n_files=20)
    folder = uploads / "Lee_KAIST_task6b"
    (uploads / "pkg00").rename(folder)
    next(folder.glob("*.pdf")).unlink()
    archive = uploads / "Lee_KAIST_task6b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(folder.rglob("*")):
            zf.write(file, file.relative_to(folder).as_posix())
    for package in (folder, archive):
        code, out, err = cli("validate", package, "--gt", gt, "--format", "json")
        assert code == 0, out + err  # a warning
        (p727,) = [f for f in json.loads(out)["package"]["findings"]
                   if f["code"] == "P727"]
        assert "Lee_KAIST_task6b.technical_report.pdf" in p727["hint"], p727
        assert "Doe_UniX" not in p727["hint"]

"""The examples run as documented."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_score_from_python_example() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "score_from_python.py")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "strong.output.csv: mAP@10 = 0.6" in proc.stdout
    assert "INVALID - 4 error(s)" in proc.stdout

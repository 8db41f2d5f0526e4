"""Start-up speed: a command imports only what it uses, and reading comes before the models.

Each check runs a fresh interpreter (imports are process state) on small files, below the Arrow
fast path's threshold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

#: never needed to validate or score a CSV
HEAVY = ["rich", "pyarrow", "scipy", "yaml", "jinja2", "pandas", "pygments", "torch", "gensim"]
#: the organizer side of the package: meta files, packages, leaderboards, pages, hosting
ORGANIZER = ["dcase_retrieval_eval.formats.meta", "dcase_retrieval_eval.formats.package",
             "dcase_retrieval_eval.challenge", "dcase_retrieval_eval.report.html",
             "dcase_retrieval_eval.hosting"]
#: what reading a submission does not need: the report models and the scoring (the commands
#: call the API, which reads its inputs first and imports these after)
AFTER_READING = ["dcase_retrieval_eval.check.validation", "dcase_retrieval_eval.measure.scoring"]

_PROBE = r'''
import json, sys
from dcase_retrieval_eval.cli import main as group
import dcase_retrieval_eval.formats.submission as submission
seen = {}
real = submission.load_submission
def spy(*args, **kwargs):
    seen["before_reading"] = sorted(sys.modules)
    return real(*args, **kwargs)
submission.load_submission = spy
try:
    group.main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
seen["at_exit"] = sorted(sys.modules)
print(json.dumps(seen), file=sys.stderr)
'''


def _modules(*args: str | Path) -> dict[str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    doc: dict[str, list[str]] = json.loads(proc.stderr.strip().splitlines()[-1])
    return doc


def _loaded(modules: list[str], names: list[str]) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.fixture()
def small(tmp_path: Path) -> tuple[Path, Path]:
    gt = tmp_path / "gt.csv"
    gt.write_text("file_name,caption_1\na.wav,A dog.\nb.wav,Rain.\n", encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text("caption,file_name_1,file_name_2\nA dog.,a.wav,b.wav\nRain.,b.wav,a.wav\n",
                   encoding="utf-8")
    return sub, gt


@pytest.mark.parametrize("command", ["score", "validate"])
def test_reading_comes_before_the_report_models(small: tuple[Path, Path], command: str) -> None:
    sub, gt = small
    seen = _modules(command, sub, "--gt", gt, "--format", "json", "--k", "2")
    assert "before_reading" in seen, "the submission was not read through load_submission"
    assert _loaded(seen["before_reading"], AFTER_READING) == []
    assert "dcase_retrieval_eval.check.validation" in seen["at_exit"]  # the probe can see it


def test_score_as_json_imports_nothing_heavy(small: tuple[Path, Path]) -> None:
    sub, gt = small
    at_exit = _modules("score", sub, "--gt", gt, "--format", "json", "--k", "2")["at_exit"]
    assert _loaded(at_exit, HEAVY) == []
    assert _loaded(at_exit, ORGANIZER) == []


def test_the_text_table_brings_rich_but_not_its_heavy_parts(small: tuple[Path, Path]) -> None:
    sub, gt = small
    at_exit = _modules("score", sub, "--gt", gt, "--k", "2")["at_exit"]
    assert "rich" in at_exit
    assert _loaded(at_exit, [m for m in HEAVY if m != "rich"]) == []
    assert _loaded(at_exit, ["rich.progress", "rich.syntax", "rich.traceback",
                             "rich.markdown"]) == []


_BLAS_PROBE = r'''
import importlib, os, sys
cli = importlib.import_module("dcase_retrieval_eval.cli.main")  # the module, not the group
assert "numpy" not in sys.modules, "the command line module loads NumPy"
seen = {}
real = cli.main.main
def spy(*args, **kwargs):
    seen["threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
    raise SystemExit(0)
cli.main.main = spy
sys.argv = ["dcase-eval", *sys.argv[1:]]
try:
    cli.run()
except SystemExit:
    pass
print(seen["threads"])
'''


@pytest.mark.parametrize(("command", "threads"), [("score", "1"), ("validate", "1"),
                                                   ("rank", "None")])
def test_score_and_validate_start_numpy_without_idle_blas_threads(command: str,
                                                                  threads: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", _BLAS_PROBE, command], capture_output=True,
                          text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == threads

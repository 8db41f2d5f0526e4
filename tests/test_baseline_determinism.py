"""Reproducible training: two trainings in two processes end with bit-identical CPU weights.

The processes differ in everything that must not matter (hash seed, run folder name, argv and
environment size); same config, data and thread count must give the same `best.pt` and
`last.pt` weights, the same losses, and a `result.json` that records the environment.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.baseline_data import make_challenge, tiny_config
from tests.conftest import ROOT

torch = pytest.importorskip("torch")
pytest.importorskip("gensim")


def _start(data: Path, run: Path, config: Path, hash_seed: str, pad: str
           ) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed, "PAD": pad}
    return subprocess.Popen(
        [sys.executable, "-m", "dcase_retrieval_eval", "baseline", "train", "--data", str(data),
         "--out", str(run), "--config", str(config), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["model"]


def _losses(run: Path) -> list[tuple[str, str, str]]:
    with open(run / "log.csv", encoding="utf-8") as fh:
        return [(r["train_loss"], r["val_loss"], r["learning_rate"]) for r in csv.DictReader(fh)]


def test_two_processes_train_identical_weights(tmp_path: Path) -> None:
    """Run at the same time, so that they also compete for the cores (thread scheduling)."""
    threads = 2
    data = make_challenge(tmp_path)
    config = tiny_config(tmp_path)
    config.write_text(config.read_text().replace("threads: 1", f"threads: {threads}"))
    first, second = tmp_path / "a", tmp_path / "second run with a longer name"
    procs = [_start(data, first, config, "1", ""), _start(data, second, config, "2", "x" * 5000)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    for name in ("best.pt", "last.pt"):
        a, b = _weights(first / name), _weights(second / name)
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    assert _losses(first) == _losses(second)
    assert (first / "word2vec.bin").read_bytes() == (second / "word2vec.bin").read_bytes()
    env_a = json.loads((first / "result.json").read_text(encoding="utf-8"))["environment"]
    env_b = json.loads((second / "result.json").read_text(encoding="utf-8"))["environment"]
    assert env_a == env_b and env_a["threads"] == threads

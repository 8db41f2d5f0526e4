"""SIGTERM (`timeout`, `docker stop`) ends a baseline command as Ctrl-C does, and says how to go
on: the same clean-up, the same remedy ("run the same command again to resume"), exit 143."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dcase_retrieval_eval.cli.exits import EXIT_TERMINATED, Terminated
from tests.baseline_data import copy_tree, make_challenge, run_baseline

pytest.importorskip("torch")
pytest.importorskip("gensim")


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("sigterm"))


@pytest.mark.parametrize(("command", "remedy"), [
    ("features", "terminated; finished splits are cached, rerun to compute the rest"),
    ("train", "terminated; run the same command again to resume from"),
])
def test_sigterm_says_terminated_with_the_remedy_and_exits_143(
        challenge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str,
        remedy: str) -> None:
    import dcase_retrieval_baseline.features as features

    def terminated(*_: object, **__: object) -> None:
        raise Terminated

    monkeypatch.setattr(features, "LogMel", terminated)
    data = copy_tree(challenge, tmp_path / "data")
    shutil.rmtree(data / "baseline_features", ignore_errors=True)
    args = {"features": ["features", "--data", data],
            "train": ["train", "--data", data, "--out", tmp_path / "run"]}[command]
    result = run_baseline(*args, "--quiet")
    assert result.exit_code == EXIT_TERMINATED == 143, result.output
    assert remedy in result.output and "interrupted" not in result.output
    assert not (tmp_path / "run").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]

"""Progress bars of the long baseline commands (synth, features, train, predict): drawn on a
terminal, never as text in captured output, off with --quiet; TTY_COMPATIBLE=1 asks for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from dcase_retrieval_eval.cli import baseline as cli_baseline
from tests.baseline_data import make_challenge, run_baseline, run_synth, tiny_config

pytest.importorskip("torch")
pytest.importorskip("gensim")

BAR = "━"
CURSOR_HIDE = "\x1b[?25l"  # what rich writes when it starts drawing a live bar


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("progress"))


def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' console, forced to behave as a terminal (as in an interactive shell)."""
    monkeypatch.setattr(cli_baseline, "_console", lambda: Console(
        force_terminal=True, width=100, stderr=True, markup=False, highlight=False))


def _commands(challenge: Path, root: Path, *extra: str) -> dict[str, str]:
    """features (into a new cache, so that they are computed), train and predict; their output."""
    cache, run, config = root / "cache", root / "run", tiny_config(root)
    out: dict[str, str] = {}
    for name, args in (
            ("features", ("features", "--data", challenge, "--cache", cache, "--config", config)),
            ("train", ("train", "--data", challenge, "--out", run, "--config", config,
                       "--cache", cache)),
            ("predict", ("predict", "--run", run, "--data", challenge, "--out", root / "sub.csv",
                         "--cache", cache))):
        result = run_baseline(*args, *extra)
        assert result.exit_code == 0, result.output
        out[name] = result.output
    return out


def _no_bar(output: str) -> None:
    assert BAR not in output and CURSOR_HIDE not in output, output


def test_without_a_terminal_only_the_messages_are_printed(challenge: Path,
                                                           tmp_path: Path) -> None:
    outputs = _commands(challenge, tmp_path)
    for name, output in outputs.items():
        _no_bar(output)
        assert "\x1b" not in output, (name, output)
        assert "" not in output.splitlines(), (name, output)  # no blank line of a bar
    assert outputs["features"].splitlines() == [
        "development: 6 clips, 0.1 min, 0 skipped", "validation: 3 clips, 0.1 min, 0 skipped",
        "evaluation: 12 clips, 0.2 min, 0 skipped"]
    assert [line for line in outputs["train"].splitlines() if line.startswith("epoch")][1] \
        .startswith("epoch   2  train ")
    synth = run_synth(tmp_path / "synth", "--clips-per-split", "2", "--min-seconds", "1",
                      "--max-seconds", "1")
    assert synth.exit_code == 0 and synth.output.splitlines() == [
        f"wrote 2 development, 2 validation, 2 evaluation clips (0.1 min of audio) to "
        f"{tmp_path / 'synth'}"]


def test_on_a_terminal_each_command_draws_its_bar(challenge: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    outputs = _commands(challenge, tmp_path)
    assert "features development" in outputs["features"] and "6/6" in outputs["features"]
    assert "features evaluation" in outputs["features"] and "12/12" in outputs["features"]
    assert "epoch 1/2" in outputs["train"] and "epoch 2/2" in outputs["train"]
    assert "validation" in outputs["train"].split("epoch 1/2", 1)[1]  # the validation pass
    assert "encoding evaluation" in outputs["predict"] and "12/12" in outputs["predict"]
    for output in outputs.values():
        assert BAR in output and CURSOR_HIDE in output


def test_quiet_draws_no_bar_even_on_a_terminal(challenge: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    outputs = _commands(challenge, tmp_path, "--quiet")
    for output in outputs.values():
        _no_bar(output)
    assert outputs["features"].splitlines()[0] == "development: 6 clips, 0.1 min, 0 skipped"
    assert "wrote 60 queries x top-10 of 12 clips" in outputs["predict"]


def test_tty_compatible_asks_for_the_bars_where_no_terminal_is_seen(
        challenge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    result = run_baseline("features", "--data", challenge, "--cache", tmp_path / "cache",
                          "--config", tiny_config(tmp_path))
    assert result.exit_code == 0, result.output
    assert "features development" in result.output and BAR in result.output

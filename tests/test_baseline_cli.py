"""The thin click commands: synth, the missing-extra message, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from dcase_retrieval_eval.cli import baseline as cli_baseline
from dcase_retrieval_eval.cli.baseline import baseline_group, synth_command


def test_synth_command_writes_the_layout(tmp_path: Path) -> None:
    out = tmp_path / "challenge"
    result = CliRunner().invoke(synth_command, [str(out), "--clips-per-split", "3,2,2",
                                                "--seed", "1", "--min-seconds", "1",
                                                "--max-seconds", "1.2"])
    assert result.exit_code == 0, result.output
    assert "3 development, 2 validation, 2 evaluation" in result.output
    with open(out / "clotho_captions_validation.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 3
    again = CliRunner().invoke(synth_command, [str(out)])
    assert again.exit_code == 2 and "already holds" in again.output


@pytest.mark.parametrize("value", ["0", "1,2", "a", "3,3,-1"])
def test_synth_rejects_bad_sizes(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(synth_command, [str(tmp_path / "x"), "--clips-per-split", value])
    assert result.exit_code == 2 and "DEV,VAL,EVAL" in result.output


@pytest.mark.parametrize("command", ["features", "train", "predict"])
def test_missing_extra_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           command: str) -> None:
    monkeypatch.setattr(cli_baseline, "missing_extra", lambda: ["torch", "gensim"])
    args = {"features": ["--data", str(tmp_path)],
            "train": ["--data", str(tmp_path), "--out", str(tmp_path / "run")],
            "predict": ["--run", str(tmp_path), "--data", str(tmp_path), "--out", "x.csv"]}
    result = CliRunner().invoke(baseline_group, [command, *args[command]])
    assert result.exit_code == 2
    assert 'pip install ".[baseline]"' in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gensim")
    (tmp_path / "bad.yaml").write_text("train: {batch_sise: 3}\n")
    runner = CliRunner()
    result = runner.invoke(baseline_group, ["train", "--data", str(tmp_path), "--out",
                                            str(tmp_path / "run"), "--config",
                                            str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2 and "batch_sise" in result.output
    assert isinstance(result.exception, SystemExit)
    result = runner.invoke(baseline_group, ["features", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "none of the folders" in result.output
    (tmp_path / "run").mkdir()
    (tmp_path / "data").mkdir()
    result = runner.invoke(baseline_group, ["predict", "--run", str(tmp_path / "run"), "--data",
                                            str(tmp_path / "data"), "--out",
                                            str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "best.pt" in result.output


def test_features_command_names_a_corrupt_wav_and_goes_on(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gensim")
    data = tmp_path / "challenge"
    runner = CliRunner()
    assert runner.invoke(synth_command, [str(data), "--clips-per-split", "2", "--min-seconds",
                                         "1", "--max-seconds", "1"]).exit_code == 0
    (data / "evaluation" / "broken, (1).wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt ")
    result = runner.invoke(baseline_group, ["features", "--data", str(data), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "broken, (1).wav" in result.output
    assert "evaluation: 2 clips" in result.output and "1 skipped" in result.output

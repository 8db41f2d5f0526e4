"""RUN_DIR and submissions under attack, through the CLI.

`predict` never writes over or into what it reads and never writes an invalid submission; a
resume loads only checked files made with the same inputs; Ctrl-C exits 130 and leaves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from tests.baseline_data import (
    copy_tree,
    make_challenge,
    one_line_error,
    run_baseline,
    run_synth,
    snapshot,
    tiny_config,
)
from tests.conftest import run_cli

torch = pytest.importorskip("torch")
pytest.importorskip("gensim")


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def trained(challenge: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    run = root / "run"
    result = run_baseline("train", "--data", challenge, "--out", run, "--config",
                          tiny_config(root), "--quiet")
    assert result.exit_code == 0, result.output
    return run


def _predict(run: Path, data: Path, out: Path, *extra: str | Path):
    return run_baseline("predict", "--run", run, "--data", data, "--out", out, "--quiet", *extra)


# ---- one output guard


def test_predict_refuses_every_output_it_reads_or_lies_inside(challenge: Path, trained: Path,
                                                               tmp_path: Path) -> None:
    before_data, before_run = snapshot(challenge), snapshot(trained)
    wav = sorted((challenge / "evaluation").iterdir())[0]
    (tmp_path / "link").symlink_to(challenge)
    os.link(challenge / "clotho_captions_evaluation.csv", tmp_path / "hard.csv")
    targets = [challenge / "clotho_captions_evaluation.csv", wav, trained / "best.pt",
               trained / "submission.csv", challenge / "new.csv",
               challenge / "baseline_features" / "evaluation.npz", tmp_path / "link" / "x.csv",
               tmp_path / "hard.csv"]
    for out in targets:
        line = one_line_error(_predict(trained, challenge, out))
        assert "refusing to write" in line, line
    assert snapshot(challenge) == before_data and snapshot(trained) == before_run
    assert not (tmp_path / "link" / "x.csv").exists()


def test_predict_refuses_the_word2vec_file_and_the_cache(challenge: Path, trained: Path,
                                                         tmp_path: Path) -> None:
    vectors = tmp_path / "vectors.bin"
    shutil.copy(trained / "word2vec.bin", vectors)
    line = one_line_error(_predict(trained, challenge, vectors, "--word2vec", vectors))
    assert "refusing to write" in line
    cache = tmp_path / "cache"
    cache.mkdir()
    line = one_line_error(_predict(trained, challenge, cache / "x.csv", "--cache", cache))
    assert "refusing to write" in line and str(cache) in line
    assert list(cache.iterdir()) == []


# ---- the audio set is the captions CSV's; the output is validated


def test_a_stray_wav_is_not_ranked_and_the_submission_is_valid(challenge: Path, trained: Path,
                                                               tmp_path: Path) -> None:
    data = copy_tree(challenge, tmp_path / "data")
    loud = (np.sin(np.arange(66_150) * 0.3) * 30_000).astype(np.int16)
    for i in range(12):
        wavfile.write(data / "evaluation" / f"stray {i}.wav", 44_100, loud)
    out = tmp_path / "sub.csv"
    result = _predict(trained, data, out)
    assert result.exit_code == 0, result.output
    assert "12 WAV file(s)" in result.output and "validated" in result.output
    assert "stray" not in out.read_text(encoding="utf-8")
    proc = run_cli("validate", out, "--gt", data / "clotho_captions_evaluation.csv")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_predict_never_leaves_an_invalid_submission(challenge: Path, trained: Path,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_baseline import predict as predict_module

    def backwards(text: np.ndarray, audio: np.ndarray, k: int) -> np.ndarray:
        return np.zeros((text.shape[0], k), np.int64)  # the same clip ten times: invalid

    monkeypatch.setattr(predict_module, "rank", backwards)
    out = tmp_path / "sub.csv"
    result = _predict(trained, challenge, out)
    line = one_line_error(result, code=1)
    assert "failed validation" in line
    assert list(tmp_path.iterdir()) == []


# ---- run files are atomic, checked on resume, and bound to their inputs


def test_word_vectors_are_written_atomically(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_baseline.text import save_vectors
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=4)
    kv.add_vectors(["a", "b"], np.ones((2, 4), np.float32))
    path = tmp_path / "word2vec.bin"
    save_vectors(kv, path)
    good = path.read_bytes()

    def killed(self: KeyedVectors, fname: str, **_: object) -> None:
        Path(fname).write_bytes(b"2 4\npartial")
        raise KeyboardInterrupt

    monkeypatch.setattr(KeyedVectors, "save_word2vec_format", killed)
    with pytest.raises(KeyboardInterrupt):
        save_vectors(kv, path)
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == [path.name]


def _resumable(trained: Path, tmp_path: Path) -> Path:
    """A copy of the trained run that looks interrupted after epoch 1 of 2."""
    run = copy_tree(trained, tmp_path / "run")
    (run / "result.json").unlink()
    return run


def test_damaged_word_vectors_of_a_run_are_named(challenge: Path, trained: Path,
                                                 tmp_path: Path) -> None:
    run = _resumable(trained, tmp_path)
    config = tiny_config(tmp_path)
    raw = (run / "word2vec.bin").read_bytes()
    (run / "word2vec.bin").write_bytes(raw[: len(raw) // 2])
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       config, "--quiet"))
    assert "word2vec.bin" in line and "delete it" in line
    (run / "word2vec.bin").unlink()
    result = run_baseline("train", "--data", challenge, "--out", run, "--config", config,
                          "--quiet")
    assert result.exit_code == 0, result.output
    assert (run / "word2vec.bin").read_bytes() == raw  # retrained identically


def test_a_resume_with_other_inputs_is_refused(challenge: Path, trained: Path,
                                               tmp_path: Path) -> None:
    run = _resumable(trained, tmp_path)
    config = tiny_config(tmp_path)
    before = snapshot(run)
    vectors = tmp_path / "vectors.bin"
    shutil.copy(trained / "word2vec.bin", vectors)
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       config, "--word2vec", vectors, "--quiet"))
    assert "was started with word vectors trained" in line
    data = copy_tree(challenge, tmp_path / "data")
    shutil.copy(sorted((data / "development").iterdir())[0], data / "development" / "new.wav")
    line = one_line_error(run_baseline("train", "--data", data, "--out", run, "--config",
                                       config, "--quiet"))
    assert "development audio" in line and "differs" in line
    assert snapshot(run) == before
    assert not (run / "text.json").exists()


@pytest.mark.parametrize("damage", ["truncated last.pt", "bad result.json", "foreign last.pt",
                                    "truncated best.pt", "missing best.pt"])
def test_damaged_run_files_are_named_in_train(challenge: Path, trained: Path, tmp_path: Path,
                                              damage: str) -> None:
    run = copy_tree(trained, tmp_path / "run")
    if damage == "truncated last.pt":
        (run / "result.json").unlink()
        raw = (run / "last.pt").read_bytes()
        (run / "last.pt").write_bytes(raw[: len(raw) // 3])
        name = "last.pt"
    elif damage == "bad result.json":
        (run / "result.json").write_text("{", encoding="utf-8")
        name = "result.json"
    elif damage == "foreign last.pt":
        (run / "result.json").unlink()
        torch.save({"model": {"w": torch.zeros(3)}}, run / "last.pt")
        name = "last.pt"
    else:  # a resume must not carry on towards a predict that will fail
        (run / "result.json").unlink()
        raw = (run / "best.pt").read_bytes()
        (run / "best.pt").write_bytes(raw[:100] if damage.startswith("truncated") else b"")
        if damage.startswith("missing"):
            (run / "best.pt").unlink()
        name = "best.pt"
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       tiny_config(tmp_path), "--quiet"))
    assert name in line and ("delete it" in line or "new RUN_DIR" in line)
    assert not (run / "result.json").exists() or damage == "bad result.json"


@pytest.mark.parametrize("damage", ["truncated best.pt", "best.pt of another size",
                                    "bad text.json", "bad config.yaml"])
def test_damaged_run_files_are_named_in_predict(challenge: Path, trained: Path, tmp_path: Path,
                                                damage: str) -> None:
    run = copy_tree(trained, tmp_path / "run")
    if damage == "truncated best.pt":
        raw = (run / "best.pt").read_bytes()
        (run / "best.pt").write_bytes(raw[: len(raw) // 2])
        name = "best.pt"
    elif damage == "best.pt of another size":
        from dcase_retrieval_baseline.config import parse_config
        from dcase_retrieval_baseline.model import CRNN

        other = parse_config({"model": {"gru_hidden": 5, "embed_dim": 16},
                              "text": {"vector_size": 16}}, "test")
        state = torch.load(run / "best.pt", weights_only=True)
        state["model"] = CRNN(other.model, 64).state_dict()
        torch.save(state, run / "best.pt")
        name = "best.pt"
    elif damage == "bad text.json":
        (run / "word2vec.bin").unlink()
        (run / "text.json").write_text("[1, 2", encoding="utf-8")
        name = "text.json"
    else:
        (run / "config.yaml").write_text("model: {gru_hidden: -3}\n", encoding="utf-8")
        name = "config.yaml"
    out = tmp_path / "sub.csv"
    line = one_line_error(_predict(run, challenge, out))
    assert name in line
    assert not out.exists()


# ---- a long clip cannot exhaust memory


def test_batches_are_bounded_whatever_the_clip_lengths() -> None:
    from dcase_retrieval_baseline.data import Normalizer, length_batches, pad_batch

    feats = [np.ones((n, 4), np.float32) for n in (30_000, 50, 60, 70)]
    norm = Normalizer(np.zeros(4, np.float32), np.ones(4, np.float32))
    x, lengths = pad_batch(feats, np.arange(4, dtype=np.int64), norm, 100,
                           np.random.default_rng(0))
    assert x.shape == (4, 100, 4) and lengths.tolist() == [100, 50, 60, 70]
    groups = [g.tolist() for g in length_batches(np.array([30_000, 50, 60, 70]), 8, 150)]
    assert groups == [[1, 2], [3], [0]]
    groups = [g.tolist() for g in length_batches(np.array([5, 1, 2, 3, 4]), 2, 100)]
    assert groups == [[1, 2], [3, 4], [0]]


def test_a_long_clip_trains_and_predicts_cropped(challenge: Path, tmp_path: Path) -> None:
    data = copy_tree(challenge, tmp_path / "data")
    for split in ("development", "evaluation"):
        first = sorted((data / split).iterdir())[0]
        rate, clip = wavfile.read(first)
        wavfile.write(first, rate, np.tile(clip, int(120 * rate / clip.size) + 1))
    config = tiny_config(tmp_path)
    config.write_text(config.read_text().replace("threads: 1}", "threads: 1, crop_seconds: 2}"))
    result = run_baseline("train", "--data", data, "--out", tmp_path / "run", "--config",
                          config, "--quiet")
    assert result.exit_code == 0, result.output
    result = _predict(tmp_path / "run", data, tmp_path / "sub.csv")
    assert result.exit_code == 0, result.output


# ---- Ctrl-C exits 130 everywhere; synth writes into place only when complete


@pytest.mark.parametrize("command", ["synth", "features", "train", "predict"])
def test_ctrl_c_exits_130(challenge: Path, trained: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    import dcase_retrieval_baseline.features as features
    import dcase_retrieval_baseline.synth as synth

    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    if command == "synth":
        monkeypatch.setattr(synth, "render_clip", interrupt)
        result = run_synth(tmp_path / "new", "--clips-per-split", "2")
    else:
        monkeypatch.setattr(features, "LogMel", interrupt)
        data = copy_tree(challenge, tmp_path / "data")
        shutil.rmtree(data / "baseline_features")
        args = {"features": ["features", "--data", data],
                "train": ["train", "--data", data, "--out", tmp_path / "run"],
                "predict": ["predict", "--run", trained, "--data", data, "--out",
                            tmp_path / "sub.csv"]}[command]
        result = run_baseline(*args, "--quiet")
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Aborted" not in result.output
    assert not (tmp_path / "new").exists() and not (tmp_path / "sub.csv").exists()
    assert not (tmp_path / "run").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_synth_refuses_a_non_empty_folder_and_cleans_stale_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "challenge"
    out.mkdir()
    (out / "keep.wav").write_bytes(b"x")
    line = one_line_error(run_synth(out, "--clips-per-split", "1", "--min-seconds", "1",
                                    "--max-seconds", "1"))
    assert "not empty" in line and snapshot(out) == {"keep.wav": b"x"}
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a run of this process id ended without removing its folder
    stale = tmp_path / f".fresh.synth-{dead.pid}-0badc0de.tmp"
    stale.mkdir()
    (stale / "half.wav").write_bytes(b"x")
    result = run_synth(tmp_path / "fresh", "--clips-per-split", "1", "--min-seconds", "1",
                       "--max-seconds", "1")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["challenge", "fresh"]
    result = run_synth(tmp_path / "big", "--max-seconds", "100000")
    assert result.exit_code == 2 and "--max-seconds" in result.output
    assert not (tmp_path / "big").exists()


def test_result_json_records_the_environment(trained: Path) -> None:
    record = json.loads((trained / "result.json").read_text(encoding="utf-8"))
    env = record["environment"]
    assert env["torch"] == torch.__version__ and env["threads"] == 1
    assert env["cpu_capability"] and env["deterministic_algorithms"] is True
    inputs = json.loads((trained / "inputs.json").read_text(encoding="utf-8"))
    assert set(inputs["audio"]) == {"development", "validation"} and inputs["word2vec"] is None


def test_a_real_sigint_in_synth_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """A signal, not a monkeypatch: the process is interrupted while it writes clips."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dcase_retrieval_eval", "synth", str(tmp_path / "out"),
         "--clips-per-split", "300"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.synth-*/development/*.wav")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []

"""Hostile inputs of the baseline through the CLI: configs, WAV files, word vectors, caches.

Each is refused in one line with exit 2 (never exit 3, never a traceback) and leaves nothing
behind, or, for audio, is skipped and named while the rest goes on.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from tests.baseline_data import (
    copy_tree,
    make_challenge,
    one_line_error,
    run_baseline,
    snapshot,
    tiny_config,
)

torch = pytest.importorskip("torch")
gensim_models = pytest.importorskip("gensim.models")


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def trained(challenge: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    run = root / "run"
    result = run_baseline("train", "--data", challenge, "--out", run, "--config",
                          tiny_config(root), "--quiet")
    assert result.exit_code == 0, result.output
    return run


# ---- every config value that validates can run; errors are one line

BAD_CONFIGS = {
    "model: {time_pool: 1000}": "model.time_pool",
    "model: {gru_hidden: 1e8}": "model.gru_hidden",
    "text: {vector_size: 1e8}": "text.vector_size",
    "text: {min_count: 1000000}": "text.min_count",
    "train: {threads: 100000}": "train.threads",
    "train: {learning_rate: .inf}": "train.learning_rate",
    "features: {hop_seconds: 1e-9}": "features.hop_seconds",
    "features: {hop_seconds: .inf}": "features.hop_seconds",
    "features: {sample_rate: 1}": "features.sample_rate",
    "features: {n_fft: 100000000}": "features.n_fft",
    "features: {window_seconds: 1e-9}": "features.window_seconds",
    "features: {fmin: 30000}": "features.fmin",
    "features: {fmin: 5000, fmax: 4000}": "features.fmin",
    "features: {fmax: 40000}": "features.fmax",
    "train: {max_epochs: true}": "train.max_epochs",
    "train: {seed: -1}": "train.seed",
    "model: {lp_norm: .nan}": "model.lp_norm",
    "features: {n_mels: 8}": "features.n_mels",
    "train: {max_epochs: 3}\ntrain: {seed: 1}": "'train' is given twice",
    "train: {seed: 1, seed: 2}": "'seed' is given twice",
    "train: [": "not valid YAML",
    "train: {batch_sise: 3}": "train.batch_sise: unknown key",
}


@pytest.mark.parametrize("text", list(BAD_CONFIGS))
def test_bad_config_values_are_refused_in_one_line(challenge: Path, tmp_path: Path,
                                                   text: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text + "\n", encoding="utf-8")
    run = tmp_path / "run"
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       config, "--quiet"))
    assert BAD_CONFIGS[text] in line and str(config) in line
    assert "pydantic" not in line and "errors.pydantic.dev" not in line
    assert not run.exists()


def test_min_count_above_every_word_is_named(challenge: Path, tmp_path: Path) -> None:
    config = tiny_config(tmp_path, "")
    config.write_text(config.read_text().replace("epochs: 5}", "epochs: 5, min_count: 1000}"))
    run = tmp_path / "run"
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       config, "--quiet"))
    assert "text.min_count" in line and "lower" in line
    assert not run.exists()


# ---- every unusable clip is skipped and named, with one line each


def _wav_with_rate(path: Path, rate: int) -> None:
    wavfile.write(path, 16_000, np.zeros(1600, np.int16))
    raw = bytearray(path.read_bytes())
    raw[24:28] = struct.pack("<I", rate)  # the fmt chunk's sample rate
    raw[28:32] = struct.pack("<I", rate * 2)  # and its byte rate (mono, 16-bit)
    path.write_bytes(bytes(raw))


def test_unusable_wavs_are_skipped_and_named(challenge: Path, tmp_path: Path) -> None:
    data = copy_tree(challenge, tmp_path / "data")
    folder = data / "evaluation"
    _wav_with_rate(folder / "rate zero.wav", 0)
    _wav_with_rate(folder / "rate one.wav", 1)
    _wav_with_rate(folder / "rate huge.wav", 10_000_000)
    wavfile.write(folder / "loud [1e30].wav", 44_100, np.full(4410, 1e30, np.float32))
    wavfile.write(folder / "nan.wav", 44_100, np.full(4410, np.nan, np.float32))
    wavfile.write(folder / "ok float.wav", 44_100, np.full(4410, 0.5, np.float32))
    result = run_baseline("features", "--data", data, "--quiet")
    assert result.exit_code == 0, result.output
    for name, why in (("rate zero.wav", "0 Hz"), ("rate one.wav", "1 Hz"),
                      ("rate huge.wav", "10000000 Hz"), ("loud [1e30].wav", "1e+30"),
                      ("nan.wav", "non-finite")):
        lines = [ln for ln in result.output.splitlines() if name in ln]
        assert len(lines) == 1 and "skipped" in lines[0] and why in lines[0], result.output
    assert "evaluation: 13 clips" in result.output and "5 skipped" in result.output
    with np.load(data / "baseline_features" / "evaluation.npz") as z:
        assert np.all(np.isfinite(z["features"]))
        assert "ok float.wav" in set(z["names"].tolist())


def test_a_wav_reader_warning_is_one_line_naming_the_clip(challenge: Path,
                                                          tmp_path: Path) -> None:
    data = copy_tree(challenge, tmp_path / "data")
    path = data / "evaluation" / "odd chunk.wav"
    wavfile.write(path, 44_100, np.zeros(4410, np.int16))
    raw = path.read_bytes()
    extra = b"junk" + struct.pack("<I", 4) + b"abcd"  # an unknown chunk before the data
    at = raw.index(b"data")
    patched = bytearray(raw[:at] + extra + raw[at:])
    patched[4:8] = struct.pack("<I", len(patched) - 8)
    path.write_bytes(bytes(patched))
    result = run_baseline("features", "--data", data, "--quiet")
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if "odd chunk.wav" in ln]
    assert len(notes) == 1 and notes[0].startswith("note:"), result.output
    assert "warnings.warn" not in result.output and "WavFileWarning" not in result.output


# ---- a damaged cache is named and rebuilt


def test_a_truncated_cache_is_rebuilt(challenge: Path, tmp_path: Path) -> None:
    data = copy_tree(challenge, tmp_path / "data")
    assert run_baseline("features", "--data", data, "--quiet").exit_code == 0
    cache = data / "baseline_features" / "evaluation.npz"
    good = np.load(cache)["features"].copy()
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    result = run_baseline("features", "--data", data, "--quiet")
    assert result.exit_code == 0, result.output
    assert "evaluation.npz is damaged" in result.output and "rebuilding" in result.output
    assert np.array_equal(np.load(cache)["features"], good)


# ---- word2vec format from the content, consistency, out-of-vocabulary threshold


def test_a_text_word2vec_file_is_read_as_text(challenge: Path, trained: Path,
                                              tmp_path: Path) -> None:
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(trained / "word2vec.bin"),
                                                         binary=True)
    text_file = tmp_path / "vectors.txt"
    kv.save_word2vec_format(str(text_file), binary=False)
    run = tmp_path / "run"
    result = run_baseline("train", "--data", challenge, "--out", run, "--config",
                          tiny_config(tmp_path), "--word2vec", text_file, "--quiet")
    assert result.exit_code == 0, result.output
    binary = run_baseline("train", "--data", challenge, "--out", tmp_path / "binary", "--config",
                          tiny_config(tmp_path), "--word2vec", trained / "word2vec.bin", "--quiet")
    assert binary.exit_code == 0, binary.output

    def coverage(output: str) -> list[str]:
        return [ln for ln in output.splitlines() if ln.startswith("captions:")]

    assert len(coverage(result.output)) == 1
    assert coverage(result.output) == coverage(binary.output)


def test_unrelated_vectors_stop_the_run(challenge: Path, tmp_path: Path) -> None:
    kv = gensim_models.KeyedVectors(vector_size=16)
    words = [f"zz{i}" for i in range(40)]
    kv.add_vectors(words, np.random.default_rng(0).standard_normal((40, 16)).astype(np.float32))
    path = tmp_path / "other.bin"
    kv.save_word2vec_format(str(path), binary=True)
    run = tmp_path / "run"
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       tiny_config(tmp_path), "--word2vec", path, "--quiet"))
    assert "100% of the development caption words have no vector" in line
    assert "text.max_oov_rate" in line and str(path) in line
    assert not run.exists()


@pytest.mark.parametrize("damage", ["truncate", "header", "garbage", "dimension"])
def test_inconsistent_word2vec_files_are_refused(challenge: Path, trained: Path, tmp_path: Path,
                                                 damage: str) -> None:
    raw = (trained / "word2vec.bin").read_bytes()
    head, body = raw.split(b"\n", 1)
    count, dim = head.split()
    damaged = {
        "truncate": raw[: len(raw) * 2 // 3],
        "header": str(int(count) * 3).encode() + b" " + dim + b"\n" + body,
        "garbage": head + b"\n" + b"\xff" * len(body),
        "dimension": count + b" 17\n" + body,
    }[damage]
    path = tmp_path / "vectors.bin"
    path.write_bytes(damaged)
    run = tmp_path / "run"
    line = one_line_error(run_baseline("train", "--data", challenge, "--out", run, "--config",
                                       tiny_config(tmp_path), "--word2vec", path, "--quiet"))
    assert str(path) in line
    assert not run.exists()
    assert snapshot(tmp_path) == {"vectors.bin": damaged, "tiny.yaml": tiny_config(
        tmp_path).read_bytes()}

"""Log mel-band energies: frame count, filterbank, WAV reading, cache, unreadable files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dcase_retrieval_baseline.config import FeatureConfig
from dcase_retrieval_baseline.features import (
    LogMel,
    frame_count,
    hz_to_mel,
    mel_filterbank,
    read_wav,
    split_features,
)
from scipy.io import wavfile

CFG = FeatureConfig()


def test_frame_count_for_a_known_length() -> None:
    # 10 s at 44.1 kHz, hop 20 ms = 882 samples, centred frames: 1 + 441000 // 882 = 501
    assert frame_count(441_000, CFG) == 501
    feats = LogMel(CFG)(np.zeros(441_000, np.float32))
    assert feats.shape == (501, 64) and feats.dtype == np.float32
    assert LogMel(CFG)(np.zeros(881, np.float32)).shape == (1, 64)
    assert LogMel(CFG)(np.zeros(882, np.float32)).shape == (2, 64)


def test_window_and_hop_follow_the_paper() -> None:
    mel = LogMel(CFG)
    assert mel.win == 1764 and mel.hop == 882  # 40 ms, 20 ms at 44.1 kHz
    assert mel.window.shape == (1764,) and mel.window.max() <= 1.0


def test_filterbank_shape_and_tone_band() -> None:
    fb = mel_filterbank(44_100, 2048, 64)
    assert fb.shape == (64, 1025)
    assert np.all(fb >= 0) and np.all(fb.max(axis=1) > 0.5)
    t = np.arange(44_100) / 44_100
    feats = LogMel(CFG)(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    band = int(np.argmax(feats[10:-10].mean(axis=0)))
    centres = np.linspace(hz_to_mel(0), hz_to_mel(22_050), 66)[1:-1]
    assert abs(centres[band] - hz_to_mel(1000)) <= (centres[1] - centres[0]) * 1.01


def test_read_wav_formats_and_resampling(tmp_path: Path) -> None:
    t = np.arange(32_000) / 16_000
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([x, x], axis=1)
    wavfile.write(tmp_path / "int16.wav", 16_000, (stereo * 32767).astype(np.int16))
    wavfile.write(tmp_path / "float.wav", 16_000, x.astype(np.float32))
    wavfile.write(tmp_path / "uint8.wav", 16_000, (x * 127 + 128).astype(np.uint8))
    for name in ("int16.wav", "float.wav", "uint8.wav"):
        y = read_wav(tmp_path / name, 44_100)
        assert y.ndim == 1 and y.size == 88_200
        assert 0.45 < np.abs(y).max() < 0.55
        assert frame_count(y.size, CFG) == 101


def _split(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "development"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("a, b.wav", "Café (1).wav"):
        wavfile.write(folder / name, 44_100, (rng.standard_normal(44_100) * 3000).astype(np.int16))
    return tmp_path / "data"


def test_unreadable_file_is_reported_and_skipped(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = _split(tmp_path)
    (data / "development" / "broken d'été.wav").write_bytes(b"RIFF\x00\x00garbage")
    sf = split_features(data, "development", CFG, progress=False)
    assert sf.names == ["Café (1).wav", "a, b.wav"]
    assert list(sf.skipped) == ["broken d'été.wav"]
    assert "broken d'été.wav" in capsys.readouterr().err
    assert abs(sf.seconds - 2.0) < 1e-6


def test_cache_is_reused_and_invalidated(tmp_path: Path) -> None:
    data = _split(tmp_path)
    first = split_features(data, "development", CFG, progress=False)
    cache = data / "baseline_features" / "development.npz"
    stamp = cache.stat().st_mtime_ns
    second = split_features(data, "development", CFG, progress=False)
    assert cache.stat().st_mtime_ns == stamp
    assert second.names == first.names
    assert all(np.array_equal(a, b) for a, b in zip(first.features, second.features, strict=True))
    other = FeatureConfig(n_mels=40)
    third = split_features(data, "development", other, progress=False)
    assert third.features[0].shape[1] == 40

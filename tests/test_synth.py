"""The synthetic challenge: Clotho layout, captions that describe the audio, determinism."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from dcase_retrieval_baseline import SPLITS
from dcase_retrieval_baseline.synth import NOUNS, PLURALS, SAMPLE_RATE, plan_split, synthesize
from scipy.io import wavfile

SIZES = (4, 2, 3)
SECONDS = (1.0, 1.5)


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "challenge"
    synthesize(out, SIZES, seed=5, seconds=SECONDS)
    return out


def test_clotho_layout(challenge: Path) -> None:
    for split, n in zip(SPLITS, SIZES, strict=True):
        rows = _rows(challenge / f"clotho_captions_{split}.csv")
        assert rows[0] == ["file_name", *[f"caption_{i}" for i in range(1, 6)]]
        assert len(rows) == n + 1
        names = [r[0] for r in rows[1:]]
        assert sorted(names) == sorted(p.name for p in (challenge / split).iterdir())
        for row in rows[1:]:
            assert len(row) == 6
            assert all(8 <= len(c.split()) <= 20 for c in row[1:])
            rate, data = wavfile.read(challenge / split / row[0])
            assert rate == SAMPLE_RATE and data.dtype == np.int16 and data.ndim == 1
            assert SECONDS[0] <= data.size / rate <= SECONDS[1] + 0.01
            assert np.abs(data).max() > 1000  # events are audible over the background


def test_deterministic_for_a_seed(challenge: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    synthesize(again, SIZES, seed=5, seconds=SECONDS)
    for split in SPLITS:
        name = f"clotho_captions_{split}.csv"
        assert (again / name).read_bytes() == (challenge / name).read_bytes()
        for wav in (challenge / split).iterdir():
            assert (again / split / wav.name).read_bytes() == wav.read_bytes()
    other = tmp_path / "other"
    synthesize(other, SIZES, seed=6, seconds=SECONDS)
    name = "clotho_captions_development.csv"
    assert (other / name).read_bytes() != (challenge / name).read_bytes()


def test_file_names_are_nasty_but_valid() -> None:
    clips = plan_split(np.random.default_rng(0), 80, SECONDS)
    names = [c.file_name for c in clips]
    assert len(set(names)) == len(names)
    assert all("/" not in n and "\0" not in n and len(n.encode()) < 255 for n in names)
    joined = "".join(names)
    for char in (" ", ",", "'", "(", ")"):
        assert char in joined
    assert any(not n.isascii() for n in names)


def test_captions_name_every_event_and_are_distinct() -> None:
    clips = plan_split(np.random.default_rng(1), 50, SECONDS)
    all_captions = [c for clip in clips for c in clip.captions]
    assert len(set(all_captions)) == len(all_captions)
    for clip in clips:
        for caption in clip.captions:
            low = caption.lower()
            for ev in clip.events:
                words = NOUNS[ev.kind] + PLURALS.get(ev.kind, ())
                assert any(w in low for w in words), (caption, ev)


def test_refuses_an_existing_challenge(challenge: Path) -> None:
    with pytest.raises(FileExistsError):
        synthesize(challenge, SIZES, seed=5, seconds=SECONDS)

"""Caption files, (clip, caption) pairs and padded batches, shared by training and prediction."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .errors import DataError
from .features import F32, SplitFeatures


def read_captions(data_dir: str | Path, split: str) -> list[tuple[str, list[str]]]:
    """Rows of `clotho_captions_{split}.csv`: (file_name, non-empty captions)."""
    path = Path(data_dir) / f"clotho_captions_{split}.csv"
    if not path.is_file():
        raise DataError(f"no captions file {path}; DATA must hold the Clotho layout "
                        "(docs/baseline.md)")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except (csv.Error, OSError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({' '.join(str(exc).split())}); "
                        "check the file") from None
    if not rows or not rows[0] or rows[0][0].strip().lower() != "file_name":
        raise DataError(f"{path}: expected a header starting with 'file_name' "
                        "(file_name,caption_1,...,caption_5)")
    out = []
    for row in rows[1:]:
        if row and row[0].strip():
            out.append((row[0], [c for c in row[1:] if c.strip()]))
    return out


@dataclass
class Pairs:
    """Matching (clip, caption) pairs of one split; clip indices point into `features`."""

    features: list[F32]
    clip_of_pair: npt.NDArray[np.int64]
    captions: list[str]
    missing_files: list[str]

    def __len__(self) -> int:
        return int(self.clip_of_pair.size)


def make_pairs(rows: list[tuple[str, list[str]]], sf: SplitFeatures) -> Pairs:
    """One pair per caption of every clip whose audio was read; missing clips are listed."""
    index = sf.index()
    clip_of_pair: list[int] = []
    captions: list[str] = []
    missing = []
    for name, caps in rows:
        i = index.get(name)
        if i is None:
            missing.append(name)
            continue
        clip_of_pair.extend([i] * len(caps))
        captions.extend(caps)
    return Pairs(sf.features, np.asarray(clip_of_pair, np.int64), captions, missing)


class Normalizer:
    """Per-band standardisation with statistics of the development features."""

    def __init__(self, mean: F32, std: F32) -> None:
        self.mean = mean.astype(np.float32)
        self.std = np.maximum(std, 1e-5).astype(np.float32)

    @classmethod
    def fit(cls, features: list[F32]) -> Normalizer:
        stacked = np.concatenate(features)
        return cls(stacked.mean(axis=0), stacked.std(axis=0))

    def __call__(self, x: F32) -> F32:
        return (x - self.mean) / self.std


def pad_batch(features: list[F32], clips: npt.NDArray[np.int64], norm: Normalizer,
              max_frames: int | None = None, rng: np.random.Generator | None = None
              ) -> tuple[F32, npt.NDArray[np.int64]]:
    """(batch, frames, mels) zero-padded normalised features and each clip's frame count.

    A clip longer than `max_frames` is cropped to a window of that length, at an offset drawn
    from `rng` (at the start without one), so the memory of a batch is bounded by
    batch x max_frames whatever the clips' lengths. Offsets are drawn only for clips that need
    them, so data without long clips draws the same random numbers as before cropping existed.
    """
    full = np.array([features[c].shape[0] for c in clips], np.int64)
    lengths = full if max_frames is None else np.minimum(full, max_frames)
    out = np.zeros((clips.size, int(lengths.max()), features[0].shape[1]), np.float32)
    for row, c in enumerate(clips):
        start = 0
        if lengths[row] < full[row] and rng is not None:
            start = int(rng.integers(0, full[row] - lengths[row] + 1))
        out[row, : lengths[row]] = norm(features[c][start:start + lengths[row]])
    return out, lengths


def length_batches(lengths: npt.NDArray[np.int64], size: int, budget: int
                   ) -> Iterator[npt.NDArray[np.int64]]:
    """Index batches of at most `size` clips in increasing length whose padded size (count x
    longest) stays within `budget` frames; a clip longer than the budget is a batch of its own.

    The batch composition matters beyond memory: the backward GRU reads the padding of shorter
    clips, so the same clips in the same batches give the same embeddings.
    """
    order = np.argsort(lengths, kind="stable").astype(np.int64)
    start = 0
    while start < order.size:
        stop = start + 1
        while (stop < order.size and stop - start < size
               and (stop - start + 1) * int(lengths[order[stop]]) <= budget):
            stop += 1
        yield order[start:stop]
        start = stop


def batches(n: int, size: int, order: npt.NDArray[np.int64] | None = None
            ) -> Iterator[npt.NDArray[np.int64]]:
    """Consecutive index batches of `order` (default 0..n-1); the last one may be smaller."""
    idx = np.arange(n, dtype=np.int64) if order is None else order
    for start in range(0, n, size):
        yield idx[start:start + size]

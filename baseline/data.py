"""Caption files, (clip, caption) pairs and padded batches, shared by training and prediction."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .features import F32, SplitFeatures


def read_captions(data_dir: str | Path, split: str) -> list[tuple[str, list[str]]]:
    """Rows of `clotho_captions_{split}.csv`: (file_name, non-empty captions)."""
    path = Path(data_dir) / f"clotho_captions_{split}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no captions file {path}")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or not rows[0] or rows[0][0].strip().lower() != "file_name":
        raise ValueError(f"{path}: expected a header starting with 'file_name'")
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


def pad_batch(features: list[F32], clips: npt.NDArray[np.int64], norm: Normalizer
              ) -> tuple[F32, npt.NDArray[np.int64]]:
    """(batch, max frames, mels) zero-padded normalised features and each clip's frame count."""
    lengths = np.array([features[c].shape[0] for c in clips], np.int64)
    out = np.zeros((clips.size, int(lengths.max()), features[0].shape[1]), np.float32)
    for row, c in enumerate(clips):
        out[row, : lengths[row]] = norm(features[c])
    return out, lengths


def batches(n: int, size: int, order: npt.NDArray[np.int64] | None = None
            ) -> Iterator[npt.NDArray[np.int64]]:
    """Consecutive index batches of `order` (default 0..n-1); the last one may be smaller."""
    idx = np.arange(n, dtype=np.int64) if order is None else order
    for start in range(0, n, size):
        yield idx[start:start + size]

"""Speed of the baseline's two hot paths, printed as one table.

1. Feature extraction (WAV read + resample + log mel) as a multiple of real time; target >= 50x.
2. One training epoch of `dcase_retrieval_baseline.train` against a plain torch loop over the
   same, already padded tensors with the same model, batches and imposters; target: within 1.5x.

Usage: python benchmarks/baseline_speed.py [--clips N] [--seconds S] [--threads T]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bench_features(data: Path) -> tuple[float, float]:
    """(audio seconds, wall seconds) of extracting the development split without cache."""
    from dcase_retrieval_baseline.config import FeatureConfig
    from dcase_retrieval_baseline.features import LogMel, list_wavs, read_wav

    cfg = FeatureConfig()
    extractor = LogMel(cfg)
    files = list_wavs(data / "development")
    audio = 0.0
    t0 = time.perf_counter()
    for path in files:
        x = read_wav(path, cfg.sample_rate)
        extractor(x)
        audio += x.size / cfg.sample_rate
    return audio, time.perf_counter() - t0


def bench_epoch(data: Path, threads: int, repeats: int) -> tuple[float, float, int]:
    """(baseline epoch seconds, plain loop seconds, pairs): best of `repeats` each."""
    import torch
    from dcase_retrieval_baseline.config import BaselineConfig
    from dcase_retrieval_baseline.data import (
        Normalizer,
        batches,
        make_pairs,
        pad_batch,
        read_captions,
    )
    from dcase_retrieval_baseline.features import split_features
    from dcase_retrieval_baseline.loss import sample_imposters, triplet_loss
    from dcase_retrieval_baseline.model import CRNN
    from dcase_retrieval_baseline.text import CaptionEncoder, train_word2vec
    from dcase_retrieval_baseline.train import _epoch_loss, set_determinism

    cfg = BaselineConfig.model_validate({"train": {"threads": threads}})
    set_determinism(0, threads)
    sf = split_features(data, "development", cfg.features, data / "cache", progress=False)
    pairs = make_pairs(read_captions(data, "development"), sf)
    kv = train_word2vec(pairs.captions, cfg.text, 0)
    text = torch.from_numpy(CaptionEncoder(kv).encode(pairs.captions))
    norm = Normalizer.fit(pairs.features)
    order = np.random.default_rng(0).permutation(len(pairs)).astype(np.int64)

    # the same batches, padded and sampled up front, for the plain loop
    prepared = []
    rng = np.random.default_rng(1)
    for idx in batches(len(pairs), cfg.train.batch_size, order):
        if idx.size < 2:
            continue
        clips = pairs.clip_of_pair[idx]
        x, lengths = pad_batch(pairs.features, clips, norm)
        imp = sample_imposters(clips, rng)
        prepared.append((torch.from_numpy(x), torch.from_numpy(lengths), text[idx], imp))

    def plain() -> None:
        for x, lengths, t, (ic, ia) in prepared:
            audio = model(x, lengths)
            loss = triplet_loss(audio, t, ic, ia, 1.0)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    model = CRNN(cfg.model, cfg.features.n_mels)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.train.learning_rate)
    model.train()
    ours, base = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        _epoch_loss(model, pairs, text, norm, order, np.random.default_rng(1), cfg, optimizer)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain()
        base.append(time.perf_counter() - t0)
    return min(ours), min(base), len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=40, help="development clips")
    parser.add_argument("--seconds", type=float, default=8.0, help="clip length")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=2, help="epochs timed (best kept)")
    args = parser.parse_args()

    from dcase_retrieval_baseline.synth import synthesize
    from rich.console import Console
    from rich.table import Table

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synth"
        synthesize(data, (args.clips, 2, 2), seed=0, seconds=(args.seconds, args.seconds))
        audio, wall = bench_features(data)
        ours, plain, n_pairs = bench_epoch(data, args.threads, args.repeats)

    table = Table(title=f"baseline speed ({args.clips} clips of {args.seconds:g} s, "
                        f"{args.threads} torch threads)")
    for col in ("measure", "value", "target", "ok"):
        table.add_column(col)
    speed = audio / wall
    table.add_row("feature extraction", f"{speed:.0f}x real time ({audio:.0f} s in {wall:.2f} s)",
                  ">= 50x", "yes" if speed >= 50 else "NO")
    ratio = ours / plain
    table.add_row(f"training epoch ({n_pairs} pairs)",
                  f"{ours:.2f} s vs plain torch loop {plain:.2f} s = {ratio:.2f}x",
                  "<= 1.5x", "yes" if ratio <= 1.5 else "NO")
    Console().print(table)


if __name__ == "__main__":
    main()

"""Rank a split's clips for each of its captions and write the top-10 submission CSV.

Scores are dot products between caption embeddings and clip embeddings (paper section 3). Ties are
broken by file name order, never by anything that depends on the ground truth. Each distinct
caption text is one query (a caption written for two clips is one query), as the scorer expects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from rich.console import Console

from dcase_retrieval_eval import write_topk_csv

from .config import load_config
from .data import Normalizer, batches, pad_batch, read_captions
from .features import SplitFeatures, split_features
from .model import CRNN
from .text import OovStats
from .train import load_caption_encoder, resolve_device


def encode_audio(model: CRNN, sf: SplitFeatures, norm: Normalizer, batch_size: int = 32
                 ) -> npt.NDArray[np.float32]:
    """(clips, embed_dim) embeddings; clips are batched by length so padding stays small."""
    order = np.argsort([f.shape[0] for f in sf.features], kind="stable").astype(np.int64)
    out = np.zeros((len(sf.features), model.cfg.embed_dim), np.float32)
    model.eval()
    with torch.no_grad():
        for idx in batches(len(order), batch_size, order):
            x, lengths = pad_batch(sf.features, idx, norm)
            device = next(model.parameters()).device
            emb = model(torch.from_numpy(x).to(device), torch.from_numpy(lengths).to(device))
            out[idx] = emb.cpu().numpy()
    return out


def rank(text: npt.NDArray[np.float32], audio: npt.NDArray[np.float32], k: int
         ) -> npt.NDArray[np.int64]:
    """(queries, k) indices of the best clips by dot product, ties in index order."""
    scores = text @ audio.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k].astype(np.int64)


def predict(run_dir: str | Path, data_dir: str | Path, split: str, out: str | Path,
            k: int = 10, word2vec: str | Path | None = None, cache_dir: str | Path | None = None,
            console: Console | None = None, progress: bool = True) -> int:
    """Write the top-k CSV for every caption of the split; returns the number of queries."""
    console = console or Console(stderr=True)
    run = Path(run_dir)
    if not (run / "best.pt").exists():
        raise FileNotFoundError(f"{run} has no best.pt; train first")
    cfg = load_config(run / "config.yaml")
    torch.set_num_threads(cfg.train.threads)
    state = torch.load(run / "best.pt", weights_only=True, map_location="cpu")
    model = CRNN(cfg.model, cfg.features.n_mels)
    model.load_state_dict(state["model"])
    model.to(resolve_device(cfg.train.device))
    norm = Normalizer(state["norm_mean"].numpy(), state["norm_std"].numpy())
    sf = split_features(data_dir, split, cfg.features, cache_dir, console, progress)
    if len(sf.names) < k:
        raise ValueError(f"the {split} split has {len(sf.names)} readable clips, fewer than {k}")
    queries = list(dict.fromkeys(c for _, caps in read_captions(data_dir, split) for c in caps))
    encoder = load_caption_encoder(run, word2vec)
    stats = OovStats()
    text = encoder.encode(queries, stats)
    console.print(f"{split} captions: {stats.summary()}", highlight=False)
    top = rank(text, encode_audio(model, sf, norm, cfg.train.batch_size), k)
    write_topk_csv(out, [(q, [sf.names[j] for j in row]) for q, row in zip(queries, top,
                                                                            strict=True)], k=k)
    console.print(f"wrote {len(queries)} queries x top-{k} of {len(sf.names)} clips to {out} "
                  f"(best epoch {state['epoch']})")
    return len(queries)

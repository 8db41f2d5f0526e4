"""What training watches: each epoch's validation mAP@10, computed by the toolkit's own
`evaluate_embeddings`, and the log and plot of the curves.

The task ranks systems by mAP@10, so the baseline selects its model by it too, measured as the
organizers would: the validation clips are encoded exactly as `predict` encodes a split (same
batches, whole clips, no dropout) and every validation caption ranks them by dot product, with
the core's tie rule (score descending, then clip order). Encoding draws no random numbers, so
monitoring leaves the training trajectory, and its determinism, untouched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch

from dcase_retrieval_eval import evaluate_embeddings
from dcase_retrieval_eval.io.atomic import atomic_path, write_text_atomic

from .data import Normalizer, Pairs, length_batches, pad_batch
from .features import SplitFeatures
from .model import CRNN

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the task's main metric, the name `evaluate` reports it under
METRIC = "mAP@10"
LOG_FIELDS = ("epoch", "train_loss", "val_loss", "val_map10", "learning_rate", "seconds", "best")
#: the legend of loss.png, one entry per series
SERIES = ("training loss", "validation loss", "validation mAP@10")


def encode_audio(model: CRNN, sf: SplitFeatures, norm: Normalizer, batch_size: int,
                 budget: int, on_batch: Callable[[int], None] | None = None
                 ) -> npt.NDArray[np.float32]:
    """(clips, embed_dim) embeddings, in batches of similar length of at most `batch_size` clips
    and `budget` padded frames, so that memory is bounded; a clip longer than the budget is
    encoded alone, whole. `on_batch` is told each batch's clip count (a progress bar)."""
    lengths = np.array([f.shape[0] for f in sf.features], np.int64)
    out = np.zeros((len(sf.features), model.cfg.embed_dim), np.float32)
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        for idx in length_batches(lengths, batch_size, budget):
            x, lens = pad_batch(sf.features, idx, norm)
            emb = model(torch.from_numpy(x).to(device), torch.from_numpy(lens).to(device))
            out[idx] = emb.cpu().numpy()
            if on_batch is not None:
                on_batch(int(idx.size))
    return out


@dataclass
class RetrievalSet:
    """The clips some caption of a split names (the ranked set) and each caption's clip."""

    clips: SplitFeatures
    caption_to_clip: npt.NDArray[np.int64]

    @classmethod
    def of(cls, pairs: Pairs, sf: SplitFeatures) -> RetrievalSet:
        """From a split's pairs; a WAV file no caption names is not ranked, as in `predict`."""
        used = np.unique(pairs.clip_of_pair)
        clips = SplitFeatures([sf.names[i] for i in used], [sf.features[i] for i in used])
        return cls(clips, np.searchsorted(used, pairs.clip_of_pair).astype(np.int64))


def retrieval_map10(model: CRNN, rset: RetrievalSet, text: npt.NDArray[np.float32],
                    norm: Normalizer, batch_size: int, budget: int) -> float:
    """mAP@10 of text-to-audio retrieval on `rset` (the official 2022 definition), captions
    `text` (one row per pair) against the clips encoded as `predict` encodes them."""
    audio = encode_audio(model, rset.clips, norm, batch_size, budget)
    report = evaluate_embeddings(text, audio, rset.caption_to_clip, normalize=False,
                                 directions=("text-to-audio",), metrics=[METRIC])
    return float(report["text-to-audio"].metrics[METRIC].value)


def plot_curves(history: list[dict[str, float]]) -> Figure:
    """Training and validation loss (left axis) and validation mAP@10 (right axis) per epoch,
    learning-rate drops dotted, the selected epochs marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    epochs = [h["epoch"] for h in history]
    lines = ax.plot(epochs, [h["train_loss"] for h in history], label=SERIES[0])
    lines += ax.plot(epochs, [h["val_loss"] for h in history], label=SERIES[1])
    right = ax.twinx()
    lines += right.plot(epochs, [h["val_map10"] for h in history], color="tab:green",
                        marker=".", label=SERIES[2])
    best = [h for h in history if h["best"]]
    if best:
        right.scatter([h["epoch"] for h in best], [h["val_map10"] for h in best], color="tab:green",
                      marker="*", s=80, zorder=3)
    drops = [h["epoch"] for a, h in zip(history, history[1:], strict=False)
             if h["learning_rate"] < a["learning_rate"]]
    for i, e in enumerate(drops):
        line = ax.axvline(e, color="grey", ls=":", label="LR x0.1")
        if i == 0:
            lines.append(line)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("triplet loss")
    right.set_ylabel("validation mAP@10 (stars: best.pt updated)")
    ax.legend(handles=lines, loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def write_log(run: Path, history: list[dict[str, float]]) -> None:
    """log.csv (one row per epoch) and loss.png (`plot_curves`), each written atomically."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LOG_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text_atomic(run / "log.csv", buf.getvalue())
    fig = plot_curves(history)
    import matplotlib.pyplot as plt

    try:
        with atomic_path(run / "loss.png") as tmp:
            fig.savefig(tmp, dpi=100, format="png")
    finally:
        plt.close(fig)

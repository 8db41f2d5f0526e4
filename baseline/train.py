"""Training of the baseline: seeded, deterministic on CPU, resumable, logged and plotted.

RUN_DIR holds everything a later `predict` or a resumed run needs:
`config.yaml` (the recipe), `word2vec.bin` or `text.json` (which word vectors), `last.pt` (the
state after the latest finished epoch, for resuming), `best.pt` (the weights of the best
validation loss), `log.csv` and `loss.png` (the loss curves) and `result.json` once training ends.
An interrupted run is resumed by running the same command again: each epoch's data order and
imposter sampling derive from (seed, epoch) and the torch RNG state is saved, so a resumed run
ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from dcase_retrieval_eval.io.atomic import atomic_path, write_text_atomic

from .config import BaselineConfig, dump_config
from .data import Normalizer, Pairs, batches, make_pairs, pad_batch, read_captions
from .features import split_features
from .loss import sample_imposters, triplet_loss
from .model import CRNN
from .text import CaptionEncoder, OovStats, load_vectors, save_vectors, train_word2vec

VALIDATION_SAMPLING_SEED = 1_000_003


class RunMismatchError(Exception):
    """RUN_DIR holds a run made with another configuration."""


@dataclass
class TrainResult:
    """How training ended."""

    epochs: int
    best_epoch: int
    best_val_loss: float
    reason: str
    seconds: float


def set_determinism(seed: int, threads: int, device: torch.device | None = None) -> None:
    """Same seed, same thread count -> same weights on CPU (on CUDA only as far as cuDNN allows)."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=device is not None and device.type != "cpu")


def resolve_device(name: str) -> torch.device:
    """The torch device of `train.device`; refuses cuda when this torch build has none."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("train.device is cuda but this torch build sees no GPU; install the "
                         "CUDA torch wheel (docs/baseline.md) or set train.device: cpu")
    return torch.device(name)


def _word_vectors(run: Path, cfg: BaselineConfig, word2vec: str | Path | None,
                  dev_captions: list[str], console: Console) -> CaptionEncoder:
    """Load or train the word vectors and record in RUN_DIR which ones were used."""
    saved = run / "word2vec.bin"
    if word2vec is not None:
        console.print(f"loading word vectors from {word2vec}")
        kv = load_vectors(word2vec)
        write_text_atomic(run / "text.json",
                      json.dumps({"word2vec": str(Path(word2vec).resolve())}, indent=2))
    elif saved.exists():
        kv = load_vectors(saved)
    else:
        console.print(f"training Word2Vec skip-gram ({cfg.text.vector_size}-d) on "
                      f"{len(dev_captions)} development captions")
        kv = train_word2vec(dev_captions, cfg.text, cfg.train.seed)
        save_vectors(kv, saved)
    if kv.vector_size != cfg.model.embed_dim:
        raise ValueError(f"word vectors are {kv.vector_size}-d but model.embed_dim is "
                         f"{cfg.model.embed_dim}; set text.vector_size and model.embed_dim")
    return CaptionEncoder(kv, cfg.text.lowercase)


def load_caption_encoder(run: Path, word2vec: str | Path | None = None) -> CaptionEncoder:
    """The caption encoder a finished run was trained with (or a given word2vec file)."""
    from .config import load_config

    cfg = load_config(run / "config.yaml")
    if word2vec is None:
        if (run / "word2vec.bin").exists():
            return CaptionEncoder(load_vectors(run / "word2vec.bin"), cfg.text.lowercase)
        record = json.loads((run / "text.json").read_text(encoding="utf-8"))
        word2vec = record["word2vec"]
    return CaptionEncoder(load_vectors(word2vec), cfg.text.lowercase)


def _save_atomic(obj: dict[str, Any], path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _epoch_loss(model: CRNN, pairs: Pairs, text: torch.Tensor, norm: Normalizer,
                order: np.ndarray, rng: np.random.Generator, cfg: BaselineConfig,
                optimizer: torch.optim.Optimizer | None,
                on_batch: Callable[[float], None] | None = None) -> float:
    """Mean triplet loss over one pass; trains when an optimizer is given."""
    total, count = 0.0, 0
    for idx in batches(len(pairs), cfg.train.batch_size, order):
        if idx.size < 2:
            continue  # a lone pair has no imposter
        clips = pairs.clip_of_pair[idx]
        x, lengths = pad_batch(pairs.features, clips, norm)
        imp_cap, imp_clip = sample_imposters(clips, rng)
        with torch.set_grad_enabled(optimizer is not None):
            device = text.device
            audio = model(torch.from_numpy(x).to(device), torch.from_numpy(lengths).to(device))
            loss = triplet_loss(audio, text[idx], imp_cap, imp_clip, cfg.train.margin)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
        value = float(loss.detach())
        if not np.isfinite(value):
            raise FloatingPointError("the loss is not finite; lower train.learning_rate")
        total += value * idx.size
        count += idx.size
        if on_batch is not None:
            on_batch(value)
    return total / max(count, 1)


def write_log(run: Path, history: list[dict[str, float]]) -> None:
    """log.csv (one row per epoch) and loss.png (train and validation curves)."""
    buf = io.StringIO()
    fields = ["epoch", "train_loss", "val_loss", "learning_rate", "seconds", "best"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text_atomic(run / "log.csv", buf.getvalue())
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["train_loss"] for h in history], label="training")
    ax.plot(epochs, [h["val_loss"] for h in history], label="validation")
    drops = [h["epoch"] for a, h in zip(history, history[1:], strict=False)
             if h["learning_rate"] < a["learning_rate"]]
    for i, e in enumerate(drops):
        ax.axvline(e, color="grey", ls=":", label="LR x0.1" if i == 0 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("triplet loss")
    ax.legend()
    fig.tight_layout()
    with atomic_path(run / "loss.png") as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def train(data_dir: str | Path, run_dir: str | Path, cfg: BaselineConfig,
          word2vec: str | Path | None = None, cache_dir: str | Path | None = None,
          console: Console | None = None, progress: bool = True,
          on_epoch_end: Callable[[int], None] | None = None) -> TrainResult:
    """Train (or resume) the baseline in run_dir on data_dir's development/validation splits."""
    console = console or Console(stderr=True)
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    config_text = dump_config(cfg)
    if (run / "config.yaml").exists():
        if (run / "config.yaml").read_text(encoding="utf-8") != config_text:
            raise RunMismatchError(f"{run} holds a run with another configuration; "
                                   "use a new RUN_DIR (or the same --config to resume)")
    else:
        write_text_atomic(run / "config.yaml", config_text)
    if (run / "result.json").exists():
        result = TrainResult(**json.loads((run / "result.json").read_text(encoding="utf-8")))
        console.print(f"{run} is already trained ({result.reason}); nothing to do")
        return result

    t_start = time.perf_counter()
    device = resolve_device(cfg.train.device)
    set_determinism(cfg.train.seed, cfg.train.threads, device)
    dev_sf = split_features(data_dir, "development", cfg.features, cache_dir, console, progress)
    val_sf = split_features(data_dir, "validation", cfg.features, cache_dir, console, progress)
    dev = make_pairs(read_captions(data_dir, "development"), dev_sf)
    val = make_pairs(read_captions(data_dir, "validation"), val_sf)
    for name, pairs in (("development", dev), ("validation", val)):
        if pairs.missing_files:
            console.print(f"[yellow]{len(pairs.missing_files)} {name} clips have no readable "
                          f"audio and are left out[/] (first: {pairs.missing_files[0]!r})")
        if len(pairs) < 2:
            raise ValueError(f"the {name} split has fewer than two usable captions")
    encoder = _word_vectors(run, cfg, word2vec, dev.captions, console)
    stats = OovStats()
    dev_text = torch.from_numpy(encoder.encode(dev.captions, stats)).to(device)
    val_text = torch.from_numpy(encoder.encode(val.captions, stats)).to(device)
    console.print(f"captions: {stats.summary()}", highlight=False)
    norm = Normalizer.fit(dev.features)

    model = CRNN(cfg.model, cfg.features.n_mels).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.train.learning_rate)
    history: list[dict[str, float]] = []
    best_val, best_epoch, since_best, start_epoch = float("inf"), 0, 0, 1
    if (run / "last.pt").exists():
        state = torch.load(run / "last.pt", weights_only=True, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"].cpu())
        history = state["history"]
        best_val, best_epoch = state["best_val"], state["best_epoch"]
        since_best, start_epoch = state["since_best"], state["epoch"] + 1
        console.print(f"resuming {run} after epoch {state['epoch']}")

    reason = "max_epochs"
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn())
    n_batches = -(-len(dev) // cfg.train.batch_size)
    for epoch in range(start_epoch, cfg.train.max_epochs + 1):
        if since_best >= cfg.train.stop_patience:
            reason = "early_stop"
            break
        t0 = time.perf_counter()
        rng = np.random.default_rng([cfg.train.seed, epoch])
        order = rng.permutation(len(dev)).astype(np.int64)
        model.train()
        with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
            task = bar.add_task(f"epoch {epoch}/{cfg.train.max_epochs}", total=n_batches, loss=0.0)

            def show(value: float, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, advance=1, loss=value)

            train_loss = _epoch_loss(model, dev, dev_text, norm, order, rng, cfg, optimizer, show)
        model.eval()
        val_loss = _epoch_loss(model, val, val_text, norm, np.arange(len(val), dtype=np.int64),
                               np.random.default_rng(VALIDATION_SAMPLING_SEED), cfg, None)
        lr = optimizer.param_groups[0]["lr"]
        improved = val_loss < best_val
        if improved:
            best_val, best_epoch, since_best = val_loss, epoch, 0
            _save_atomic({"model": model.state_dict(), "epoch": epoch, "val_loss": val_loss,
                          "norm_mean": torch.from_numpy(norm.mean),
                          "norm_std": torch.from_numpy(norm.std)}, run / "best.pt")
        else:
            since_best += 1
            if since_best % cfg.train.lr_patience == 0:
                for group in optimizer.param_groups:
                    group["lr"] *= cfg.train.lr_factor
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "learning_rate": lr, "seconds": round(time.perf_counter() - t0, 3),
                        "best": int(improved)})
        _save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                      "torch_rng": torch.get_rng_state(), "history": history, "epoch": epoch,
                      "best_val": best_val, "best_epoch": best_epoch, "since_best": since_best},
                     run / "last.pt")
        write_log(run, history)
        console.print(f"epoch {epoch:3d}  train {train_loss:.4f}  val {val_loss:.4f}  "
                      f"lr {lr:.0e}{'  best' if improved else ''}", highlight=False)
        if on_epoch_end is not None:
            on_epoch_end(epoch)
    else:
        if since_best >= cfg.train.stop_patience:
            reason = "early_stop"
    result = TrainResult(epochs=len(history), best_epoch=best_epoch, best_val_loss=best_val,
                         reason=reason, seconds=round(time.perf_counter() - t_start, 1))
    write_text_atomic(run / "result.json", json.dumps(asdict(result), indent=2))
    console.print(f"done ({reason}): best validation loss {best_val:.4f} at epoch {best_epoch}")
    return result

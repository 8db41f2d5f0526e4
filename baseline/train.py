"""Training of the baseline: seeded, deterministic on CPU, resumable, logged and plotted.

RUN_DIR holds everything a later `predict` or a resumed run needs:
`config.yaml` (the recipe), `word2vec.bin` or `text.json` (which word vectors), `last.pt` (the
state after the latest finished epoch, for resuming), `best.pt` (the weights of the best epoch by
`train.monitor`: validation mAP@10, the task's metric, by default), `log.csv` and `loss.png` (the
losses and validation mAP@10 per epoch) and `result.json` once training ends.
An interrupted run is resumed by running the same command again: each epoch's data order and
imposter sampling derive from (seed, epoch) and the torch RNG state is saved, so a resumed run
ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from gensim.models import KeyedVectors
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from dcase_retrieval_eval.io.atomic import guard_outputs, write_text_atomic

from .config import BaselineConfig, dump_config
from .data import Normalizer, Pairs, batches, make_pairs, pad_batch, read_captions
from .errors import (
    BaselineError,
    ConfigError,
    DataError,
    OutputError,
    RunFileError,
    RunMismatchError,
    WordVectorError,
)
from .features import frame_count, plain_console, split_features
from .loss import sample_imposters, triplet_loss
from .model import CRNN
from .monitor import RetrievalSet, retrieval_map10, write_log
from .progress import progress_bar
from .runfiles import (
    INPUTS,
    check_inputs,
    environment,
    file_digest,
    load_checkpoint,
    load_weights,
    make_inputs,
    read_json,
    save_checkpoint,
    write_json,
)
from .text import CaptionEncoder, OovStats, load_vectors, save_vectors, train_word2vec

LAST_KEYS = ("model", "optimizer", "torch_rng", "history", "epoch", "best_val", "best_epoch",
             "since_best")

VALIDATION_SAMPLING_SEED = 1_000_003
LAST_TODO = "delete it to restart training from epoch 1, or use a new RUN_DIR"
RESULT_TODO = "delete it and run the same command again to rewrite it from last.pt"
W2V_TODO = ("delete it and run the same command again: the vectors are retrained identically "
            "from the seed")


@dataclass
class TrainResult:
    """How training ended."""

    epochs: int
    best_epoch: int
    best_val_loss: float
    best_val_map10: float
    monitor: str
    reason: str
    seconds: float

    def summary(self) -> str:
        """The best epoch and its validation figures, naming the one that selected it."""
        return (f"best epoch {self.best_epoch} of {self.epochs} by validation {self.monitor}: "
                f"mAP@10 {self.best_val_map10:.4f}, loss {self.best_val_loss:.4f}")


def set_determinism(seed: int, threads: int, device: torch.device | None = None) -> None:
    """Same seed, same thread count -> same weights on CPU (on CUDA only as far as cuDNN allows).

    The CPU kernels torch picks depend on the instruction set (AVX2, AVX-512) and the library
    versions, which `result.json` records; docs/baseline.md says what is reproducible where.
    """
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=device is not None and device.type != "cpu")


def resolve_device(name: str) -> torch.device:
    """The torch device of `train.device`; refuses cuda when this torch build has none."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device is cuda but this torch build sees no GPU; install the "
                          "CUDA torch wheel (docs/baseline.md) or set train.device: cpu")
    return torch.device(name)


def _word_vectors(run: Path, cfg: BaselineConfig, word2vec: Path | None,
                  dev_captions: list[str], console: Console) -> tuple[KeyedVectors, bool]:
    """The word vectors of the run and whether they are new (to be saved in RUN_DIR)."""
    saved = run / "word2vec.bin"
    if word2vec is not None:
        console.print(f"loading word vectors from {word2vec}")
        return load_vectors(word2vec, cfg.model.embed_dim), False
    if saved.exists():
        try:
            return load_vectors(saved, cfg.model.embed_dim), False
        except WordVectorError as exc:
            raise RunFileError(f"{exc}; {W2V_TODO}") from None
    console.print(f"training Word2Vec skip-gram ({cfg.text.vector_size}-d) on "
                  f"{len(dev_captions)} development captions")
    return train_word2vec(dev_captions, cfg.text, cfg.train.seed), True


def check_oov(stats: OovStats, limit: float, source: str, what: str) -> None:
    """Stop when the word vectors cover too few caption words (a wrong or misread file)."""
    if stats.tokens and stats.oov_rate > limit:
        raise WordVectorError(
            f"{source}: {100 * stats.oov_rate:.0f}% of the {what} caption words have no vector "
            f"(text.max_oov_rate is {100 * limit:g}%); check that these are the word vectors "
            "you meant, or raise text.max_oov_rate")


def load_caption_encoder(run: Path, word2vec: str | Path | None = None) -> CaptionEncoder:
    """The caption encoder a finished run was trained with (or a given word2vec file)."""
    from .config import load_config

    cfg = load_config(run / "config.yaml")
    if word2vec is not None:
        return CaptionEncoder(load_vectors(word2vec, cfg.model.embed_dim), cfg.text.lowercase)
    if (run / "word2vec.bin").exists():
        try:
            kv = load_vectors(run / "word2vec.bin", cfg.model.embed_dim)
        except WordVectorError as exc:
            raise RunFileError(f"{exc}; train the run again in a new RUN_DIR") from None
        return CaptionEncoder(kv, cfg.text.lowercase)
    todo = "give the word vectors with --word2vec, or train the run again"
    if not (run / "text.json").exists():
        raise RunFileError(f"{run} has neither word2vec.bin nor text.json; {todo}")
    record = read_json(run / "text.json", todo)
    if not isinstance(record.get("word2vec"), str):
        raise RunFileError(f"{run / 'text.json'} names no word2vec file; {todo}")
    path = Path(record["word2vec"])
    inputs = read_json(run / INPUTS, todo) if (run / INPUTS).exists() else {}
    recorded = (inputs.get("word2vec") or {}).get("sha256")
    if recorded is not None and path.is_file() and file_digest(path)["sha256"] != recorded:
        raise RunMismatchError(f"{path} has changed since {run} was trained with it; give the "
                               "original file with --word2vec")
    if not path.is_file():
        raise RunFileError(f"the word vectors {path} the run was trained with are gone; {todo}")
    return CaptionEncoder(load_vectors(path, cfg.model.embed_dim), cfg.text.lowercase)


def _epoch_loss(model: CRNN, pairs: Pairs, text: torch.Tensor, norm: Normalizer,
                order: np.ndarray, rng: np.random.Generator, cfg: BaselineConfig,
                optimizer: torch.optim.Optimizer | None,
                on_batch: Callable[[float], None] | None = None) -> float:
    """Mean triplet loss over one pass; trains when an optimizer is given."""
    total, count = 0.0, 0
    max_frames = crop_frames(cfg)
    for idx in batches(len(pairs), cfg.train.batch_size, order):
        if idx.size < 2:
            continue  # a lone pair has no imposter
        clips = pairs.clip_of_pair[idx]
        x, lengths = pad_batch(pairs.features, clips, norm, max_frames, rng)
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
            raise TrainingDiverged("the loss is not finite; lower train.learning_rate")
        total += value * idx.size
        count += idx.size
        if on_batch is not None:
            on_batch(value)
    return total / max(count, 1)


class TrainingDiverged(BaselineError):
    """The loss became NaN or infinite (features are finite, so the learning rate is to blame)."""


def crop_frames(cfg: BaselineConfig) -> int:
    """Frames of the longest window a clip contributes to a training batch (those of a clip of
    `train.crop_seconds`, so that a clip of exactly that length is never cropped)."""
    return frame_count(round(cfg.train.crop_seconds * cfg.features.sample_rate), cfg.features)


def _keys_added_since(old_config: Path, config_text: str) -> list[str]:
    """`section.key` names of this version's config that an older run's config.yaml lacks
    (a key added to the recipe, such as `train.monitor`); empty when it has them all."""
    import yaml

    def keys(text: str) -> set[str]:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            return set()
        return {f"{section}.{key}" for section, values in data.items()
                if isinstance(values, dict) for key in values}

    try:
        old = keys(old_config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    new = keys(config_text)
    return sorted(new - old) if old and old < new else []


def _check_run(run: Path, config_text: str) -> TrainResult | None:
    """Refuse a RUN_DIR of another config; the result of a finished run; None to (re)start."""
    if (run / "config.yaml").exists():
        try:
            same = (run / "config.yaml").read_text(encoding="utf-8") == config_text
        except (OSError, UnicodeDecodeError) as exc:
            raise RunFileError(f"{run / 'config.yaml'} cannot be read ({exc}); use a new "
                               "RUN_DIR") from None
        if not same:
            added = _keys_added_since(run / "config.yaml", config_text)
            if added:
                raise RunMismatchError(
                    f"{run} holds a run of an older version of the baseline (its config.yaml "
                    f"has no {', '.join(added)}); it cannot be resumed: use a new RUN_DIR")
            raise RunMismatchError(f"{run} holds a run with another configuration; use a new "
                                   "RUN_DIR (or the same --config to resume)")
    if (run / "last.pt").exists() and not (run / INPUTS).exists():
        raise RunFileError(f"{run} has last.pt but no {INPUTS} (a run of an older version, or "
                           "the record was deleted); use a new RUN_DIR")
    if (run / "result.json").exists():
        record = read_json(run / "result.json", RESULT_TODO)
        try:
            return TrainResult(**{f.name: record[f.name] for f in fields(TrainResult)})
        except (KeyError, TypeError):
            raise RunFileError(f"{run / 'result.json'} is damaged (fields missing); "
                               f"{RESULT_TODO}") from None
    return None


def _check_best(run: Path, cfg: BaselineConfig, best_epoch: int) -> None:
    """On resume, best.pt must hold the weights of `best_epoch` for this model: a later epoch
    may never improve on it, so a damaged or missing best.pt would only show in predict."""
    todo = f"the best weights (epoch {best_epoch}) are lost; train again in a new RUN_DIR"
    path = run / "best.pt"
    if not path.exists():
        raise RunFileError(f"{path} is missing; {todo}")
    state = load_checkpoint(path, ("model", "epoch", "norm_mean", "norm_std"), todo)
    with torch.random.fork_rng(devices=[]):  # building a model draws from the torch RNG
        load_weights(CRNN(cfg.model, cfg.features.n_mels), state["model"], path, todo)
    if state["epoch"] != best_epoch:
        raise RunFileError(f"{path} holds epoch {state['epoch']}, but last.pt says the best was "
                           f"epoch {best_epoch}; {todo}")


def monitored(cfg: BaselineConfig, val_loss: float, val_map10: float) -> float:
    """The value `train.monitor` watches, higher is better (the loss is negated)."""
    return val_map10 if cfg.train.monitor == "mAP@10" else -val_loss


def _advance(bar: Progress, task: TaskID) -> Callable[[float], None]:
    """A batch callback moving `task` on by one batch and showing its loss."""
    def show(value: float) -> None:
        bar.update(task, advance=1, loss=value)
    return show


def _make_run_dir(run: Path) -> None:
    try:
        run.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the run folder {run} ({exc.strerror or exc}); give "
                          "a writable --out") from None


def train(data_dir: str | Path, run_dir: str | Path, cfg: BaselineConfig,
          word2vec: str | Path | None = None, cache_dir: str | Path | None = None,
          console: Console | None = None, progress: bool = True,
          on_epoch_end: Callable[[int], None] | None = None) -> TrainResult:
    """Train (or resume) the baseline in run_dir on data_dir's development/validation splits.

    Everything is checked before RUN_DIR is written: a refused run leaves no RUN_DIR behind
    (only the feature cache, which is valid and reused).
    """
    console = console or plain_console()
    run, data = Path(run_dir), Path(data_dir)
    w2v = Path(word2vec) if word2vec is not None else None
    # RUN_DIR may not be (inside) the data or hold the word vectors, and must be writable
    guard_outputs(folders=[run], inputs=[data, w2v])
    config_text = dump_config(cfg)
    finished = _check_run(run, config_text)
    if finished is not None:
        console.print(f"{run} is already trained ({finished.reason}); nothing to do")
        return finished

    t_start = time.perf_counter()
    device = resolve_device(cfg.train.device)
    set_determinism(cfg.train.seed, cfg.train.threads, device)
    dev_sf = split_features(data, "development", cfg.features, cache_dir, console, progress)
    val_sf = split_features(data, "validation", cfg.features, cache_dir, console, progress)
    dev = make_pairs(read_captions(data, "development"), dev_sf)
    val = make_pairs(read_captions(data, "validation"), val_sf)
    for name, pairs in (("development", dev), ("validation", val)):
        if pairs.missing_files:
            console.print(Text.assemble(
                (f"{len(pairs.missing_files)} {name} clips have no usable audio and are left "
                 "out", "yellow"), f" (first: {pairs.missing_files[0]!r})"))
        if len(pairs) < 2:
            raise DataError(f"the {name} split of {data} has fewer than two captions of usable "
                            "clips; check its captions CSV and audio folder")
    env = environment(device)
    inputs = make_inputs(data, {"development": dev_sf.signature, "validation": val_sf.signature},
                         w2v, env)
    if (run / INPUTS).exists():
        note = check_inputs(run, inputs)
        if note is not None:
            console.print(Text.assemble(("note:", "yellow"), f" {note}"))
    kv, new_vectors = _word_vectors(run, cfg, w2v, dev.captions, console)
    encoder = CaptionEncoder(kv, cfg.text.lowercase)
    stats = OovStats()
    dev_text = torch.from_numpy(encoder.encode(dev.captions, stats)).to(device)
    check_oov(stats, cfg.text.max_oov_rate, str(w2v or run / "word2vec.bin"), "development")
    val_text = torch.from_numpy(encoder.encode(val.captions, stats)).to(device)
    console.print(f"captions: {stats.summary()}")
    norm = Normalizer.fit(dev.features)
    val_set, val_text_np = RetrievalSet.of(val, val_sf), val_text.cpu().numpy()
    encode_budget = cfg.train.batch_size * crop_frames(cfg)

    model = CRNN(cfg.model, cfg.features.n_mels).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.train.learning_rate)
    history: list[dict[str, float]] = []
    best_val, best_epoch, since_best, start_epoch = -float("inf"), 0, 0, 1
    if (run / "last.pt").exists():
        state = load_checkpoint(run / "last.pt", LAST_KEYS, LAST_TODO, device)
        load_weights(model, state["model"], run / "last.pt", LAST_TODO)
        try:
            optimizer.load_state_dict(state["optimizer"])
            history = list(state["history"])
            best_val, best_epoch = float(state["best_val"]), int(state["best_epoch"])
            since_best, start_epoch = int(state["since_best"]), int(state["epoch"]) + 1
        except (RuntimeError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise RunFileError(f"{run / 'last.pt'} is damaged ({type(exc).__name__}); "
                               f"{LAST_TODO}") from None
        if best_epoch > 0:
            _check_best(run, cfg, best_epoch)
        try:  # last, so that nothing above draws from the restored generator
            torch.set_rng_state(state["torch_rng"].cpu())
        except (RuntimeError, TypeError, AttributeError) as exc:
            raise RunFileError(f"{run / 'last.pt'} is damaged ({type(exc).__name__}); "
                               f"{LAST_TODO}") from None
        console.print(f"resuming {run} after epoch {start_epoch - 1}")

    # every check passed: from here on RUN_DIR is written, each file atomically
    _make_run_dir(run)
    if not (run / "config.yaml").exists():
        write_text_atomic(run / "config.yaml", config_text)
    if not (run / INPUTS).exists():
        write_json(run / INPUTS, inputs)
    if w2v is not None:
        write_json(run / "text.json", {"word2vec": str(w2v.resolve())})
    elif new_vectors:
        save_vectors(kv, run / "word2vec.bin")

    reason = "max_epochs"
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn())
    n_batches = -(-len(dev) // cfg.train.batch_size)
    n_val_batches = -(-len(val) // cfg.train.batch_size)
    for epoch in range(start_epoch, cfg.train.max_epochs + 1):
        if since_best >= cfg.train.stop_patience:
            reason = "early_stop"
            break
        t0 = time.perf_counter()
        rng = np.random.default_rng([cfg.train.seed, epoch])
        order = rng.permutation(len(dev)).astype(np.int64)
        model.train()
        with progress_bar(console, *columns, show=progress, transient=True) as bar:
            task = bar.add_task(f"epoch {epoch}/{cfg.train.max_epochs}", total=n_batches, loss=0.0)
            train_loss = _epoch_loss(model, dev, dev_text, norm, order, rng, cfg, optimizer,
                                     _advance(bar, task))
            task = bar.add_task("validation", total=n_val_batches + 1, loss=0.0)
            model.eval()
            val_loss = _epoch_loss(model, val, val_text, norm,
                                   np.arange(len(val), dtype=np.int64),
                                   np.random.default_rng(VALIDATION_SAMPLING_SEED), cfg, None,
                                   _advance(bar, task))
            val_map10 = retrieval_map10(model, val_set, val_text_np, norm, cfg.train.batch_size,
                                        encode_budget)
            bar.advance(task)
        lr = optimizer.param_groups[0]["lr"]
        improved = monitored(cfg, val_loss, val_map10) > best_val
        if improved:
            best_val, best_epoch, since_best = monitored(cfg, val_loss, val_map10), epoch, 0
            save_checkpoint({"model": model.state_dict(), "epoch": epoch, "val_loss": val_loss,
                             "val_map10": val_map10, "norm_mean": torch.from_numpy(norm.mean),
                             "norm_std": torch.from_numpy(norm.std)}, run / "best.pt")
        else:
            since_best += 1
            if since_best % cfg.train.lr_patience == 0:
                for group in optimizer.param_groups:
                    group["lr"] *= cfg.train.lr_factor
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "val_map10": val_map10, "learning_rate": lr,
                        "seconds": round(time.perf_counter() - t0, 3), "best": int(improved)})
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "torch_rng": torch.get_rng_state(), "history": history, "epoch": epoch,
                         "best_val": best_val, "best_epoch": best_epoch,
                         "since_best": since_best}, run / "last.pt")
        write_log(run, history)
        console.print(f"epoch {epoch:3d}  train {train_loss:.4f}  val {val_loss:.4f}  "
                      f"mAP@10 {val_map10:.4f}  lr {lr:.0e}{'  best' if improved else ''}")
        if on_epoch_end is not None:
            on_epoch_end(epoch)
    else:
        if since_best >= cfg.train.stop_patience:
            reason = "early_stop"
    best = history[best_epoch - 1]
    result = TrainResult(epochs=len(history), best_epoch=best_epoch,
                         best_val_loss=best["val_loss"], best_val_map10=best["val_map10"],
                         monitor=cfg.train.monitor, reason=reason,
                         seconds=round(time.perf_counter() - t_start, 1))
    write_json(run / "result.json", {**asdict(result), "environment": env})
    console.print(f"done ({reason}): {result.summary()}")
    return result

"""Rank a split's clips for each of its captions and write the top-10 submission CSV.

Scores are dot products between caption embeddings and clip embeddings (paper section 3). Ties are
broken by file name order, never by anything that depends on the ground truth. The queries and the
audio set are those of the split's captions CSV, read by the core's ground-truth reader (a stray
WAV file in the split folder is not ranked), and the written file is validated by the core before
`predict` reports success, so it never leaves an invalid submission behind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from dcase_retrieval_eval import InputError, load_ground_truth, validate, write_topk_csv
from dcase_retrieval_eval.io.atomic import OutputError as CoreOutputError
from dcase_retrieval_eval.io.atomic import atomic_path, guard_outputs

from .config import BaselineConfig, load_config
from .data import Normalizer
from .errors import BaselineError, DataError, OutputError, RunFileError
from .features import SplitFeatures, plain_console, split_features
from .model import CRNN
from .monitor import encode_audio
from .progress import progress_bar
from .runfiles import load_checkpoint, load_weights
from .text import OovStats
from .train import check_oov, crop_frames, load_caption_encoder, resolve_device

BEST_KEYS = ("model", "epoch", "norm_mean", "norm_std")
BEST_TODO = "train the run again (a new RUN_DIR), or restore best.pt from a backup"


class InvalidSubmission(BaselineError):
    """The core found errors in the file predict was about to write (a bug: please report it)."""


def rank(text: npt.NDArray[np.float32], audio: npt.NDArray[np.float32], k: int
         ) -> npt.NDArray[np.int64]:
    """(queries, k) indices of the best clips by dot product, ties in index order."""
    scores = text @ audio.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k].astype(np.int64)


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


def refuse_unsafe_output(out: str | Path, run: Path, data_dir: Path, split: str,
                         cache_dir: Path | None, word2vec: Path | None) -> None:
    """OutputError (the core's one guard) when `out` is an input of predict or lies inside a
    folder it reads, or cannot be written.

    Inputs: RUN_DIR, DATA (captions CSVs, split folders, the default feature cache), --cache,
    --word2vec, and each file predict reads (so a hard link to one is caught too). Checked
    before anything is computed, so a refused run writes nothing.
    """
    inputs: list[Path | None] = [run, data_dir, cache_dir, word2vec,
                                 data_dir / f"clotho_captions_{split}.csv",
                                 *_files_under(run), *_files_under(data_dir / split)]
    guard_outputs(files=[out], inputs=inputs)


def _load_model(run: Path) -> tuple[BaselineConfig, CRNN, Normalizer, int]:
    """The run's config, the model of best.pt, its normaliser and best epoch, all checked."""
    if not (run / "best.pt").exists():
        raise RunFileError(f"{run} has no best.pt; train first (dcase-eval baseline train)")
    cfg = load_config(run / "config.yaml")
    state = load_checkpoint(run / "best.pt", BEST_KEYS, BEST_TODO)
    model = CRNN(cfg.model, cfg.features.n_mels)
    load_weights(model, state["model"], run / "best.pt", BEST_TODO)
    mean, std = state["norm_mean"], state["norm_std"]
    if not (isinstance(mean, torch.Tensor) and isinstance(std, torch.Tensor)
            and mean.shape == std.shape == (cfg.features.n_mels,)):
        raise RunFileError(f"{run / 'best.pt'} holds no feature statistics for "
                           f"{cfg.features.n_mels} mel bands; {BEST_TODO}")
    model.to(resolve_device(cfg.train.device))
    return cfg, model, Normalizer(mean.numpy(), std.numpy()), int(state["epoch"])


def predict(run_dir: str | Path, data_dir: str | Path, split: str, out: str | Path,
            k: int = 10, word2vec: str | Path | None = None, cache_dir: str | Path | None = None,
            console: Console | None = None, progress: bool = True) -> int:
    """Write the top-k CSV for every caption of the split; returns the number of queries."""
    console = console or plain_console()
    run, data = Path(run_dir), Path(data_dir)
    cache = Path(cache_dir) if cache_dir is not None else None
    w2v = Path(word2vec) if word2vec is not None else None
    refuse_unsafe_output(out, run, data, split, cache, w2v)
    cfg, model, norm, epoch = _load_model(run)
    torch.set_num_threads(cfg.train.threads)
    captions = data / f"clotho_captions_{split}.csv"
    if not captions.is_file():
        raise DataError(f"no captions file {captions}; DATA must hold the Clotho layout")
    try:
        gt = load_ground_truth(captions)
    except InputError as exc:
        first = exc.findings[0] if exc.findings else None
        detail = f" ({first.code}: {first.message})" if first is not None else ""
        raise DataError(f"{captions} is not a usable captions file{detail}; check it with "
                        f"dcase-eval validate") from None
    listed = set(gt.audio)
    sf = split_features(data, split, cfg.features, cache, console, progress)
    keep = [i for i, name in enumerate(sf.names) if name in listed]
    stray = len(sf.names) - len(keep)
    if stray:
        console.print(f"{stray} WAV file(s) in {data / split} are not in {captions.name} and "
                      "are not ranked")
    sf = SplitFeatures([sf.names[i] for i in keep], [sf.features[i] for i in keep])
    if len(sf.names) < k:
        raise DataError(f"the {split} split has {len(sf.names)} usable clips listed in "
                        f"{captions.name}, fewer than the {k} a ranking needs")
    queries = list(gt.queries)
    encoder = load_caption_encoder(run, w2v)
    stats = OovStats()
    text = encoder.encode(queries, stats)
    check_oov(stats, cfg.text.max_oov_rate,
              str(w2v or run / "word2vec.bin"), split)
    console.print(f"{split} captions: {stats.summary()}")
    columns = (TextColumn(f"[bold]encoding {split}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with progress_bar(console, *columns, show=progress) as bar:
        task = bar.add_task("clips", total=len(sf.names))
        audio = encode_audio(model, sf, norm, cfg.train.batch_size,
                             cfg.train.batch_size * crop_frames(cfg),
                             lambda n: bar.advance(task, n))
    top = rank(text, audio, k)
    rows = [(q, [sf.names[j] for j in row]) for q, row in zip(queries, top, strict=True)]
    try:
        with atomic_path(Path(out)) as tmp:
            write_topk_csv(tmp, rows, k=k)
            report = validate(tmp, gt, k=k)
            if not report.valid:
                codes = ", ".join(sorted(report.counts))
                raise InvalidSubmission(f"the submission failed validation ({codes}); nothing "
                                        "was written; please report it")
    except (OSError, CoreOutputError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputError(f"cannot write {out} ({reason}); give a writable --out") from None
    console.print(f"wrote {len(queries)} queries x top-{k} of {len(sf.names)} clips to {out} "
                  f"(best epoch {epoch}; validated)")
    return len(queries)


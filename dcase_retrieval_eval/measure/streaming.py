"""`EmbeddingMetric`: `evaluate_embeddings` as a TorchMetrics-style object for a validation loop
(`update` per batch, `compute`, `reset`), across processes when torch.distributed runs.

Each `update` holds one batch of (caption embedding, clip embedding, clip id[, caption id])
samples. `compute` gathers the batches of every process through torch.distributed itself
(`all_gather` of the accumulated tensors, `all_gather_object` for the ids and for arrays off
a tensor), drops the repeats (`DistributedSampler` pads the dataset with repeated samples so
that every process gets as many; a caption id given twice is kept once), takes each clip's
embedding from its first sample, orders captions by caption id and clips by clip id, and calls
`evaluate_embeddings`. torch is never imported here: a tensor's own module is taken from
`sys.modules`, where the caller's import put it, and without torch there is no process group.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..editions import Edition
from ..errors import InputError
from .arguments import (
    check_confidence,
    check_flag,
    direction_list,
    embedding_array,
    memory_budget_bytes,
    metric_names,
    same_kind,
)
from .conventions.spec import Direction, parse_metric
from .embeddings import evaluate_embeddings
from .evaluate import DEFAULT_MEMORY_BUDGET
from .rankstats import is_tensor, to_numpy
from .scoring import ScoreReport


def _dist(process_group: Any) -> tuple[Any, int]:
    """torch.distributed and the world size when a process group of several runs, else
    (None, 1)."""
    torch = sys.modules.get("torch")
    dist = getattr(torch, "distributed", None)
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return None, 1
    size = int(dist.get_world_size(process_group))
    return (dist, size) if size > 1 else (None, 1)


def _cat(parts: list[Any]) -> Any:
    if is_tensor(parts[0]):
        return sys.modules["torch"].cat(parts)
    return np.concatenate(parts)


def _take(x: Any, index: npt.NDArray[np.int64]) -> Any:
    """Rows `index` of an array or tensor, on its own device."""
    if is_tensor(x):
        return x[sys.modules["torch"].as_tensor(index, device=x.device)]
    return x[index]


def _ids(values: Any, name: str, n: int) -> npt.NDArray[Any]:
    """One id per sample, all integers or all strings (NumPy would turn `[1, "a"]` into two
    strings, so that the clip 1 and the clip "1" became one)."""
    if isinstance(values, str | bytes) or not (is_tensor(values) or hasattr(values, "__len__")):
        raise TypeError(f"{name} is a list of one id per sample, not {type(values).__name__}")
    if not is_tensor(values) and not isinstance(values, np.ndarray):
        values = list(values)
        if len({isinstance(v, str) for v in values}) > 1:
            raise InputError(f"{name} mixes strings and other ids; give all integers or all "
                             "strings")
    try:
        ids = np.array(to_numpy(values) if is_tensor(values) else values)  # a copy
    except ValueError:  # ragged nesting
        ids = np.asarray(None, dtype=object)
    if ids.size == 0 and n == 0:
        return ids.astype(np.int64)
    if ids.ndim != 1:
        raise InputError(f"{name} is a flat list of one id per sample ({n} samples), not of "
                         f"shape {ids.shape}")
    if ids.size != n:
        raise InputError(f"{name} holds {ids.size} ids for {n} samples (one per sample)")
    if not (np.issubdtype(ids.dtype, np.integer) or ids.dtype.kind == "U"):
        raise InputError(f"{name} must be integers or strings, not {ids.dtype}")
    return ids


def _kept(x: Any) -> Any:
    """A copy of a batch, detached, on its device: a buffer the caller refills for the next
    batch must not change the samples already given (a view would, silently)."""
    return x.detach().clone() if is_tensor(x) else np.array(x, copy=True)


def _kind(ids: npt.NDArray[Any]) -> str:
    return "strings" if ids.dtype.kind == "U" else "integers"


class EmbeddingMetric:
    """The official metrics (the `ScoreReport`s of `evaluate_embeddings`) of a validation
    loop's embeddings, accumulated batch by batch.

    `update(text_emb, audio_emb, clip_ids, caption_ids=None)`: one row per sample (a caption
    and its clip). `caption_ids` (e.g. the caption's dataset index) identify the samples: a
    repeat is dropped, which is how the padding of `DistributedSampler` is undone; they are
    required when several processes run. `sync=False` evaluates each process's own samples."""

    def __init__(self, *, normalize: bool = True,
                 directions: Sequence[Direction] = ("text-to-audio", "audio-to-text"),
                 edition: str | Edition = "2022", convention: str = "dcase",
                 metrics: Sequence[str] | None = None, confidence: float = 0.95,
                 memory_budget: int = DEFAULT_MEMORY_BUDGET, sync: bool = True,
                 process_group: Any = None) -> None:
        check_flag(normalize, "normalize")
        check_flag(sync, "sync")
        check_confidence(confidence)
        memory_budget_bytes(memory_budget)
        metrics = metric_names(metrics)
        for name in metrics or ():
            parse_metric(name)  # a misspelt metric fails here, not after the epoch
        self.options: dict[str, Any] = dict(
            normalize=normalize, directions=direction_list(directions), edition=edition,
            convention=convention, metrics=metrics, confidence=confidence,
            memory_budget=memory_budget)
        self.sync = sync
        self.process_group = process_group
        self.reset()

    def reset(self) -> None:
        """Forget every sample (call between validation epochs)."""
        self._text: list[Any] = []
        self._audio: list[Any] = []
        self._clips: list[npt.NDArray[Any]] = []
        self._captions: list[npt.NDArray[Any]] = []

    def update(self, text_emb: Any, audio_emb: Any, clip_ids: Any,
               caption_ids: Any = None) -> None:
        """Add a batch: `text_emb` and `audio_emb` (samples x d; NumPy arrays or torch tensors,
        copied, detached, on their device), `clip_ids` (the clip of each sample: integers or
        names) and optionally `caption_ids` (one id per caption)."""
        text_emb, audio_emb = same_kind(embedding_array(text_emb, "text_emb"),
                                        embedding_array(audio_emb, "audio_emb"))
        n = int(text_emb.shape[0])
        if int(audio_emb.shape[0]) != n or int(text_emb.shape[1]) != int(audio_emb.shape[1]):
            raise InputError(f"text_emb {tuple(text_emb.shape)} and audio_emb "
                             f"{tuple(audio_emb.shape)} must have one row per sample and the "
                             "same dimension")
        if self._text and (caption_ids is None) != (not self._captions):
            raise ValueError("give caption_ids with every batch or with none")
        if self._text and is_tensor(text_emb) != is_tensor(self._text[0]):
            raise ValueError("give every batch as torch tensors or every batch as NumPy arrays")
        if self._text and int(text_emb.shape[1]) != int(self._text[0].shape[1]):
            raise InputError(f"text_emb has dimension {int(text_emb.shape[1])}, the earlier "
                             f"batches {int(self._text[0].shape[1])}")
        captions = None if caption_ids is None else _ids(caption_ids, "caption_ids", n)
        clips = _ids(clip_ids, "clip_ids", n)
        for label, ids, seen in (("clip_ids", clips, self._clips),
                                 ("caption_ids", captions, self._captions)):
            if ids is not None and n and seen and _kind(ids) != _kind(seen[0]):
                raise InputError(f"{label} are {_kind(ids)} in this batch and {_kind(seen[0])} "
                                 "in the earlier ones; give one kind of id")
        if n == 0:
            return  # an empty batch adds nothing
        self._text.append(_kept(text_emb))
        self._audio.append(_kept(audio_emb))
        self._clips.append(clips)
        if captions is not None:
            self._captions.append(captions)

    def _local(self) -> tuple[Any, Any, npt.NDArray[Any], npt.NDArray[Any] | None]:
        if not self._text:
            return None, None, np.zeros(0, np.int64), None
        return (_cat(self._text), _cat(self._audio), np.concatenate(self._clips),
                np.concatenate(self._captions) if self._captions else None)

    def _gathered(self, dist: Any, size: int) -> tuple[Any, Any, npt.NDArray[Any],
                                                       npt.NDArray[Any] | None]:
        """Every process's samples, process by process. Tensors of every process go through
        `all_gather` (padded to the longest); otherwise the host arrays through
        `all_gather_object`."""
        text, audio, clips, captions = self._local()
        group = self.process_group
        meta = (int(clips.size), text is not None and is_tensor(text), clips, captions)
        metas: list[Any] = [None] * size
        dist.all_gather_object(metas, meta, group=group)
        if any(m[3] is None and m[0] for m in metas):
            raise ValueError("caption_ids are needed when several processes run: "
                             "DistributedSampler repeats samples to even out the processes, "
                             "and only an id per caption shows which rows are repeats")
        counts = [int(m[0]) for m in metas]
        all_clips = np.concatenate([m[2] for m in metas if m[0]])
        all_captions = np.concatenate([m[3] for m in metas if m[0]])
        if all(m[1] for m in metas):  # tensors everywhere: gathered on their device
            longest = max(counts)
            parts = []
            for x in (text, audio):
                pad = x.new_zeros((longest - x.shape[0], x.shape[1]))
                full = sys.modules["torch"].cat([x, pad])
                out = [full.new_empty(full.shape) for _ in range(size)]
                dist.all_gather(out, full.contiguous(), group=group)
                parts.append(_cat([o[:c] for o, c in zip(out, counts, strict=True) if c]))
            return parts[0], parts[1], all_clips, all_captions
        host = (None if text is None else to_numpy(text), None if audio is None
                else to_numpy(audio))
        arrays: list[Any] = [None] * size
        dist.all_gather_object(arrays, host, group=group)
        kept = [a for a, c in zip(arrays, counts, strict=True) if c]
        return (np.concatenate([a[0] for a in kept]), np.concatenate([a[1] for a in kept]),
                all_clips, all_captions)

    def compute(self) -> dict[str, ScoreReport]:
        """`{direction: ScoreReport}` of every sample seen (by every process when synced): the
        same reports as `evaluate_embeddings` on the deduplicated data, captions in caption-id
        order (arrival order without ids), clips in clip-id order. Every process of the group
        must call it (the gathering is collective); each gets the same reports."""
        dist, size = _dist(self.process_group) if self.sync else (None, 1)
        if dist is not None:
            text, audio, clips, captions = self._gathered(dist, size)
        else:
            text, audio, clips, captions = self._local()
        if text is None or clips.size == 0:
            raise InputError("no samples to evaluate: update() was not called since the "
                             "last reset()")
        if captions is not None:
            ids, first = np.unique(captions, return_index=True)
            _same_clip(captions, clips, ids, first)
            keep = first.astype(np.int64)
            text, audio, clips = _take(text, keep), _take(audio, keep), clips[keep]
        clip_ids, clip_first, caption_to_clip = np.unique(clips, return_index=True,
                                                          return_inverse=True)
        return evaluate_embeddings(text, _take(audio, clip_first.astype(np.int64)),
                                   caption_to_clip.astype(np.int64).ravel(), **self.options)


def _same_clip(captions: npt.NDArray[Any], clips: npt.NDArray[Any], ids: npt.NDArray[Any],
               first: npt.NDArray[np.intp]) -> None:
    """A caption id seen twice must come with the same clip both times."""
    where = np.searchsorted(ids, captions)
    wrong = np.flatnonzero(clips != clips[first][where])
    if wrong.size:
        i = int(wrong[0])
        other = clips[first][where][i]
        raise InputError(f"caption id {captions[i].item()!r} is given with clip "
                         f"{clips[i].item()!r} and with clip {other.item()!r}; a caption has "
                         "one clip")

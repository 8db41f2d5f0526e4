"""`evaluate_embeddings`: Clotho's two directions from caption and clip embeddings in one call,
in bounded memory: only one block of similarity rows exists at a time (its size from
`memory_budget`), computed as `queries[lo:hi] @ items.T` on the embeddings' own array type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..editions import Edition
from ..errors import InputError
from .arguments import (
    check_confidence,
    check_flag,
    clip_indices,
    direction_list,
    embedding_array,
    memory_budget_bytes,
    metric_names,
    same_kind,
)
from .conventions.spec import Direction
from .evaluate import DEFAULT_MEMORY_BUDGET, _dtype_size, evaluate_blocks, rows_per_block
from .rankstats import is_tensor
from .scoring import ScoreReport


def _normalized(x: Any) -> Any:
    """Rows scaled to unit L2 norm (cosine similarity); a zero row stays zero. Each row is
    first divided by its largest magnitude, so that no sum of squares overflows (float16
    rows from about 256, any row near the float maximum) into a zero row."""
    if is_tensor(x):
        top = x.abs().amax(dim=1, keepdim=True)
        x = x / top.masked_fill(top == 0, 1)
        return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
    arr = np.asarray(x)
    top = np.max(np.abs(arr), axis=1, keepdims=True) if arr.shape[1] else np.ones((len(arr), 1))
    arr = arr / np.where(top > 0, top, 1).astype(arr.dtype)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12).astype(arr.dtype)


def clip_captions(caption_to_clip: npt.NDArray[np.int64], n_clips: int) -> Any:
    """The audio-to-text relevance: each clip's captions, as a CSR-like object (`tocsr`)."""
    return _Csr(caption_to_clip, n_clips)


class _Csr:
    """The transpose of the caption -> clip index vector, with the one method
    `relevance_csr` asks of a sparse matrix (no SciPy import needed)."""

    def __init__(self, caption_to_clip: npt.NDArray[np.int64], n_clips: int) -> None:
        order = np.argsort(caption_to_clip, kind="stable")
        self.indices = order.astype(np.int32)
        self.indptr = np.zeros(n_clips + 1, np.int64)
        self.indptr[1:] = np.cumsum(np.bincount(caption_to_clip, minlength=n_clips))
        self.data = np.ones(order.size)
        self.shape = (n_clips, int(caption_to_clip.size))

    def tocsr(self) -> _Csr:
        return self

    def sort_indices(self) -> None:
        """Indices are sorted by construction (a stable argsort)."""


def evaluate_embeddings(text_emb: Any, audio_emb: Any, caption_to_clip: Any, *,
                        normalize: bool = True,
                        directions: Sequence[Direction] = ("text-to-audio", "audio-to-text"),
                        edition: str | Edition = "2022", convention: str = "dcase",
                        metrics: Sequence[str] | None = None, confidence: float = 0.95,
                        memory_budget: int = DEFAULT_MEMORY_BUDGET,
                        ) -> dict[str, ScoreReport]:
    """One report per direction. `text_emb` (captions x d) and `audio_emb` (clips x d): NumPy
    arrays or torch tensors; `caption_to_clip[i]`: the clip index of caption i (text-to-audio:
    its one relevant clip; audio-to-text: a clip's captions are its relevant set).
    `normalize`: cosine similarity (rows scaled to unit norm); else the dot product."""
    text_emb, audio_emb = same_kind(embedding_array(text_emb, "text_emb"),
                                    embedding_array(audio_emb, "audio_emb"))
    n_text, n_audio = int(text_emb.shape[0]), int(audio_emb.shape[0])
    c2c = clip_indices(caption_to_clip, n_text, n_audio)
    if int(text_emb.shape[1]) != int(audio_emb.shape[1]):
        raise InputError("text and audio embeddings differ in dimension")
    check_flag(normalize, "normalize")
    directions = direction_list(directions)
    metrics = metric_names(metrics)
    check_confidence(confidence)
    memory_budget = memory_budget_bytes(memory_budget)
    text = _normalized(text_emb) if normalize else text_emb
    audio = _normalized(audio_emb) if normalize else audio_emb
    out: dict[str, ScoreReport] = {}
    for direction in directions:
        if direction == "text-to-audio":
            queries, items, relevance = text, audio, c2c
        elif direction == "audio-to-text":
            queries, items, relevance = audio, text, clip_captions(c2c, n_audio)
        else:
            raise ValueError("direction is 'text-to-audio' or 'audio-to-text'")
        n_q, n_items = int(queries.shape[0]), int(items.shape[0])
        rows = rows_per_block(n_items, _dtype_size(queries), memory_budget)
        items_t = items.T

        def block(lo: int, hi: int, q: Any = queries, it: Any = items_t) -> Any:
            return q[lo:hi] @ it

        out[direction] = evaluate_blocks(block, n_q, n_items, relevance, edition=edition,
                                         direction=direction, convention=convention,
                                         metrics=metrics, confidence=confidence,
                                         block_rows=rows)
    return out

"""Sampling-based triplet loss of the task paper, equation (1), with dot-product scores.

For each matching pair (a_i, t_i) of a batch, one imposter caption t_j and one imposter clip a_k
are drawn at random from the batch among pairs of *other* clips (a clip has five captions, so a
batch may hold two captions of one clip; those are not imposters of each other):

    l_i = max(0, m + S(a_i, t_j) - S(a_i, t_i)) + max(0, m + S(a_k, t_i) - S(a_i, t_i)),

S = dot product, m = 1; the batch loss is the mean of l_i. The sampling is separate from the
loss so that a test can pin it by hand and training can seed it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor

IntArray = npt.NDArray[np.int64]


def sample_imposters(clip_ids: npt.ArrayLike, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """(imposter caption index, imposter clip index) per pair; -1 where the batch has none."""
    ids = np.asarray(clip_ids)
    n = ids.size
    captions = np.full(n, -1, np.int64)
    clips = np.full(n, -1, np.int64)
    for i in range(n):
        others = np.flatnonzero(ids != ids[i])
        if others.size:
            captions[i] = others[rng.integers(others.size)]
            clips[i] = others[rng.integers(others.size)]
    return captions, clips


def triplet_loss(audio: Tensor, text: Tensor, imposter_captions: IntArray,
                 imposter_clips: IntArray, margin: float = 1.0) -> Tensor:
    """Mean over pairs of the two hinge terms of eq. (1); pairs without imposters add 0."""
    positive = (audio * text).sum(dim=1)
    cap = torch.as_tensor(imposter_captions, dtype=torch.long, device=audio.device)
    clip = torch.as_tensor(imposter_clips, dtype=torch.long, device=audio.device)
    has_cap, has_clip = cap >= 0, clip >= 0
    s_caption = (audio * text[cap.clamp(min=0)]).sum(dim=1)  # S(a_i, t_j)
    s_clip = (audio[clip.clamp(min=0)] * text).sum(dim=1)  # S(a_k, t_i)
    zero = torch.zeros_like(positive)
    term_caption = torch.where(has_cap, torch.relu(margin + s_caption - positive), zero)
    term_clip = torch.where(has_clip, torch.relu(margin + s_clip - positive), zero)
    return (term_caption + term_clip).mean()

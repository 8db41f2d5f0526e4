"""The sampling-based triplet loss (paper eq. 1) on a hand-computed batch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dcase_retrieval_baseline.loss import sample_imposters, triplet_loss  # noqa: E402


def test_hand_computed_batch() -> None:
    audio = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    text = torch.tensor([[2.0, 0.0], [0.0, 0.5], [1.0, -1.0]])
    # positives S(a_i, t_i): 2, 0.5, 0
    imposter_captions = np.array([1, 2, 0])  # S(a_i, t_j): 0, -1, 2
    imposter_clips = np.array([2, 0, 1])  # S(a_k, t_i): 2, 0, -1
    # pair 0: max(0, 1 + 0 - 2) + max(0, 1 + 2 - 2) = 0 + 1 = 1
    # pair 1: max(0, 1 - 1 - 0.5) + max(0, 1 + 0 - 0.5) = 0 + 0.5 = 0.5
    # pair 2: max(0, 1 + 2 - 0) + max(0, 1 - 1 - 0) = 3 + 0 = 3
    loss = triplet_loss(audio, text, imposter_captions, imposter_clips, margin=1.0)
    assert loss.item() == pytest.approx((1 + 0.5 + 3) / 3)


def test_pairs_without_imposters_add_nothing() -> None:
    audio = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    text = torch.tensor([[0.0, 0.0], [0.0, 3.0]])
    loss = triplet_loss(audio, text, np.array([-1, 0]), np.array([1, -1]), margin=1.0)
    # pair 0: only the clip term, max(0, 1 + S(a_1, t_0) - 0) = 1; pair 1: 1 + 0 - 3 < 0
    assert loss.item() == pytest.approx(0.5)


def test_gradient_flows_to_audio_only_through_active_hinges() -> None:
    audio = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    text = torch.tensor([[5.0, 0.0], [0.0, 5.0]])
    loss = triplet_loss(audio, text, np.array([1, 0]), np.array([1, 0]), margin=1.0)
    loss.backward()
    assert loss.item() == 0.0 and torch.count_nonzero(audio.grad) == 0


def test_imposters_come_from_other_clips() -> None:
    clip_ids = np.array([7, 7, 3, 9, 3, 7])
    rng = np.random.default_rng(0)
    for _ in range(50):
        captions, clips = sample_imposters(clip_ids, rng)
        assert np.all(clip_ids[captions] != clip_ids)
        assert np.all(clip_ids[clips] != clip_ids)
    captions, clips = sample_imposters(np.array([4, 4]), rng)
    assert captions.tolist() == [-1, -1] and clips.tolist() == [-1, -1]

"""The CRNN of the task paper: structure, L4 pooling, shapes."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from dcase_retrieval_baseline.config import ModelConfig  # noqa: E402
from dcase_retrieval_baseline.model import CRNN, ConvBlock  # noqa: E402
from torch import nn  # noqa: E402


def test_l4_pooling_on_a_hand_example() -> None:
    model = CRNN(ModelConfig(), 64)
    assert isinstance(model.pool, nn.LPPool2d) and model.pool.norm_type == 4
    x = torch.tensor([1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 0.5, 2.0]).reshape(1, 1, 8, 1)
    pool = nn.LPPool2d(4, kernel_size=(4, 1))
    out = pool(x).flatten()
    # (1 + 16 + 81 + 256) ** 0.25 and (1 + 1/16 + 1/16 + 16) ** 0.25
    assert torch.allclose(out, torch.tensor([354.0 ** 0.25, 17.125 ** 0.25]))
    assert model.pool.kernel_size == (4, 4)


def test_five_blocks_in_the_papers_order() -> None:
    model = CRNN(ModelConfig(), 64)
    assert len(model.blocks) == 5
    for block in model.blocks:
        assert isinstance(block, ConvBlock)
        assert list(block._modules) == ["bn", "conv", "act"]
        assert block.conv.kernel_size == (3, 3) and block.conv.padding == (1, 1)
        assert block.act.negative_slope == 0.1
    assert model.dropout.p == 0.3
    assert model.gru.bidirectional
    assert model.time_factor == 64  # x4 after blocks 1, 3 and 5


@pytest.mark.parametrize("frames", [1, 63, 64, 333, 501])
def test_frames_in_equal_frames_out_and_300d(frames: int) -> None:
    model = CRNN(ModelConfig(), 64).eval()
    x = torch.randn(2, frames, 64)
    with torch.no_grad():
        per_frame = model.frame_embeddings(x)
        clip = model(x)
    assert per_frame.shape == (2, frames, 300)
    assert clip.shape == (2, 300)
    assert torch.allclose(clip, per_frame.mean(dim=1), atol=1e-6)


def test_gru_sees_the_time_subsampled_sequence() -> None:
    model = CRNN(ModelConfig(), 64).eval()
    seen = {}
    model.gru.register_forward_hook(lambda _m, inp, _out: seen.update(shape=inp[0].shape))
    with torch.no_grad():
        model(torch.randn(1, 500, 64))
    assert seen["shape"] == (1, 8, 64)  # ceil(500 / 64) steps, 64 channels x 1 band


def test_lengths_exclude_padding_from_the_mean() -> None:
    model = CRNN(ModelConfig(), 64).eval()
    x = torch.randn(2, 200, 64)
    lengths = torch.tensor([200, 120])
    with torch.no_grad():
        frames = model.frame_embeddings(x)
        clip = model(x, lengths)
    assert torch.allclose(clip[1], frames[1, :120].mean(dim=0), atol=1e-6)
    assert torch.allclose(clip[0], frames[0].mean(dim=0), atol=1e-6)


def test_too_few_mel_bands_are_refused() -> None:
    with pytest.raises(ValueError):
        CRNN(ModelConfig(), 32)

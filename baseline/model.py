"""The CRNN audio encoder of the task paper (section 3).

Five conv blocks (batch norm, 3x3 padded conv, LeakyReLU 0.1), L4-norm subsampling by 4 in time
(and in frequency) after blocks 1, 3 and 5, dropout 0.3, a BiGRU, a frame-wise projection to
300-d, upsampling back to the input frame count, and the mean over the clip's frames. The output
lives in the word-vector space, so a caption is scored by a dot product with it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ModelConfig

POOL_AFTER = (0, 2, 4)  # blocks 1, 3 and 5


class ConvBlock(nn.Module):
    """Batch norm, 3x3 same-padded convolution, LeakyReLU (in this order, as in the paper)."""

    def __init__(self, c_in: int, c_out: int, slope: float) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(c_in)
        self.conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        self.act = nn.LeakyReLU(slope)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.conv(self.bn(x)))


class CRNN(nn.Module):
    """Log-mel frames (batch, frames, mels) -> clip embedding (batch, embed_dim)."""

    def __init__(self, cfg: ModelConfig, n_mels: int) -> None:
        super().__init__()
        self.cfg = cfg
        n_pools = len(POOL_AFTER)
        freq_out = n_mels // cfg.freq_pool**n_pools
        if freq_out < 1:
            raise ValueError(f"{n_mels} mel bands cannot be pooled by {cfg.freq_pool} three times")
        channels = (1, *cfg.conv_channels)
        self.blocks = nn.ModuleList(
            ConvBlock(channels[i], channels[i + 1], cfg.leaky_slope) for i in range(5)
        )
        self.pool = nn.LPPool2d(cfg.lp_norm, kernel_size=(cfg.time_pool, cfg.freq_pool))
        self.dropout = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(channels[-1] * freq_out, cfg.gru_hidden, batch_first=True,
                          bidirectional=True)
        self.proj = nn.Linear(2 * cfg.gru_hidden, cfg.embed_dim)
        self.time_factor = cfg.time_pool**n_pools

    def frame_embeddings(self, x: Tensor) -> Tensor:
        """(batch, frames, mels) -> (batch, frames, embed_dim): one embedding per input frame."""
        n_frames = x.shape[1]
        padded = -(-n_frames // self.time_factor) * self.time_factor
        h = F.pad(x, (0, 0, 0, padded - n_frames)).unsqueeze(1)  # (B, 1, T, M)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in POOL_AFTER:
                h = self.pool(h)
        b, c, t, f = h.shape
        h = self.dropout(h.permute(0, 2, 1, 3).reshape(b, t, c * f))
        h, _ = self.gru(h)
        h = self.proj(h)  # (B, T', D)
        h = F.interpolate(h.transpose(1, 2), size=padded, mode="nearest").transpose(1, 2)
        return h[:, :n_frames]

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Mean of the frame embeddings over each clip's own frames (padding excluded)."""
        frames = self.frame_embeddings(x)
        if lengths is None:
            return frames.mean(dim=1)
        mask = (torch.arange(frames.shape[1], device=x.device)[None, :] < lengths[:, None])
        mask_f = mask.to(frames.dtype).unsqueeze(-1)
        return (frames * mask_f).sum(dim=1) / lengths.clamp(min=1).to(frames.dtype)[:, None]

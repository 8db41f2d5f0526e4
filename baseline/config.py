"""Every hyperparameter of the baseline, with the task paper's values as defaults.

One pydantic model so that a run directory records exactly what was trained (`config.yaml`) and a
user changes any value from a YAML file (`--config FILE`) without touching code. Unknown keys are
refused, so a misspelt option cannot silently fall back to a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureConfig(_Strict):
    """Log mel-band energies (paper: 64 bands, 40 ms Hann window, 20 ms hop)."""

    sample_rate: int = Field(44_100, gt=0, description="every file is resampled to this rate")
    n_mels: int = Field(64, gt=0)
    window_seconds: float = Field(0.040, gt=0)
    hop_seconds: float = Field(0.020, gt=0)
    n_fft: int = Field(2048, gt=0, description="FFT size; the window is zero-padded to it")
    fmin: float = Field(0.0, ge=0)
    fmax: float | None = Field(None, description="upper band edge; None = Nyquist")

    @model_validator(mode="after")
    def _window_fits(self) -> FeatureConfig:
        if round(self.window_seconds * self.sample_rate) > self.n_fft:
            raise ValueError("n_fft must be at least the window length in samples")
        return self


class ModelConfig(_Strict):
    """The CRNN audio encoder (paper section 3)."""

    conv_channels: tuple[int, int, int, int, int] = (32, 64, 64, 128, 128)
    time_pool: int = Field(4, ge=1, description="L4 subsampling in time after blocks 1, 3, 5")
    freq_pool: int = Field(4, ge=1, description="L4 subsampling in frequency after blocks 1, 3, 5")
    lp_norm: float = Field(4.0, gt=0, description="power of the Lp pooling (L4-norm)")
    leaky_slope: float = 0.1
    dropout: float = Field(0.3, ge=0, lt=1)
    gru_hidden: int = Field(150, gt=0, description="per direction of the BiGRU")
    embed_dim: int = Field(300, gt=0, description="must equal the word-vector size")


class TextConfig(_Strict):
    """Word2Vec skip-gram vectors trained on the development captions when no file is given."""

    vector_size: int = Field(300, gt=0)
    window: int = Field(5, gt=0)
    min_count: int = Field(1, ge=1)
    epochs: int = Field(30, gt=0, description="passes over the captions (small corpora need many)")
    lowercase: bool = True


class TrainConfig(_Strict):
    """Optimisation (paper: batch 32, Adam 1e-3, <=150 epochs, LR x0.1 after 5, stop after 10)."""

    batch_size: int = Field(32, gt=1)
    learning_rate: float = Field(1e-3, gt=0)
    max_epochs: int = Field(150, gt=0)
    lr_patience: int = Field(5, gt=0, description="epochs without improvement before LR x factor")
    lr_factor: float = Field(0.1, gt=0, le=1)
    stop_patience: int = Field(10, gt=0, description="epochs without improvement before stopping")
    margin: float = Field(1.0, ge=0, description="triplet-loss margin")
    seed: int = 0
    threads: int = Field(2, ge=1, description="torch CPU threads")


class BaselineConfig(_Strict):
    """The whole recipe."""

    features: FeatureConfig = FeatureConfig()
    model: ModelConfig = ModelConfig()
    text: TextConfig = TextConfig()
    train: TrainConfig = TrainConfig()

    @model_validator(mode="after")
    def _dims_agree(self) -> BaselineConfig:
        if self.model.embed_dim != self.text.vector_size:
            raise ValueError("model.embed_dim must equal text.vector_size (dot-product scores)")
        return self


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: str | Path | None = None) -> BaselineConfig:
    """The defaults, overridden by the (partial, nested) YAML file at `path` if given."""
    if path is None:
        return BaselineConfig()
    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of sections (features, model, text, train)")
    return BaselineConfig.model_validate(_merge(BaselineConfig().model_dump(), data))


def dump_config(config: BaselineConfig) -> str:
    """YAML text of a config, loadable by `load_config`."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)

"""Every hyperparameter of the baseline, with the task paper's values as defaults.

One pydantic model so that a run directory records exactly what was trained (`config.yaml`) and a
user changes any value from a YAML file (`--config FILE`) without touching code. Unknown keys are
refused, so a misspelt option cannot silently fall back to a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureConfig(_Strict):
    """Log mel-band energies (paper: 64 bands, 40 ms Hann window, 20 ms hop)."""

    # every file is resampled to this rate
    sample_rate: Annotated[int, Field(gt=0)] = 44_100
    n_mels: Annotated[int, Field(gt=0)] = 64
    window_seconds: Annotated[float, Field(gt=0)] = 0.040
    hop_seconds: Annotated[float, Field(gt=0)] = 0.020
    # FFT size; the window is zero-padded to it
    n_fft: Annotated[int, Field(gt=0)] = 2048
    fmin: Annotated[float, Field(ge=0)] = 0.0
    fmax: Annotated[float | None, Field(description="upper band edge; None = Nyquist")] = None

    @model_validator(mode="after")
    def _window_fits(self) -> FeatureConfig:
        if round(self.window_seconds * self.sample_rate) > self.n_fft:
            raise ValueError("n_fft must be at least the window length in samples")
        return self


class ModelConfig(_Strict):
    """The CRNN audio encoder (paper section 3)."""

    conv_channels: tuple[int, int, int, int, int] = (16, 32, 32, 64, 64)
    # L4 subsampling in time after blocks 1, 3, 5
    time_pool: Annotated[int, Field(ge=1)] = 4
    # L4 subsampling in frequency after blocks 1, 3, 5
    freq_pool: Annotated[int, Field(ge=1)] = 4
    lp_norm: Annotated[float, Field(gt=0, description="power of the Lp pooling (L4-norm)")] = 4.0
    leaky_slope: float = 0.1
    dropout: Annotated[float, Field(ge=0, lt=1)] = 0.3
    gru_hidden: Annotated[int, Field(gt=0, description="per direction of the BiGRU")] = 150
    embed_dim: Annotated[int, Field(gt=0, description="must equal the word-vector size")] = 300


class TextConfig(_Strict):
    """Word2Vec skip-gram vectors trained on the development captions when no file is given."""

    vector_size: Annotated[int, Field(gt=0)] = 300
    window: Annotated[int, Field(gt=0)] = 5
    min_count: Annotated[int, Field(ge=1)] = 1
    # passes over the captions (small corpora need many)
    epochs: Annotated[int, Field(gt=0)] = 30
    lowercase: bool = True


class TrainConfig(_Strict):
    """Optimisation (paper: batch 32, Adam 1e-3, <=150 epochs, LR x0.1 after 5, stop after 10)."""

    batch_size: Annotated[int, Field(gt=1)] = 32
    learning_rate: Annotated[float, Field(gt=0)] = 1e-3
    max_epochs: Annotated[int, Field(gt=0)] = 150
    # epochs without improvement before LR x factor
    lr_patience: Annotated[int, Field(gt=0)] = 5
    lr_factor: Annotated[float, Field(gt=0, le=1)] = 0.1
    # epochs without improvement before stopping
    stop_patience: Annotated[int, Field(gt=0)] = 10
    margin: Annotated[float, Field(ge=0, description="triplet-loss margin")] = 1.0
    seed: int = 0
    threads: Annotated[int, Field(ge=1, description="torch CPU threads")] = 2
    # cpu is bit-for-bit deterministic; cuda (auto = cuda when available) needs a CUDA torch build
    device: Literal["cpu", "cuda", "auto"] = "cpu"


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
    text: str = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    return text

"""Every hyperparameter of the baseline, with the task paper's values as defaults.

One pydantic model so that a run directory records exactly what was trained (`config.yaml`) and a
user changes any value from a YAML file (`--config FILE`) without touching code. Unknown keys,
duplicate keys, values of the wrong type (`max_epochs: true`, `gru_hidden: 1.5`) and values
outside the range a run can use are refused before anything is computed: a value that validates
must never crash a run or silently give garbage. Each range is in the field's description.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError

MIN_WINDOW_SAMPLES = 16


class _Strict(BaseModel):
    # strict: no bool-as-int, no float-to-int, no strings for numbers; no inf/nan anywhere
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _int(lo: int, hi: int, doc: str = "") -> Any:
    return Field(ge=lo, le=hi, description=f"{doc} [{lo}, {hi}]".strip())


class FeatureConfig(_Strict):
    """Log mel-band energies (paper: 64 bands, 40 ms Hann window, 20 ms hop)."""

    sample_rate: Annotated[int, _int(8_000, 192_000, "every file is resampled to this rate")] = (
        44_100)
    n_mels: Annotated[int, _int(1, 256)] = 64
    window_seconds: Annotated[float, Field(ge=0.001, le=1.0)] = 0.040
    hop_seconds: Annotated[float, Field(ge=0.001, le=1.0, description="at most the window")] = (
        0.020)
    n_fft: Annotated[int, _int(16, 65_536, "FFT size; the window is zero-padded to it")] = 2048
    fmin: Annotated[float, Field(ge=0, description="lower band edge, below fmax")] = 0.0
    fmax: Annotated[float | None, Field(gt=0, description="upper band edge; None = Nyquist")] = (
        None)
    max_clip_seconds: Annotated[float, Field(
        ge=1, le=36_000, description="longer clips are skipped and named (memory)")] = 1800.0

    @model_validator(mode="after")
    def _consistent(self) -> FeatureConfig:
        window = round(self.window_seconds * self.sample_rate)
        if window < MIN_WINDOW_SAMPLES:
            raise ValueError(f"features.window_seconds gives {window} samples at "
                             f"{self.sample_rate} Hz; at least {MIN_WINDOW_SAMPLES} are needed")
        if window > self.n_fft:
            raise ValueError(f"features.n_fft ({self.n_fft}) must be at least the window length "
                             f"in samples ({window})")
        if self.hop_seconds > self.window_seconds:
            raise ValueError("features.hop_seconds must not exceed features.window_seconds "
                             "(samples between frames would be ignored)")
        nyquist = self.sample_rate / 2
        top = nyquist if self.fmax is None else self.fmax
        if top > nyquist:
            raise ValueError(f"features.fmax ({top:g} Hz) is above the Nyquist frequency "
                             f"({nyquist:g} Hz) of features.sample_rate")
        if self.fmin >= top:
            raise ValueError(f"features.fmin ({self.fmin:g} Hz) must be below the upper band "
                             f"edge ({top:g} Hz)")
        if self.n_mels > self.n_fft // 2 + 1:
            raise ValueError(f"features.n_mels ({self.n_mels}) exceeds the {self.n_fft // 2 + 1} "
                             "frequency bins of features.n_fft")
        return self


class ModelConfig(_Strict):
    """The CRNN audio encoder (paper section 3)."""

    conv_channels: Annotated[
        tuple[Annotated[int, Field(ge=1, le=512)], Annotated[int, Field(ge=1, le=512)],
              Annotated[int, Field(ge=1, le=512)], Annotated[int, Field(ge=1, le=512)],
              Annotated[int, Field(ge=1, le=512)]],
        Field(strict=False, description="five blocks, each [1, 512]"),
    ] = (16, 32, 32, 64, 64)
    time_pool: Annotated[int, _int(1, 8, "L4 subsampling in time after blocks 1, 3, 5")] = 4
    freq_pool: Annotated[int, _int(1, 8, "L4 subsampling in frequency after blocks 1, 3, 5")] = 4
    lp_norm: Annotated[float, Field(ge=1, le=8, description="power of the Lp pooling")] = 4.0
    leaky_slope: Annotated[float, Field(ge=0, le=1)] = 0.1
    dropout: Annotated[float, Field(ge=0, lt=1)] = 0.3
    gru_hidden: Annotated[int, _int(1, 2048, "per direction of the BiGRU")] = 150
    embed_dim: Annotated[int, _int(1, 2048, "must equal text.vector_size")] = 300


class TextConfig(_Strict):
    """Word2Vec skip-gram vectors trained on the development captions when no file is given."""

    vector_size: Annotated[int, _int(1, 2048)] = 300
    window: Annotated[int, _int(1, 50)] = 5
    min_count: Annotated[int, _int(1, 1000)] = 1
    epochs: Annotated[int, _int(1, 1000, "passes over the captions (small corpora need many)")] = 30
    lowercase: bool = True
    max_oov_rate: Annotated[float, Field(
        ge=0, le=1, description="stop when a larger share of caption words has no vector")] = 0.5


class TrainConfig(_Strict):
    """Optimisation (paper: batch 32, Adam 1e-3, <=150 epochs, LR x0.1 after 5, stop after 10)."""

    batch_size: Annotated[int, _int(2, 1024)] = 32
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 1e-3
    max_epochs: Annotated[int, _int(1, 10_000)] = 150
    lr_patience: Annotated[int, _int(1, 1000, "epochs without improvement before LR x factor")] = 5
    lr_factor: Annotated[float, Field(gt=0, le=1)] = 0.1
    stop_patience: Annotated[int, _int(1, 1000, "epochs without improvement before stopping")] = 10
    margin: Annotated[float, Field(ge=0, le=100, description="triplet-loss margin")] = 1.0
    seed: Annotated[int, _int(0, 2**32 - 1)] = 0
    threads: Annotated[int, _int(1, 256, "torch CPU threads; the result depends on it")] = 2
    crop_seconds: Annotated[float, Field(
        ge=1, le=600, description="longer clips are cropped to a random window in training")] = 30.0
    # cpu is bit-for-bit deterministic; cuda (auto = cuda when available) needs a CUDA torch build
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    # the validation measure that picks best.pt and counts the epochs without improvement for
    # the LR drops and the early stop: the task's metric, or the paper's validation loss
    monitor: Literal["mAP@10", "loss"] = "mAP@10"


class BaselineConfig(_Strict):
    """The whole recipe."""

    features: FeatureConfig = FeatureConfig()
    model: ModelConfig = ModelConfig()
    text: TextConfig = TextConfig()
    train: TrainConfig = TrainConfig()

    @model_validator(mode="after")
    def _parts_agree(self) -> BaselineConfig:
        if self.model.embed_dim != self.text.vector_size:
            raise ValueError("model.embed_dim must equal text.vector_size (dot-product scores)")
        if self.model.freq_pool**3 > self.features.n_mels:
            raise ValueError(f"features.n_mels ({self.features.n_mels}) cannot be pooled by "
                             f"model.freq_pool ({self.model.freq_pool}) three times; lower "
                             "model.freq_pool or raise features.n_mels")
        return self


class _UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no types here
    """YAML's safe loader, refusing a key given twice in one mapping (the last would win)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(f"line {key_node.start_mark.line + 1}: the key {key!r} is given "
                              "twice in one section; keep one")
        seen.add(key)
    return dict(loader.construct_mapping(node, deep=deep))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)
# YAML 1.1 reads `1e-9` (no dot) as a string; a user means the number, so read it as one
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def describe_validation_error(exc: ValidationError) -> str:
    """All problems of a config in one line: `key.path: what is wrong` joined by '; '."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"{loc}: unknown key")
        elif err["type"] == "value_error":
            parts.append(str(err["msg"]).removeprefix("Value error, "))
        else:
            given = err.get("input")
            shown = "" if isinstance(given, dict | list) else f" (given {given!r})"
            parts.append(f"{loc}: {err['msg']}{shown}" if loc else f"{err['msg']}{shown}")
    return "; ".join(" ".join(p.split()) for p in parts)


def parse_config(data: Any, source: str) -> BaselineConfig:
    """The defaults overridden by a (partial, nested) mapping; ConfigError names `source`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections (features, model, text, "
                          "train); see docs/baseline.md")
    try:
        return BaselineConfig.model_validate(_merge(BaselineConfig().model_dump(), data))
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_validation_error(exc)}; fix the file (every key "
                          "and its range: docs/baseline.md)") from None


def load_config(path: str | Path | None = None) -> BaselineConfig:
    """The defaults, overridden by the (partial, nested) YAML file at `path` if given."""
    if path is None:
        return BaselineConfig()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the config as UTF-8 YAML") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc}); give a readable "
                          "YAML file") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: {where}not valid YAML ({' '.join(str(problem).split())}); "
                          "fix the file") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config; fix the file") from None
    except ValueError as exc:  # an integer longer than Python's int-string limit (4,300 digits)
        raise ConfigError(f"{path}: a value cannot be read ({' '.join(str(exc).split())[:120]}); "
                          "fix the file") from None
    return parse_config(data, str(path))


def dump_config(config: BaselineConfig) -> str:
    """YAML text of a config, loadable by `load_config`."""
    text: str = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    return text

"""The baseline's config: the paper's defaults, partial YAML overrides, strictness."""

from __future__ import annotations

from pathlib import Path

import pytest
from dcase_retrieval_baseline.config import BaselineConfig, dump_config, load_config
from dcase_retrieval_baseline.errors import ConfigError
from pydantic import ValidationError


def test_defaults_are_the_papers() -> None:
    cfg = load_config(None)
    assert (cfg.features.n_mels, cfg.features.window_seconds, cfg.features.hop_seconds) == (
        64, 0.04, 0.02)
    assert (cfg.model.time_pool, cfg.model.lp_norm, cfg.model.dropout) == (4, 4.0, 0.3)
    assert cfg.model.leaky_slope == 0.1 and cfg.model.embed_dim == cfg.text.vector_size == 300
    t = cfg.train
    assert (t.batch_size, t.learning_rate, t.max_epochs) == (32, 1e-3, 150)
    assert (t.lr_patience, t.lr_factor, t.stop_patience, t.margin) == (5, 0.1, 10, 1.0)


def test_partial_yaml_overrides_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  max_epochs: 7\ntext: {epochs: 3}\n")
    cfg = load_config(path)
    assert cfg.train.max_epochs == 7 and cfg.text.epochs == 3
    assert cfg.train.batch_size == 32 and cfg.features.n_mels == 64
    (tmp_path / "dump.yaml").write_text(dump_config(cfg))
    assert load_config(tmp_path / "dump.yaml") == cfg


@pytest.mark.parametrize("text", ["train: {batch_sise: 8}\n", "model: {dropout: 1.5}\n",
                                  "features: {n_fft: 512}\n", "- 1\n"])
def test_bad_configs_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_config(path)


def test_configs_are_immutable() -> None:
    with pytest.raises(ValidationError):
        BaselineConfig().train.seed = 3  # type: ignore[misc]


def test_every_key_and_its_range_is_documented() -> None:
    """Refusals point to docs/baseline.md for 'every key and its range': it must hold them."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "baseline.md").read_text("utf-8")
    for section, field in BaselineConfig.model_fields.items():
        assert field.annotation is not None
        for key in field.annotation.model_fields:
            assert f"| `{section}.{key}` |" in docs, f"{section}.{key}"

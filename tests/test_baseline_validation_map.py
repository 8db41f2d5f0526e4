"""Validation monitoring by the task's metric: each epoch's validation mAP@10 is the toolkit's
`evaluate` on that epoch's caption and clip embeddings, it is logged and plotted beside the
losses, and best.pt is the epoch it ranks first (or the loss, with `train.monitor: loss`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import evaluate
from tests.baseline_data import TINY_YAML, make_challenge, one_line_error, run_baseline, tiny_config

torch = pytest.importorskip("torch")
pytest.importorskip("gensim")

from dcase_retrieval_baseline.config import BaselineConfig  # noqa: E402
from dcase_retrieval_baseline.data import Normalizer  # noqa: E402
from dcase_retrieval_baseline.features import split_features  # noqa: E402
from dcase_retrieval_baseline.model import CRNN  # noqa: E402
from dcase_retrieval_baseline.monitor import SERIES, encode_audio, plot_curves  # noqa: E402
from dcase_retrieval_baseline.train import crop_frames, load_caption_encoder, train  # noqa: E402

SMALL = {
    "model": {"conv_channels": [4, 4, 8, 8, 8], "gru_hidden": 8, "embed_dim": 16},
    "text": {"vector_size": 16, "epochs": 5},
    "train": {"batch_size": 8, "max_epochs": 3, "threads": 1},
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("monitor"))


def _validation_map10(run: Path, data: Path, cfg: BaselineConfig) -> float:
    """evaluate() on the validation embeddings of last.pt's weights, built here from the
    captions CSV: every caption a query, its own clip the one relevant item."""
    state = torch.load(run / "last.pt", weights_only=True)
    best = torch.load(run / "best.pt", weights_only=True)
    model = CRNN(cfg.model, cfg.features.n_mels)
    model.load_state_dict(state["model"])
    norm = Normalizer(best["norm_mean"].numpy(), best["norm_std"].numpy())
    sf = split_features(data, "validation", cfg.features, progress=False)
    with open(data / "clotho_captions_validation.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    captions = [c for row in rows for c in row[1:]]
    clip_of = np.array([sf.names.index(row[0]) for row in rows for _ in row[1:]])
    text = load_caption_encoder(run).encode(captions)
    audio = encode_audio(model, sf, norm, cfg.train.batch_size,
                         cfg.train.batch_size * crop_frames(cfg))
    report = evaluate(text @ audio.T, clip_of, metrics=["mAP@10"])
    return report.metrics["mAP@10"].value


def _log(run: Path) -> list[dict[str, str]]:
    with open(run / "log.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_each_epoch_logs_the_validation_map10_evaluate_gives(data: Path, tmp_path: Path) -> None:
    cfg = BaselineConfig.model_validate(SMALL)
    run = tmp_path / "run"
    expected: dict[int, float] = {}

    def measure(epoch: int) -> None:  # after the epoch's last.pt and log.csv are written
        expected[epoch] = _validation_map10(run, data, cfg)

    result = train(data, run, cfg, progress=False, on_epoch_end=measure)
    assert sorted(expected) == [1, 2, 3]
    log = _log(run)
    assert [int(r["epoch"]) for r in log] == [1, 2, 3]
    logged = [float(r["val_map10"]) for r in log]
    assert logged == pytest.approx([expected[e] for e in (1, 2, 3)], abs=1e-12)
    assert all(1 / 3 <= m <= 1 for m in logged)  # 3 validation clips: AP is at least 1/3
    history = torch.load(run / "last.pt", weights_only=True)["history"]
    assert [h["val_map10"] for h in history] == logged
    assert list(log[0]) == ["epoch", "train_loss", "val_loss", "val_map10", "learning_rate",
                            "seconds", "best"]

    # model selection follows validation mAP@10: best.pt is the first epoch with the maximum
    best_epoch = 1 + int(np.argmax(logged))
    assert result.best_epoch == best_epoch and result.monitor == "mAP@10"
    assert result.best_val_map10 == logged[best_epoch - 1]
    best = torch.load(run / "best.pt", weights_only=True)
    assert best["epoch"] == best_epoch and best["val_map10"] == logged[best_epoch - 1]
    assert [int(r["best"]) for r in log][0] == 1
    record = json.loads((run / "result.json").read_text(encoding="utf-8"))
    assert record["best_val_map10"] == logged[best_epoch - 1] and record["monitor"] == "mAP@10"

    # the plot beside the checkpoints, naming both series
    assert (run / "loss.png").read_bytes()[:4] == b"\x89PNG"
    fig = plot_curves([{k: float(v) for k, v in r.items()} for r in log])
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]
    assert labels[:3] == list(SERIES) == ["training loss", "validation loss", "validation mAP@10"]
    assert any(ax.get_ylabel().startswith("validation mAP@10") for ax in fig.axes)


def test_monitor_loss_selects_by_the_validation_loss(data: Path, tmp_path: Path) -> None:
    """The paper's recipe: best.pt, LR drops and early stop follow the validation loss."""
    cfg = BaselineConfig.model_validate({**SMALL, "train": {**SMALL["train"], "monitor": "loss"}})
    run = tmp_path / "run"
    result = train(data, run, cfg, progress=False)
    losses = [float(r["val_loss"]) for r in _log(run)]
    assert result.monitor == "loss" and result.best_epoch == 1 + int(np.argmin(losses))
    assert torch.load(run / "best.pt", weights_only=True)["epoch"] == result.best_epoch


def test_the_cli_reports_the_selection_and_refuses_an_unknown_monitor(data: Path,
                                                                     tmp_path: Path) -> None:
    run = tmp_path / "run"
    done = run_baseline("train", "--data", data, "--out", run, "--config", tiny_config(tmp_path),
                        "--quiet")
    assert done.exit_code == 0, done.output
    last = done.output.strip().splitlines()[-1]
    assert last.startswith(f"{run}: best epoch ") and "by validation mAP@10: mAP@10 0." in last
    assert [line for line in done.output.splitlines() if line.startswith("epoch ")][0].count(
        "mAP@10 ") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_YAML.replace("threads: 1}", "threads: 1, monitor: recall}"))
    line = one_line_error(run_baseline("train", "--data", data, "--out", tmp_path / "r2",
                                       "--config", bad))
    assert "train.monitor" in line, line


def test_a_run_of_the_version_before_monitoring_is_refused_with_the_reason(
        data: Path, tmp_path: Path) -> None:
    from dcase_retrieval_baseline.config import dump_config, load_config

    config = tiny_config(tmp_path)
    run = tmp_path / "old run"
    run.mkdir()
    text = dump_config(load_config(config))
    assert "  monitor: mAP@10\n" in text
    (run / "config.yaml").write_text(text.replace("  monitor: mAP@10\n", ""), encoding="utf-8")
    line = one_line_error(run_baseline("train", "--data", data, "--out", run, "--config", config))
    assert "older version of the baseline" in line and "has no train.monitor" in line, line
    assert "use a new RUN_DIR" in line
    other = tmp_path / "other run"
    other.mkdir()
    (other / "config.yaml").write_text(text.replace("max_epochs: 2", "max_epochs: 3"))
    line = one_line_error(run_baseline("train", "--data", data, "--out", other, "--config",
                                       config))
    assert "another configuration" in line, line

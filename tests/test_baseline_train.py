"""Training and prediction on a tiny synthetic challenge: outputs, determinism, resume."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gensim")

from dcase_retrieval_baseline.config import BaselineConfig, dump_config, load_config  # noqa: E402
from dcase_retrieval_baseline.errors import ConfigError  # noqa: E402
from dcase_retrieval_baseline.predict import predict  # noqa: E402
from dcase_retrieval_baseline.synth import synthesize  # noqa: E402
from dcase_retrieval_baseline.train import RunMismatchError, train  # noqa: E402

SMALL = {
    "model": {"conv_channels": [4, 4, 8, 8, 8], "gru_hidden": 8, "embed_dim": 16},
    "text": {"vector_size": 16, "epochs": 5},
    "train": {"batch_size": 8, "max_epochs": 2, "threads": 1},
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "challenge"
    synthesize(out, (6, 3, 12), seed=2, seconds=(1.0, 1.5))
    return out


@pytest.fixture(scope="module")
def config() -> BaselineConfig:
    return BaselineConfig.model_validate(SMALL)


def _weights(run: Path) -> dict[str, torch.Tensor]:
    return torch.load(run / "last.pt", weights_only=True)["model"]


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_run_dir_outputs_and_prediction(data: Path, config: BaselineConfig, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = train(data, run, config, progress=False)
    assert result.epochs == 2 and result.reason == "max_epochs"
    for name in ("config.yaml", "word2vec.bin", "best.pt", "last.pt", "log.csv", "loss.png",
                 "result.json"):
        assert (run / name).is_file(), name
    with open(run / "log.csv", encoding="utf-8") as fh:
        log = list(csv.DictReader(fh))
    assert [int(r["epoch"]) for r in log] == [1, 2]
    assert all(float(r["train_loss"]) >= 0 and float(r["val_loss"]) >= 0 for r in log)
    assert (run / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert load_config(run / "config.yaml") == config

    out = tmp_path / "sub.csv"
    assert predict(run, data, "evaluation", out, progress=False) == 60
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["caption", *[f"file_name_{i}" for i in range(1, 11)]]
    with open(data / "clotho_captions_evaluation.csv", encoding="utf-8", newline="") as fh:
        gt = list(csv.reader(fh))[1:]
    names = {r[0] for r in gt}
    assert [r[0] for r in rows[1:]] == [c for r in gt for c in r[1:]]
    for row in rows[1:]:
        assert len(set(row[1:])) == 10 and set(row[1:]) <= names


def test_deterministic_and_resumable(data: Path, config: BaselineConfig, tmp_path: Path) -> None:
    straight = tmp_path / "straight"
    train(data, straight, config, progress=False)
    again = tmp_path / "again"
    train(data, again, config, progress=False)
    assert _same(_weights(straight), _weights(again))

    resumed = tmp_path / "resumed"

    def interrupt(epoch: int) -> None:
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(data, resumed, config, progress=False, on_epoch_end=interrupt)
    assert not (resumed / "result.json").exists()
    result = train(data, resumed, config, progress=False)
    assert result.epochs == 2
    assert _same(_weights(straight), _weights(resumed))
    assert _losses(resumed) == _losses(straight)


def _losses(run: Path) -> list[tuple[str, str, str]]:
    """Per-epoch losses and learning rate of log.csv (epoch times differ between runs)."""
    with open(run / "log.csv", encoding="utf-8") as fh:
        return [(r["train_loss"], r["val_loss"], r["learning_rate"]) for r in csv.DictReader(fh)]


def test_another_config_in_the_same_run_dir_is_refused(data: Path, config: BaselineConfig,
                                                      tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run).mkdir()
    (run / "config.yaml").write_text(dump_config(BaselineConfig()))
    with pytest.raises(RunMismatchError):
        train(data, run, config, progress=False)


def test_mismatched_dimensions_are_refused() -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError; load_config gives ConfigError
        BaselineConfig.model_validate({"model": {"embed_dim": 128}})


def test_cuda_without_a_gpu_is_refused_in_one_sentence() -> None:
    from dcase_retrieval_baseline.train import resolve_device

    assert resolve_device("cpu").type == "cpu"
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(ConfigError, match="CUDA torch wheel"):
        resolve_device("cuda")

"""`baseline train` on a full disk: one line naming the checkpoint, exit 2, and the previous good
checkpoints kept, so that the same command resumes once space is freed.

The full disk is real where Linux gives one: the checkpoint writer is handed `/dev/full`, whose
every write fails with ENOSPC, and torch's own writer runs against it.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from tests.baseline_data import make_challenge, one_line_error, run_baseline, tiny_config

torch = pytest.importorskip("torch")
pytest.importorskip("gensim")

from dcase_retrieval_baseline import runfiles  # noqa: E402


@pytest.fixture(scope="module")
def challenge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_challenge(tmp_path_factory.mktemp("full_disk"))


def _train(challenge: Path, run: Path, config: Path) -> Any:
    return run_baseline("train", "--data", challenge, "--out", run, "--config", config, "--quiet")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_one_line_exit_2_and_keeps_the_good_checkpoints(
        challenge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, config = tmp_path / "run", tiny_config(tmp_path)
    real_open = builtins.open
    saved: list[str] = []
    before: dict[str, bytes] = {}

    def disk_full_after_epoch_1(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode != "wb":  # runfiles also reads (hashes, /proc/cpuinfo)
            return real_open(file, mode, *args, **kwargs)
        saved.append(str(file))
        if len(saved) <= 2:  # epoch 1 writes best.pt, then last.pt
            return real_open(file, mode, *args, **kwargs)
        before.update({n: (run / n).read_bytes() for n in ("best.pt", "last.pt")})
        return real_open("/dev/full", mode, *args, **kwargs)

    monkeypatch.setattr(runfiles, "open", disk_full_after_epoch_1, raising=False)
    line = one_line_error(_train(challenge, run, config))
    assert "cannot write" in line and "No space left on device" in line, line
    assert str(run) in line and (line.endswith("best.pt: No space left on device")
                                 or line.endswith("last.pt: No space left on device")), line
    assert len(saved) == 3 and before
    # the checkpoints of epoch 1 are untouched and no partial file is left beside them
    assert {n: (run / n).read_bytes() for n in before} == before
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")]
    assert not (run / "result.json").exists()
    assert torch.load(run / "last.pt", weights_only=True)["epoch"] == 1

    monkeypatch.undo()  # space freed: the same command resumes after epoch 1 and finishes
    result = _train(challenge, run, config)
    assert result.exit_code == 0, result.output
    assert torch.load(run / "last.pt", weights_only=True)["epoch"] == 2


def test_torch_writer_failure_on_a_path_is_a_usage_error(challenge: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The RuntimeError torch 2.13 raises when its C++ writer hits a full disk (seen writing to
    /dev/full by path): no errno, so the message says what to check."""
    def torch_full_disk(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")

    monkeypatch.setattr(torch, "save", torch_full_disk)
    run = tmp_path / "run"
    line = one_line_error(_train(challenge, run, tiny_config(tmp_path)))
    assert line.startswith(f"error: cannot write {run / 'best.pt'}: torch could not write it"), line
    assert "free space" in line
    assert not (run / "best.pt").exists()
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")]


def test_other_torch_errors_are_not_hidden_as_a_full_disk(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("cannot pickle this object")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(RuntimeError, match="cannot pickle"):
        runfiles.save_checkpoint({"a": 1}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []

"""The public API checks its arguments' types up front and names the parameter: no
TypeError from deep inside the metrics, no "mAP@True", no string split into
letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcase_retrieval_eval import load_ground_truth, rank, score, validate
from dcase_retrieval_eval.formats.submission import write_topk_csv

from .organizer_data import make_challenge, make_gt, system_rankings


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    gt = make_gt(tmp_path, n_files=30, seed=21)
    sub = tmp_path / "sub.csv"
    write_topk_csv(sub, system_rankings(load_ground_truth(gt), 0.7, seed=3))
    return sub, gt


@pytest.mark.parametrize("k", [2.5, True, "10", 10.0])
def test_k_must_be_a_whole_number(small: tuple[Path, Path], k: object) -> None:
    sub, gt = small
    for call in (score, validate):
        with pytest.raises(TypeError, match=r"^k must be a whole number"):
            call(sub, gt, k=k)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, -3])
def test_k_must_be_positive(small: tuple[Path, Path], k: int) -> None:
    sub, gt = small
    with pytest.raises(ValueError, match="k must be at least 1"):
        score(sub, gt, k=k)


def test_a_whole_number_k_still_works(small: tuple[Path, Path]) -> None:
    sub, gt = small
    assert "mAP@5" in score(sub, gt, k=5).metrics


def test_rank_characteristics_must_be_a_list(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"Doe_Uni": [("Doe_Uni_task6b_1", 0.8)]})
    with pytest.raises(TypeError, match="characteristics must be a list"):
        rank(uploads, gt, characteristics="loss_function")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^k must be"):
        rank(uploads, gt, k=True)
    board = rank(uploads, gt, characteristics=["loss_function"], rounds=20,
                 bootstrap_rankings=0)
    assert [s.label for s in board.systems] == ["Doe_Uni_task6b_1"]


def test_with_audio_set_refuses_a_single_string(small: tuple[Path, Path]) -> None:
    truth = load_ground_truth(small[1])
    with pytest.raises(TypeError, match="audio must be a list of file names"):
        truth.with_audio_set("dog.wav")
    with pytest.raises(TypeError, match="audio must hold file names"):
        truth.with_audio_set(["dog.wav", 3])  # type: ignore[list-item]
    wider = truth.with_audio_set(["dog.wav"])
    assert "dog.wav" in wider.audio and "d" not in wider.audio

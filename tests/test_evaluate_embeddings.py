"""`evaluate_embeddings`: Clotho's two directions in one call and in bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from dcase_retrieval_eval import evaluate, evaluate_embeddings
from dcase_retrieval_eval.measure import rankstats


def _data(n_clips: int = 30, dim: int = 16, seed: int = 0):  # noqa: ANN202
    rng = np.random.default_rng(seed)
    audio = rng.standard_normal((n_clips, dim)).astype(np.float32)
    caption_to_clip = np.repeat(np.arange(n_clips), 5)
    text = (audio[caption_to_clip] + rng.standard_normal((5 * n_clips, dim))).astype(np.float32)
    return text, audio, caption_to_clip


def _cosine(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("budget", [1, 4096, 1 << 28])
def test_both_directions_equal_evaluate_on_the_full_matrix(budget: int) -> None:
    text, audio, c2c = _data()
    both = evaluate_embeddings(text, audio, c2c, memory_budget=budget,
                               metrics=["mAP@10", "R@1", "R@5", "Success@5", "median_rank"])
    sim = _cosine(text) @ _cosine(audio).T
    rel = np.zeros(sim.shape, bool)
    rel[np.arange(len(c2c)), c2c] = True
    t2a = evaluate(sim, c2c, metrics=["mAP@10", "R@1", "R@5", "Success@5", "median_rank"])
    a2t = evaluate(sim.T, rel.T, direction="audio-to-text",
                   metrics=["mAP@10", "R@1", "R@5", "Success@5", "median_rank"])
    for got, want in ((both["text-to-audio"], t2a), (both["audio-to-text"], a2t)):
        assert got.direction == want.direction and got.n_queries == want.n_queries
        for name, m in want.metrics.items():
            assert got.metrics[name].value == pytest.approx(m.value, abs=1e-12), name
    assert both["audio-to-text"].n_queries == 30 and both["text-to-audio"].n_queries == 150


def test_only_a_block_of_the_similarity_matrix_exists_at_a_time(monkeypatch) -> None:  # noqa: ANN001
    text, audio, c2c = _data(n_clips=400, dim=8)  # a2t: 400 x 2000, t2a: 2000 x 400
    shapes: list[tuple[int, int]] = []
    real = rankstats.block_stats

    def spy(block, *args):  # noqa: ANN001, ANN002, ANN202
        shapes.append(tuple(block.shape))
        return real(block, *args)

    monkeypatch.setattr(rankstats, "block_stats", spy)
    budget = 1 << 20
    evaluate_embeddings(text, audio, c2c, memory_budget=budget)
    assert max(r * c for r, c in shapes) * (4 + 3) <= budget  # the rows and 3 boolean copies
    assert sum(r for r, _ in shapes) == 2000 + 400  # every query row exactly once

    monkeypatch.setattr(rankstats, "block_stats", real)
    tracemalloc.start()
    evaluate_embeddings(text, audio, c2c, memory_budget=budget)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full = 2000 * 400 * 4
    assert peak < 3 * budget < 4 * full  # well below a few copies of the whole matrix


def test_torch_embeddings_give_the_same_reports() -> None:
    torch = pytest.importorskip("torch")
    text, audio, c2c = _data()
    a = evaluate_embeddings(torch.from_numpy(text), torch.from_numpy(audio),
                            torch.from_numpy(c2c), memory_budget=8192)
    b = evaluate_embeddings(text, audio, c2c)
    for d in ("text-to-audio", "audio-to-text"):
        for name, m in b[d].metrics.items():
            assert a[d].metrics[name].value == pytest.approx(m.value, abs=1e-9), (d, name)


def test_mismatched_inputs_are_clear_errors() -> None:
    from dcase_retrieval_eval import InputError

    text, audio, c2c = _data()
    with pytest.raises(InputError, match="entries"):
        evaluate_embeddings(text, audio, c2c[:-1])
    with pytest.raises(InputError, match="dimension"):
        evaluate_embeddings(text, audio[:, :3], c2c)
    with pytest.raises(InputError, match=r"\[0, 30\)"):
        evaluate_embeddings(text, audio, c2c + 1)

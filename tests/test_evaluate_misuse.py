"""The in-memory evaluators misused, as a careless caller would: `evaluate`,
`evaluate_embeddings` and `EmbeddingMetric` given the wrong type, shape or value of an argument
raise a TypeError or ValueError naming it (an unusable array an `InputError`), never an error
from deep inside NumPy or torch, and never return a number computed from a silently converted
input.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import (
    EmbeddingMetric,
    InputError,
    evaluate,
    evaluate_embeddings,
    load_ground_truth,
)

RNG = np.random.default_rng(7)
SIM = RNG.random((8, 5))
CLIP_OF = np.array([0, 1, 2, 3, 4, 0, 1, 2])


def _values(report: object) -> dict[str, float]:
    return {name: m.value for name, m in report.metrics.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("sim", "words"), [
    (SIM + 1j, "complex"),
    (np.full((8, 5), "0.5"), "numbers"),
    (np.array([["a"] * 5] * 8, dtype=object), "numbers"),
    (np.ma.masked_array(SIM, SIM > 0.5), "masked"),
    (type("Duck", (), {"shape": (8, 5)})(), "NumPy array or torch tensor"),
])
def test_a_score_matrix_of_no_real_numbers_is_refused_naming_sim(sim: object,
                                                                 words: str) -> None:
    with pytest.raises(TypeError, match=f"sim .*{words}"):
        evaluate(sim, CLIP_OF)


def test_a_sparse_score_matrix_is_refused_with_the_conversion() -> None:
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"sim is a sparse matrix: give sim.toarray\(\)"):
        evaluate(sparse.csr_matrix(SIM), CLIP_OF)


def test_a_nested_list_is_read_as_the_matrix_it_spells() -> None:
    assert _values(evaluate(SIM.tolist(), CLIP_OF)) == _values(evaluate(SIM, CLIP_OF))


def test_tensors_of_bools_or_integers_score_as_their_numpy_arrays() -> None:
    torch = pytest.importorskip("torch")
    for sim in (SIM > 0.5, (SIM * 4).astype(np.int32)):
        assert (_values(evaluate(torch.from_numpy(sim), CLIP_OF))
                == _values(evaluate(sim, CLIP_OF)))
    with pytest.raises(TypeError, match="sim holds complex"):
        evaluate(torch.from_numpy(SIM + 1j), CLIP_OF)
    with pytest.raises(TypeError, match=r"sim is a sparse tensor .*to_dense\(\)"):
        evaluate(torch.from_numpy(SIM).to_sparse(), CLIP_OF)


@pytest.mark.parametrize(("metrics", "error", "words"), [
    ("mAP@10", TypeError, "metrics is a list of metric names"),
    ([10], TypeError, "metrics holds int 10"),
    ([None], TypeError, "metrics holds NoneType"),
    ([], ValueError, "at least one metric"),
])
def test_metrics_given_as_anything_but_names_is_refused(metrics: object, error: type,
                                                        words: str) -> None:
    with pytest.raises(error, match=words):
        evaluate(SIM, CLIP_OF, metrics=metrics)  # type: ignore[arg-type]
    with pytest.raises(error, match=words):
        evaluate_embeddings(RNG.random((8, 3)), RNG.random((5, 3)), CLIP_OF,
                            metrics=metrics)  # type: ignore[arg-type]


def test_a_cut_off_deeper_than_the_items_counts_every_item() -> None:
    deep = evaluate(SIM, CLIP_OF, metrics=["mAP@1000000000000", "R@99999999999999999999",
                                           "P@1000000000000", "nDCG@1000000000000"])
    shallow = evaluate(SIM, CLIP_OF, metrics=["mAP@5", "R@5", "P@5", "nDCG@5"])
    d, s = list(_values(deep).values()), list(_values(shallow).values())
    assert d[:2] == s[:2] and d[3] == pytest.approx(s[3])
    assert d[2] == pytest.approx(s[2] * 5 / 1e12)  # P@k still divides by k


@pytest.mark.parametrize(("option", "value", "error", "words"), [
    ("confidence", "0.95", TypeError, "confidence must be a number"),
    ("confidence", None, TypeError, "confidence must be a number"),
    ("confidence", True, TypeError, "confidence must be a number, not bool"),
    ("memory_budget", 0, ValueError, "memory_budget is a positive number of bytes"),
    ("memory_budget", -1, ValueError, "memory_budget is a positive number of bytes"),
    ("memory_budget", float("inf"), ValueError, "memory_budget must be finite"),
    ("memory_budget", "1GB", TypeError, "memory_budget must be a number"),
    ("memory_budget", True, TypeError, "memory_budget must be a number, not bool"),
    ("relevance_threshold", float("nan"), ValueError, "relevance_threshold must be finite"),
    ("relevance_threshold", "50", TypeError, "relevance_threshold must be a number"),
    ("edition", 2022, TypeError, r"edition is a name \(str\) such as '2022'"),
])
def test_an_option_of_the_wrong_type_or_range_is_named(option: str, value: object,
                                                       error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        evaluate(SIM, CLIP_OF, **{option: value})  # type: ignore[arg-type]


def test_a_tiny_memory_budget_still_gives_the_same_numbers() -> None:
    assert _values(evaluate(SIM, CLIP_OF, memory_budget=1)) == _values(evaluate(SIM, CLIP_OF))


def test_every_convention_applies_the_relevance_threshold() -> None:
    grades = RNG.integers(0, 100, SIM.shape).astype(float)
    for convention in ("dcase", "torchmetrics"):
        low = evaluate(SIM, grades, convention=convention, metrics=["R@1"],
                       relevance_threshold=1)
        high = evaluate(SIM, grades, convention=convention, metrics=["R@1"],
                        relevance_threshold=90)
        binary = grades >= 90
        assert _values(high) == _values(evaluate(SIM, binary, convention=convention,
                                                 metrics=["R@1"]))
        assert _values(low) != _values(high)


def test_ndcg_of_grades_near_the_float_maximum_is_the_value_of_any_scale() -> None:
    grades = RNG.integers(0, 4, SIM.shape).astype(float)
    grades[:, 0] = 3  # every query has a relevant item
    huge = evaluate(SIM, grades * 5e307, metrics=["nDCG@10"], edition="graded")
    plain = evaluate(SIM, grades, metrics=["nDCG@10"], edition="graded")
    assert math.isfinite(huge.metrics["nDCG@10"].value)
    assert huge.metrics["nDCG@10"].value == pytest.approx(plain.metrics["nDCG@10"].value)


# evaluate_embeddings

TEXT = RNG.standard_normal((8, 6))
AUDIO = RNG.standard_normal((5, 6))


@pytest.mark.parametrize(("c2c", "error", "words"), [
    (CLIP_OF + 0.5, TypeError, r"integer clip index .*astype\(int\)"),
    (CLIP_OF.astype(bool), TypeError, "integer clip index"),
    (np.array(list("abcdefgh")), TypeError, "integer clip index"),
    (None, TypeError, "integer clip index"),
    (CLIP_OF.reshape(2, 4), InputError, "1-D vector"),
])
def test_a_caption_to_clip_vector_that_is_no_index_vector_is_refused(
        c2c: object, error: type, words: str) -> None:
    with pytest.raises(error, match=f"caption_to_clip .*{words}"):
        evaluate_embeddings(TEXT, AUDIO, c2c)


def test_embeddings_that_are_not_finite_are_named() -> None:
    bad = TEXT.copy()
    bad[2, 3] = np.inf
    for normalize in (True, False):
        with pytest.raises(InputError, match="text_emb holds NaN or infinite"):
            evaluate_embeddings(bad, AUDIO, CLIP_OF, normalize=normalize)
    with pytest.raises(InputError, match="text_emb has no dimension"):
        evaluate_embeddings(TEXT[:, :0], AUDIO[:, :0], CLIP_OF)


def test_integer_embeddings_give_the_cosine_of_their_values() -> None:
    ints = (TEXT * 10).astype(np.int64), (AUDIO * 10).astype(np.int64)
    got = evaluate_embeddings(*ints, CLIP_OF)
    want = evaluate_embeddings(ints[0].astype(float), ints[1].astype(float), CLIP_OF)
    for direction in got:
        assert _values(got[direction]) == _values(want[direction])


def test_large_float16_embeddings_are_normalised_without_overflow() -> None:
    audio = RNG.standard_normal((5, 64))
    text = audio[CLIP_OF] + 0.1 * RNG.standard_normal((8, 64))  # each caption near its clip
    want = evaluate_embeddings(text, audio, CLIP_OF)
    assert want["text-to-audio"].metrics["mAP@10"].value == 1.0
    big = evaluate_embeddings((text * 300).astype(np.float16), (audio * 300).astype(np.float16),
                              CLIP_OF)  # squares past float16's 65,504
    for direction in want:
        assert _values(big[direction]) == pytest.approx(_values(want[direction]), abs=1e-3)


def test_torch_and_numpy_embeddings_are_not_mixed() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="text_emb and audio_emb must both be torch tensors"):
        evaluate_embeddings(torch.from_numpy(TEXT), AUDIO, CLIP_OF)
    got = evaluate_embeddings(torch.from_numpy(TEXT).float(), torch.from_numpy(AUDIO), CLIP_OF)
    assert got["text-to-audio"].metrics["mAP@10"].value == pytest.approx(
        evaluate_embeddings(TEXT, AUDIO, CLIP_OF)["text-to-audio"].metrics["mAP@10"].value)


@pytest.mark.parametrize(("option", "value", "error", "words"), [
    ("directions", "text-to-audio", TypeError, "directions is a list of directions"),
    ("directions", (), ValueError, "directions names at least one"),
    ("normalize", "no", TypeError, "normalize must be True or False"),
    ("memory_budget", 0, ValueError, "memory_budget is a positive number"),
])
def test_an_embeddings_option_of_the_wrong_type_is_named(option: str, value: object,
                                                         error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        evaluate_embeddings(TEXT, AUDIO, CLIP_OF, **{option: value})  # type: ignore[arg-type]


# EmbeddingMetric

def test_a_metric_object_refuses_bad_options_when_made_not_after_the_epoch() -> None:
    with pytest.raises(ValueError, match="unknown metric 'mAP10'"):
        EmbeddingMetric(metrics=["mAP10"])
    with pytest.raises(TypeError, match="metrics is a list"):
        EmbeddingMetric(metrics="R@1")
    with pytest.raises(ValueError, match="confidence must lie in"):
        EmbeddingMetric(confidence=5)
    with pytest.raises(ValueError, match="memory_budget"):
        EmbeddingMetric(memory_budget=-1)
    with pytest.raises(TypeError, match="sync must be True or False"):
        EmbeddingMetric(sync="yes")


def test_a_batch_unlike_the_earlier_ones_is_refused_when_given() -> None:
    metric = EmbeddingMetric()
    metric.update(TEXT, AUDIO[CLIP_OF], CLIP_OF)
    with pytest.raises(InputError, match="text_emb has dimension 3, the earlier batches 6"):
        metric.update(TEXT[:, :3], AUDIO[CLIP_OF][:, :3], CLIP_OF)
    with pytest.raises(InputError, match="clip_ids are strings in this batch and integers"):
        metric.update(TEXT, AUDIO[CLIP_OF], [f"c{c}" for c in CLIP_OF])
    with pytest.raises(InputError, match="clip_ids mixes strings and other ids"):
        metric.update(TEXT[:2], AUDIO[:2], ["1", 1])
    with pytest.raises(InputError, match=r"clip_ids is a flat list .*shape \(8, 1\)"):
        metric.update(TEXT, AUDIO[CLIP_OF], [[c] for c in CLIP_OF])
    with pytest.raises(TypeError, match="clip_ids is a list of one id per sample, not int"):
        metric.update(TEXT[:1], AUDIO[:1], 3)
    with pytest.raises(InputError, match="audio_emb holds NaN"):
        metric.update(TEXT[:1], np.full((1, 6), np.nan), [0])
    metric.update(TEXT[:0], AUDIO[:0], [])  # an empty batch adds nothing
    want = evaluate_embeddings(TEXT, AUDIO, CLIP_OF)
    got = metric.compute()
    for direction in want:
        assert _values(got[direction]) == _values(want[direction])


# named matrices

def _gt(tmp_path: Path) -> object:
    path = tmp_path / "gt.csv"
    path.write_text("file_name,caption_1,caption_2\n"
                    "dog.wav,A dog barks.,A dog is barking.\n"
                    "rain.wav,Rain falls.,It rains on a roof.\n"
                    "car.wav,A car passes.,An engine hums.\n", encoding="utf-8")
    return load_ground_truth(path)


CAPTIONS = ["A dog barks.", "A dog is barking.", "Rain falls.", "It rains on a roof.",
            "A car passes.", "An engine hums."]


def test_names_given_as_a_set_are_refused_having_no_order(tmp_path: Path) -> None:
    sim = RNG.random((6, 3))
    with pytest.raises(InputError, match="query_names is a set.*has no order") as err:
        evaluate(sim, _gt(tmp_path), query_names=set(CAPTIONS),
                 item_names=["dog.wav", "rain.wav", "car.wav"])
    assert [f.code for f in err.value.findings] == ["M512"]


def test_a_missing_column_adds_no_tie_warning_of_its_own(tmp_path: Path) -> None:
    sim = RNG.random((6, 2))  # distinct scores: no tie anywhere in the matrix
    report = evaluate(sim, _gt(tmp_path), query_names=CAPTIONS,
                      item_names=["dog.wav", "rain.wav"], metrics=["R@1", "R@5", "R@10"])
    assert not any("tied" in w for w in report.warnings), report.warnings
    assert any(w.startswith("M504") for w in report.warnings)


def test_a_huge_cut_off_with_a_missing_column_is_refused_naming_both(tmp_path: Path) -> None:
    sim = RNG.random((6, 2))
    with pytest.raises(ValueError, match=r"cut-off of 1000000000000 .*M504.*at most 100002"):
        evaluate(sim, _gt(tmp_path), query_names=CAPTIONS, item_names=["dog.wav", "rain.wav"],
                 metrics=["R@1000000000000"])
    deep = evaluate(sim, _gt(tmp_path), query_names=CAPTIONS, item_names=["dog.wav", "rain.wav"],
                    metrics=["R@100000"])
    assert deep.metrics["R@100000"].value == pytest.approx(2 / 3)  # car.wav is never retrieved


# evaluate_convention

@pytest.mark.parametrize(("option", "value", "error", "words"), [
    ("recall_ks", "15", TypeError, "recall_ks is a list of cut-offs"),
    ("recall_ks", (0,), ValueError, "recall_ks entry must be at least 1, not 0"),
    ("recall_ks", (2.5,), TypeError, "recall_ks entry is a whole number"),
    ("recall_ks", (True,), TypeError, "recall_ks entry is a whole number"),
    ("recall_ks", (), ValueError, "at least one cut-off"),
    ("map_k", 0, ValueError, "map_k must be at least 1"),
    ("confidence", "0.9", TypeError, "confidence must be a number"),
])
def test_a_convention_option_of_the_wrong_type_or_range_is_named(
        option: str, value: object, error: type, words: str) -> None:
    from dcase_retrieval_eval import evaluate_convention

    with pytest.raises(error, match=words):
        evaluate_convention(SIM, CLIP_OF, "laion-clap", **{option: value})  # type: ignore[arg-type]


def test_torch_objects_that_are_not_tensors_are_named() -> None:
    torch = pytest.importorskip("torch")
    sim = torch.from_numpy(SIM)
    with pytest.raises(TypeError, match=r"sim is a torch.return_types.topk, not a tensor "
                                        r"\(of a topk, .values"):
        evaluate(sim.topk(2, dim=1), CLIP_OF)
    with pytest.raises(TypeError, match="sim is a torch.Size, not a tensor"):
        evaluate(sim.shape, CLIP_OF)
    with pytest.raises(TypeError, match="relevance is a torch.return_types.max"):
        evaluate(sim, sim.max(dim=1))
    with pytest.raises(TypeError, match="caption_to_clip is a torch.return_types.max"):
        evaluate_embeddings(TEXT, AUDIO, torch.from_numpy(SIM).max(dim=1))


def test_a_batch_buffer_refilled_by_the_caller_leaves_the_given_samples_alone() -> None:
    audio = RNG.standard_normal((6, 8))
    clip_of = np.arange(12) % 6
    text = audio[clip_of] + 1.5 * RNG.standard_normal((12, 8))
    want = evaluate_embeddings(text, audio, clip_of)
    torch = pytest.importorskip("torch")
    for as_tensor in (False, True):
        metric = EmbeddingMetric()
        text_buf, audio_buf = np.empty((4, 8)), np.empty((4, 8))
        ids_buf = np.empty(4, np.int64)
        views = (torch.from_numpy(text_buf), torch.from_numpy(audio_buf)) if as_tensor \
            else (text_buf, audio_buf)
        for lo in range(0, 12, 4):  # one buffer, refilled for every batch
            text_buf[:], audio_buf[:] = text[lo:lo + 4], audio[clip_of[lo:lo + 4]]
            ids_buf[:] = clip_of[lo:lo + 4]
            metric.update(*views, ids_buf)
        got = metric.compute()
        for direction in want:
            assert _values(got[direction]) == pytest.approx(_values(want[direction]))


@pytest.mark.parametrize(("relevance", "words"), [
    ([[0, 1], [2], [3], [4], [0], [1], [2], [3]], "relevance holds rows of different lengths"),
    (np.full(SIM.shape, "1"), "relevance holds <U1, not real numbers"),
    (np.ones(SIM.shape, complex), "relevance holds complex128, not real numbers"),
])
def test_a_relevance_of_no_usable_form_is_named(relevance: object, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        evaluate(SIM, relevance)

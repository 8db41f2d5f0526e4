"""Metric kernels: hand computations and the properties every ranking metric must keep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dcase_retrieval_eval.measure.metrics import (
    average_precision,
    hit_matrix,
    recall_at,
    recall_at_each,
)


def _csr(rel: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.zeros(len(rel) + 1, np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rel])
    return indptr, np.array([f for r in rel for f in r], np.int32)


def test_single_relevant_ap_is_reciprocal_rank() -> None:
    ranks = np.array([[5, 1, 2], [3, 4, 5], [0, 1, 2]], np.int32)
    indptr, idx = _csr([[1], [9], [0]])
    hits = hit_matrix(ranks, indptr, idx, 10)
    ap = average_precision(hits, np.diff(indptr), 3, "none")
    np.testing.assert_array_equal(ap, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(recall_at(hits, np.diff(indptr), 1), [0, 0, 1])


def test_multi_relevant_ap_divides_by_r_not_min_r_k() -> None:
    # relevant {0, 2, 7}; list [0, 1, 2]: precisions 1/1 and 2/3 at the hits
    ranks = np.array([[0, 1, 2]], np.int32)
    indptr, idx = _csr([[0, 2, 7]])
    hits = hit_matrix(ranks, indptr, idx, 10)
    n_rel = np.diff(indptr)
    assert average_precision(hits, n_rel, 3, "relevant")[0] == pytest.approx((1 + 2 / 3) / 3)
    assert average_precision(hits, n_rel, 3, "none")[0] == pytest.approx(1 + 2 / 3)
    assert recall_at(hits, n_rel, 3)[0] == pytest.approx(2 / 3)


def test_absent_positions_never_hit() -> None:
    ranks = np.array([[-1, -1, 3]], np.int32)
    indptr, idx = _csr([[3]])
    hits = hit_matrix(ranks, indptr, idx, 5)
    assert hits.tolist() == [[False, False, True]]


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, list[list[int]], int]:
    n_audio = draw(st.integers(12, 40))
    n_q = draw(st.integers(1, 12))
    rel = [sorted(draw(st.sets(st.integers(0, n_audio - 1), min_size=1, max_size=5)))
           for _ in range(n_q)]
    ranks = np.array([draw(st.permutations(range(n_audio)))[:10] for _ in range(n_q)], np.int32)
    return ranks, rel, n_audio


@settings(max_examples=150, deadline=None)
@given(problems())
def test_ap_bounded_and_recall_monotone(problem: tuple[np.ndarray, list[list[int]], int]) -> None:
    ranks, rel, n_audio = problem
    indptr, idx = _csr(rel)
    hits = hit_matrix(ranks, indptr, idx, n_audio)
    n_rel = np.diff(indptr)
    ap = average_precision(hits, n_rel, 10, "relevant")
    assert np.all((ap >= 0) & (ap <= 1))
    recalls = np.stack([recall_at(hits, n_rel, k) for k in range(1, 11)])
    assert np.all(np.diff(recalls, axis=0) >= 0)
    assert np.all((recalls >= 0) & (recalls <= 1))


@settings(max_examples=150, deadline=None)
@given(problems(), st.data())
def test_moving_a_relevant_file_up_never_lowers_ap(
    problem: tuple[np.ndarray, list[list[int]], int], data: st.DataObject
) -> None:
    ranks, rel, n_audio = problem
    indptr, idx = _csr(rel)
    q = data.draw(st.integers(0, len(rel) - 1))
    row = ranks[q].copy()
    relevant_positions = [p for p in range(1, 10) if row[p] in rel[q]]
    if not relevant_positions:
        return
    p = data.draw(st.sampled_from(relevant_positions))
    row[p - 1], row[p] = row[p], row[p - 1]
    moved = ranks.copy()
    moved[q] = row
    before = average_precision(hit_matrix(ranks, indptr, idx, n_audio), np.diff(indptr), 10,
                               "relevant")
    after = average_precision(hit_matrix(moved, indptr, idx, n_audio), np.diff(indptr), 10,
                              "relevant")
    assert after[q] >= before[q] - 1e-15


@given(st.integers(0, 30), st.integers(0, 12), st.integers(0, 2**32 - 1),
       st.lists(st.integers(1, 15), min_size=1, max_size=4, unique=True))
def test_recalls_from_one_running_count_are_recall_at(n: int, width: int, seed: int,
                                                       ks: list[int]) -> None:
    """The scorer's one-pass recalls equal `recall_at` to the bit, for cut-offs below, at and
    beyond the ranking's width."""
    rng = np.random.default_rng(seed)
    hits = rng.random((n, width)) < 0.3
    n_rel = rng.integers(0, 4, n)
    each = recall_at_each(hits, n_rel, ks)
    assert sorted(each) == sorted(ks)
    for k in ks:
        np.testing.assert_array_equal(each[k], recall_at(hits, n_rel, k))

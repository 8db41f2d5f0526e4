"""The top-k pre-pass of `evaluate`: the judged items' counts and the cut-off ties it finds from a
few candidates per row equal a plain count over the whole row, on wide rows (the threshold
path), with and without exact ties (rows with many equal scores near the top are counted in
full), in every float dtype, for NumPy arrays and for tensors kept on their device.
"""

from __future__ import annotations

import numpy as np
import pytest

from dcase_retrieval_eval import InputError
from dcase_retrieval_eval.measure import rankstats


def _reference(block: np.ndarray, slots: np.ndarray, cuts: tuple[int, ...]):  # noqa: ANN202
    """above / tied_before / tied by counting each row, ties from the sorted scores."""
    rows, width = slots.shape
    above, before, tied = (np.zeros((rows, width), np.int64) for _ in range(3))
    for r in range(rows):
        row = block[r].astype(np.float64)
        for c in range(width):
            j = slots[r, c]
            if j < 0:
                continue
            above[r, c] = int((row > row[j]).sum())
            tied[r, c] = int((row == row[j]).sum()) - 1
            before[r, c] = int((row[:j] == row[j]).sum())
    desc = -np.sort(-block.astype(np.float64), axis=1)
    live = [k for k in cuts if 0 < k < block.shape[1]]
    ties = np.stack([desc[:, k - 1] == desc[:, k] for k in live], axis=1) if live else (
        np.zeros((rows, 0), bool))
    return above, before, tied, ties


def _case(rows: int, n: int, dtype: type, ties: str, seed: int):  # noqa: ANN202
    rng = np.random.default_rng(seed)
    block = rng.standard_normal((rows, n))
    if ties == "some":
        block = np.round(block * 8) / 8  # equal scores, some across the cut-offs
    elif ties == "many":
        block = np.round(block)  # hundreds of equal scores per row: counted in full
    block[0, : n // 3] = block[0].max()  # a row whose best third is one tie
    block = block.astype(dtype)
    width = 5
    slots = rng.integers(0, n, (rows, width))
    slots[rng.random((rows, width)) < 0.3] = -1
    slots[1] = -1  # a row without judged items
    slots[2, 0] = int(np.argmax(block[2]))  # a judged item at the top
    return block, slots


def _check(got, want, slots: np.ndarray, depth: int, full: bool) -> None:  # noqa: ANN001
    """Exact counts for every judged item (`full`) or within the depth, a lower bound past it
    that places the item beyond the depth; the same cut-off ties."""
    live = slots >= 0
    pos = want[0] + want[1]
    exact = live if full else live & (pos < depth)
    for name, g, w in zip(("above", "before", "tied"), got[:3], want[:3], strict=True):
        np.testing.assert_array_equal(g[exact], w[exact], err_msg=name)
    beyond = live & ~exact
    assert ((got[0] + got[1])[beyond] >= depth).all()
    assert (want[0][beyond] >= got[0][beyond]).all()  # never above the true count
    np.testing.assert_array_equal(got[3], want[3])


@pytest.mark.parametrize("n", [40, 300, 2500])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("ties", ["none", "some", "many"])
def test_the_counts_equal_a_count_over_the_whole_row(n: int, dtype: type, ties: str) -> None:
    block, slots = _case(30, n, dtype, ties, seed=n)
    cuts = (1, 5, 10)
    want = _reference(block, slots, cuts)
    for full in (True, False):
        _check(rankstats.block_stats(block, slots, cuts, 10, full), want, slots, 10, full)


def test_the_threshold_path_warns_of_the_same_ties_as_a_full_sort() -> None:
    rng = np.random.default_rng(3)
    block = np.round(rng.standard_normal((200, 1000)) * 20).astype(np.float32) / 20
    slots = rng.integers(0, 1000, (200, 1))
    cuts = (1, 2, 5, 10, 50)
    got = rankstats.block_stats(block, slots, cuts, 50, False)
    want = _reference(block, slots, cuts)
    np.testing.assert_array_equal(got[3], want[3])
    assert want[3].any() and not want[3].all()  # the case has ties across cut-offs, not everywhere


def test_infinite_scores_are_ranked_and_nan_is_refused() -> None:
    rng = np.random.default_rng(4)
    block = rng.standard_normal((6, 500))
    block[0, :20] = np.inf
    block[1, :] = -np.inf
    block[1, 7] = 0.0
    block[2, 100:] = -np.inf
    slots = np.array([[3, 25], [7, 8], [150, 5], [1, 2], [3, 4], [5, 6]])
    got = rankstats.block_stats(block, slots, (1, 10), 10, True)
    want = _reference(block, slots, (1, 10))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    for n in (50, 500):  # the small-row path and the threshold path
        bad = rng.standard_normal((4, n))
        bad[2, n - 3] = np.nan
        with pytest.raises(InputError, match="NaN"):
            rankstats.block_stats(bad, np.zeros((4, 1), np.int64), (1, 10), 10, False)


@pytest.mark.parametrize("ties", ["none", "some", "many"])
def test_a_tensor_off_the_host_gives_the_same_counts(monkeypatch: pytest.MonkeyPatch,
                                                     ties: str) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(rankstats, "HOST_DEVICES", ())  # a CPU tensor takes the device path
    block, slots = _case(25, 400, np.float32, ties, seed=11)
    want = _reference(block, slots, (1, 5, 10))
    for full in (True, False):
        for tensor in (torch.from_numpy(block), torch.from_numpy(block).to(torch.bfloat16)):
            if tensor.dtype == torch.bfloat16:
                want_now = _reference(tensor.float().numpy(), slots, (1, 5, 10))
            else:
                want_now = want
            got = rankstats.block_stats(tensor, slots, (1, 5, 10), 10, full)
            _check(got, want_now, slots, 10, full)
    nan = torch.from_numpy(block).clone()
    nan[3, 7] = float("nan")
    with pytest.raises(InputError, match="NaN"):
        rankstats.block_stats(nan, slots, (1,), 10, False)


def test_the_jackknife_of_many_metrics_at_once_gives_the_same_floats() -> None:
    from dcase_retrieval_eval.measure.jackknife import jackknife_mean, jackknife_means

    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 5225, 100_003):
        rows = np.stack([rng.random(n), (rng.random(n) < 0.3) * 1.0, 1.0 / rng.integers(1, 11, n)])
        for confidence in (0.95, 0.9):
            together = jackknife_means(rows, confidence)
            alone = [jackknife_mean(r, confidence) for r in rows]
            np.testing.assert_equal([m.model_dump() for m in together],  # NaN equals NaN
                                    [m.model_dump() for m in alone])


def test_a_large_block_counted_in_slices_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    block, slots = _case(64, 2500, np.float32, "some", seed=12)
    one = rankstats.block_stats(block, slots, (1, 5, 10), 10, False)
    monkeypatch.setattr(rankstats, "PARALLEL_CELLS", 1)
    monkeypatch.setattr(rankstats, "_workers", lambda: 3)
    sliced = rankstats.block_stats(block, slots, (1, 5, 10), 10, False)
    for a, b in zip(one, sliced, strict=True):
        np.testing.assert_array_equal(a, b)


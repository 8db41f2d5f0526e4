"""The named conventions equal independent computations: plain loops written from the
definitions in docs/evaluate.md, and (torch installed) the codebases' own torch code paths
re-run on the same matrix, on random matrices with and without exact ties."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dcase_retrieval_eval.measure.conventions import CONVENTIONS, ConventionError

from .conftest import run_page_example

Matrix = np.ndarray
Relevant = list[list[int]]


# ---------------------------------------------------------------- data
def clotho(rng: np.random.Generator, clips: int, ties: bool) -> tuple[Matrix, Relevant]:
    """Text-to-audio scores (5 captions per clip, caption c written for clip c // 5)."""
    sim = scores(rng, (5 * clips, clips), ties)
    return sim, [[c // 5] for c in range(5 * clips)]


def scores(rng: np.random.Generator, shape: tuple[int, int], ties: bool) -> Matrix:
    if ties:  # few distinct values, many at or below 0: ties everywhere, TorchMetrics' filter
        return rng.integers(-2, 4, size=shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def multi(rng: np.random.Generator, queries: int, items: int, ties: bool,
          empty: bool = False) -> tuple[Matrix, Relevant]:
    sim = scores(rng, (queries, items), ties)
    low = 0 if empty else 1
    rel = [sorted(rng.choice(items, size=int(rng.integers(low, 6)), replace=False).tolist())
           for _ in range(queries)]
    return sim, rel


def transpose(rel: Relevant, items: int) -> Relevant:
    out: Relevant = [[] for _ in range(items)]
    for q, row in enumerate(rel):
        for j in row:
            out[j].append(q)
    return out


def csr(rel: Relevant) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.cumsum([0] + [len(r) for r in rel]).astype(np.int64)
    indices = np.array([j for r in rel for j in sorted(r)], dtype=np.int64)
    return indptr, indices


def run(name: str, sim: Matrix, rel: Relevant, direction: str = "text-to-audio",
        **options: object) -> dict[str, float]:
    indptr, indices = csr(rel)
    result = CONVENTIONS[name].run(sim, indptr, indices, direction, **options)
    return {metric: m.value() for metric, m in result.metrics.items()}


# ------------------------------------------------- reference loops, from the definitions
def order_stable(row: Matrix) -> list[int]:
    """Items best first; equal scores: lower index first."""
    return sorted(range(len(row)), key=lambda i: (-float(row[i]), i))


def rank_stable(row: Matrix, item: int) -> int:
    return order_stable(row).index(item)


def rank_average(row: Matrix, item: int) -> float:
    positions = [p for p, i in enumerate(order_stable(row)) if row[i] == row[item]]
    return sum(positions) / len(positions)


def ref_dcase2025(sim: Matrix, rel: Relevant) -> dict[str, float]:
    aps, recalls = [], {1: [], 5: [], 10: []}
    for row, items in zip(sim, rel, strict=True):
        ranks = sorted(rank_stable(row, j) for j in items)
        aps.append(sum(i / (r + 1) for i, r in enumerate(ranks, 1) if r < 10) / len(ranks))
        for k in recalls:
            recalls[k].append(float(ranks[0] < k))
    out = {"mAP@10": float(np.mean(aps))}
    if all(len(items) == 1 for items in rel):
        out.update({f"R@{k}": float(np.mean(v)) for k, v in recalls.items()})
    return out


def ref_laion(sim: Matrix, rel: Relevant, direction: str) -> dict[str, float]:
    ranks = [[rank_stable(row, j) for j in items] for row, items in zip(sim, rel, strict=True)]
    out = {}
    if direction == "text-to-audio":
        flat = [r[0] for r in ranks]
        for k in (1, 5, 10):
            out[f"R@{k}"] = float(np.mean([r < k for r in flat]))
        out["mAP@10"] = float(np.mean([1 / (r + 1) if r < 10 else 0.0 for r in flat]))
        out["mean rank"] = float(np.mean(flat)) + 1
        out["median rank"] = math.floor(float(np.median(flat))) + 1
        return out
    for k in (1, 5, 10):
        out[f"R@{k}"] = float(np.mean([min(r) < k for r in ranks]))
    maps = []
    for r in ranks:  # caption order, unsorted
        kept = [x for x in r if x < 10]
        maps.append(sum(m / (x + 1) for m, x in enumerate(kept, 1)) / len(r))
    out["mAP@10"] = float(np.mean(maps))
    return out


def ref_arb(sim: Matrix, rel: Relevant) -> dict[str, float]:
    best = [min(rank_average(row, j) for j in items) for row, items in zip(sim, rel, strict=True)]
    out = {"R@1": 100 * float(np.mean([c == 0 for c in best]))}
    for k in (5, 10, 50):
        out[f"R@{k}"] = 100 * float(np.mean([c < k for c in best]))
    out["median rank"] = float(np.median(best)) + 1
    out["mean rank"] = float(np.mean(best)) + 1
    return out


def ref_torchmetrics(sim: Matrix, rel: Relevant, filter_scores: bool = True,
                     empty: str = "neg") -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for row, items in zip(sim, rel, strict=True):
        if not items:
            if empty == "skip":
                continue
            for name in ["mAP@10"] + [f"{m}@{k}" for m in ("R", "Success") for k in (1, 5, 10)]:
                values.setdefault(name, []).append(1.0 if empty == "pos" else 0.0)
            continue
        order = order_stable(row)
        counts = [j for j in items if row[j] > 0 or not filter_scores]
        for k in (1, 5, 10):
            top = order[:k]
            values.setdefault(f"R@{k}", []).append(sum(j in top for j in counts) / len(items))
            values.setdefault(f"Success@{k}", []).append(float(any(j in top for j in items)))
        hits = [p for p, i in enumerate(order[:10], 1) if i in counts]
        values.setdefault("mAP@10", []).append(
            sum(m / p for m, p in enumerate(hits, 1)) / len(hits) if hits else 0.0)
    return {name: float(np.mean(v)) if v else 0.0 for name, v in values.items()}


def close(ours: dict[str, float], ref: dict[str, float]) -> None:
    assert set(ours) == set(ref), (sorted(ours), sorted(ref))
    for name in ref:
        assert ours[name] == pytest.approx(ref[name], rel=1e-12, abs=1e-12), name


SEEDS = [0, 1, 2]
TIES = [False, True]


# ------------------------------------------------------------------ against the loops
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", TIES)
def test_dcase2025_baseline_equals_the_definition(seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    sim, rel = clotho(rng, 13, ties)
    close(run("dcase2025-baseline", sim, rel), ref_dcase2025(sim, rel))
    sim, rel = multi(rng, 40, 30, ties)
    close(run("dcase2025-baseline", sim, rel), ref_dcase2025(sim, rel))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", TIES)
def test_laion_clap_equals_the_definition(seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    sim, rel = clotho(rng, 13, ties)
    close(run("laion-clap", sim, rel), ref_laion(sim, rel, "text-to-audio"))
    a2t = transpose(rel, sim.shape[1])
    close(run("laion-clap", sim.T, a2t, "audio-to-text"), ref_laion(sim.T, a2t, "audio-to-text"))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", TIES)
def test_audio_retrieval_benchmark_equals_the_definition(seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    sim, rel = clotho(rng, 13, ties)
    close(run("audio-retrieval-benchmark", sim, rel), ref_arb(sim, rel))
    a2t = transpose(rel, sim.shape[1])
    close(run("audio-retrieval-benchmark", sim.T, a2t, "audio-to-text"), ref_arb(sim.T, a2t))
    sim, rel = multi(rng, 40, 60, ties)
    close(run("audio-retrieval-benchmark", sim, rel), ref_arb(sim, rel))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("empty", ["neg", "pos", "skip"])
def test_torchmetrics_equals_the_definition(seed: int, ties: bool, empty: str) -> None:
    rng = np.random.default_rng(seed)
    sim, rel = multi(rng, 40, 30, ties, empty=True)
    assert any(not r for r in rel)
    close(run("torchmetrics", sim, rel, empty_target_action=empty),
          ref_torchmetrics(sim, rel, True, empty))
    close(run("torchmetrics-1.7.3", sim, rel, empty_target_action=empty),
          ref_torchmetrics(sim, rel, False, empty))
    sim, rel = clotho(rng, 13, ties)
    a2t = transpose(rel, sim.shape[1])
    close(run("torchmetrics", sim.T, a2t, "audio-to-text"), ref_torchmetrics(sim.T, a2t))


# ------------------------------------------------------------- what sets them apart
def test_laion_audio_to_text_map_can_exceed_one_and_is_never_below_ap() -> None:
    # one clip, five captions ranked in reverse caption order: ranks 4, 3, 2, 1, 0
    sim = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 0.0]])
    indptr, indices = np.array([0, 5]), np.arange(5)
    result = CONVENTIONS["laion-clap"].run(sim, indptr, indices, "audio-to-text")
    value = result.metrics["mAP@10"].value()
    assert value == pytest.approx((1 / 5 + 2 / 4 + 3 / 3 + 4 / 2 + 5 / 1) / 5)  # 1.74
    assert value > 1
    assert "never below the true AP@10" in result.warnings[0]
    assert "1 of 1 clips above their true AP@10, 1 above 1" in result.warnings[0]
    rng = np.random.default_rng(5)
    for _ in range(20):
        sim, rel = clotho(rng, 8, ties=bool(rng.integers(2)))
        a2t = transpose(rel, sim.shape[1])
        laion = run("laion-clap", sim.T, a2t, "audio-to-text")["mAP@10"]
        ap = run("torchmetrics-1.7.3", sim.T, a2t, "audio-to-text")  # ÷ retrieved, not ÷ R
        true = float(np.mean([sum(i / (r + 1) for i, r in enumerate(
            sorted(rank_stable(row, j) for j in items), 1) if r < 10) / len(items)
            for row, items in zip(sim.T, a2t, strict=True)]))
        assert laion >= true - 1e-12
        assert ap["mAP@10"] >= true - 1e-12


def test_torchmetrics_ignores_a_relevant_item_scored_at_most_zero() -> None:
    sim = np.array([[0.0, -1.0, -2.0], [3.0, 2.0, 1.0]])
    rel = [[0], [0, 2]]
    new = run("torchmetrics", sim, rel)
    old = run("torchmetrics-1.7.3", sim, rel)
    # query 0's hit scores 0: not counted from 1.7.4; query 1 finds one of its two in the top 1
    assert new["R@1"] == (0 + 1 / 2) / 2 and old["R@1"] == (1 + 1 / 2) / 2
    assert new["Success@1"] == 1.0  # HitRate has no filter
    # query 1: hits at positions 1 and 3, MAP divides by the two retrieved: (1/1 + 2/3) / 2
    assert new["mAP@10"] == pytest.approx((0 + (1 + 2 / 3) / 2) / 2)
    assert old["mAP@10"] == pytest.approx((1 + (1 + 2 / 3) / 2) / 2)
    indptr, indices = csr([[], [0]])
    with pytest.raises(ConventionError, match="no relevant item"):
        CONVENTIONS["torchmetrics"].run(sim, indptr, indices, "text-to-audio",
                                            empty_target_action="error")
    skip = CONVENTIONS["torchmetrics"].run(sim, indptr, indices, "text-to-audio",
                                               empty_target_action="skip")
    assert skip.kept is not None and skip.kept.tolist() == [False, True]
    assert skip.metrics["R@1"].values.tolist() == [1.0]


def test_benchmark_averages_ties_and_reports_percent() -> None:
    sim = np.zeros((2, 4))  # all tied: the relevant item's rank is (0 + 1 + 2 + 3) / 2 = 1.5
    out = run("audio-retrieval-benchmark", sim, [[0], [3]])
    assert out["R@1"] == 0.0 and out["R@5"] == 100.0
    assert out["median rank"] == 2.5 and out["mean rank"] == 2.5
    # the stable rule of the others gives the lower index the top: a trap the averaging avoids
    assert run("laion-clap", sim, [[0], [3]])["R@1"] == 0.5


def test_median_rank_floor_differs() -> None:
    sim = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 3.0, 2.0, 1.0]])
    rel = [[0], [0]]  # ranks 0 and 3: median 1.5
    assert run("laion-clap", sim, rel)["median rank"] == 2.0  # floor(1.5) + 1
    assert run("audio-retrieval-benchmark", sim, rel)["median rank"] == 2.5


def test_unsupported_inputs_are_refused() -> None:
    sim = np.zeros((2, 3))
    with pytest.raises(ConventionError, match="no relevant item"):
        run("dcase2025-baseline", sim, [[0], []])
    with pytest.raises(ConventionError, match="one relevant item per query"):
        run("laion-clap", sim, [[0, 1], [2]])
    with pytest.raises(ConventionError, match="text-to-audio only"):
        run("dcase2025-baseline", sim.T, [[0], [1], [0]], "audio-to-text")
    with pytest.raises(ConventionError, match="no option 'top_k'"):
        run("laion-clap", sim, [[0], [1]], top_k=3)
    assert "R@1" not in run("dcase2025-baseline", sim, [[0, 1], [2]])


def test_blocks_of_pairs_give_the_same_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    from dcase_retrieval_eval.measure.conventions import ranks

    rng = np.random.default_rng(9)
    sim, rel = multi(rng, 30, 25, ties=True)
    indptr, indices = csr(rel)
    whole = {rule: ranks.relevant_ranks(sim, indptr, indices, rule)
             for rule in ("average", "stable")}
    monkeypatch.setattr(ranks, "_CELLS", 7)
    for rule, expected in whole.items():
        assert ranks.relevant_ranks(sim, indptr, indices, rule).tolist() == expected.tolist()
        assert ranks.relevant_ranks(sim.T.copy().T, indptr, indices, rule).tolist() == \
            expected.tolist()  # a transposed (Fortran-order) view gives the same ranks


# ------------------------------------------------- the codebases' own code paths (torch)
def _torch() -> Any:
    return pytest.importorskip("torch")


def _argsort_desc(torch: Any, x: Any, ties: bool) -> Any:
    # the codebases call the unstable sort; with ties its order is unspecified, so a tied
    # matrix is compared with the stable order the conventions document
    return torch.argsort(x, dim=-1, descending=True, stable=ties)


@pytest.mark.parametrize("ties", TIES)
def test_dcase2025_baseline_hook_in_torch(ties: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(11)
    sim, rel = clotho(rng, 12, ties)
    c = torch.tensor(sim)
    top_ten = (c.topk(10, dim=1)[1] if not ties else _argsort_desc(torch, c, ties)[:, :10]).numpy()
    target = np.array([r[0] for r in rel])
    match = top_ten == target[:, None]
    ap = 1 / (match.argmax(axis=1) + 1)
    ap[~match.any(axis=1)] = 0
    hook = {"R@1": match[:, :1].sum(1).mean(), "R@5": match[:, :5].sum(1).mean(),
            "R@10": match.sum(1).mean(), "mAP@10": ap.mean()}
    close(run("dcase2025-baseline", sim, rel), {k: float(v) for k, v in hook.items()})

    sim, rel = multi(rng, 30, 40, ties)
    c = torch.tensor(sim)
    aps = []
    for q, items in enumerate(rel):
        order = torch.argsort(-c[q], stable=ties)
        ranks = sorted(int(i) for i in torch.argsort(order)[items])
        total = 0.0
        for i, r in enumerate(ranks, start=1):
            if r >= 10:
                break
            total += i / (r + 1)
        aps.append(total / len(ranks))
    assert run("dcase2025-baseline", sim, rel)["mAP@10"] == pytest.approx(np.mean(aps), abs=1e-12)


@pytest.mark.parametrize("ties", TIES)
def test_laion_clap_clotho_evaluation_in_torch(ties: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(12)
    n = 12
    sim, rel = clotho(rng, n, ties)
    per_text = torch.tensor(sim)
    per_audio = per_text.t()
    slots = []
    for d in range(5):
        logit = per_text.reshape(n, 5, n)[:, d, :]
        ranking = _argsort_desc(torch, logit, ties)
        truth = torch.arange(n).view(-1, 1)
        slots.append(torch.where(ranking == truth)[1].numpy())
    pooled = np.concatenate(slots)
    t2a = {f"R@{k}": float(np.mean(pooled < k)) for k in (1, 5, 10)}
    t2a["mAP@10"] = float(np.mean(np.where(pooled < 10, 1 / (pooled + 1), 0.0)))
    t2a["mean rank"] = float(pooled.mean() + 1)
    t2a["median rank"] = float(np.floor(np.median(pooled)) + 1)
    close(run("laion-clap", sim, rel), t2a)

    maps, best = [], []
    for d in range(n):
        ranking = _argsort_desc(torch, per_audio[d, :], ties)
        truth = torch.arange(d * 5, d * 5 + 5)[None]
        found = torch.where(torch.stack([ranking] * 5) == truth.view(-1, 1))[1]
        best.append(int(found.min()))
        kept = found[found < 10].numpy()
        maps.append(np.sum(np.arange(1, len(kept) + 1) / (kept + 1)) / 5)
    a2t = {f"R@{k}": float(np.mean(np.array(best) < k)) for k in (1, 5, 10)}
    a2t["mAP@10"] = float(np.mean(maps))
    close(run("laion-clap", sim.T, transpose(rel, n), "audio-to-text"), a2t)


def _arb_ranks(sims: Matrix, group: Callable[[int], range]) -> np.ndarray:
    """The benchmark's way: sort the negated row, find the true item's value in it, average the
    positions where it occurs, keep the best over the query's true items."""
    out = []
    for q in range(sims.shape[0]):
        dists = -sims[q]
        ordered = np.sort(dists)
        out.append(min(np.where(ordered - dists[j] == 0)[0].mean() for j in group(q)))
    return np.array(out)


@pytest.mark.parametrize("ties", TIES)
def test_audio_retrieval_benchmark_sorting_path(ties: bool) -> None:
    rng = np.random.default_rng(13)
    n = 15
    sim, rel = clotho(rng, n, ties)
    for direction, sims, grouping, relevant in (
            ("text-to-audio", sim, lambda q: range(q // 5, q // 5 + 1), rel),
            ("audio-to-text", sim.T, lambda q: range(5 * q, 5 * q + 5), transpose(rel, n))):
        cols = _arb_ranks(sims, grouping)
        expected = {"R@1": 100 * float(np.sum(cols == 0)) / len(cols)}
        for k in (5, 10, 50):
            expected[f"R@{k}"] = 100 * float(np.sum(cols < k)) / len(cols)
        expected["median rank"] = float(np.median(cols) + 1)
        expected["mean rank"] = float(np.mean(cols) + 1)
        close(run("audio-retrieval-benchmark", sims, relevant, direction), expected)


def _torchmetrics_query(torch: Any, preds: Any, target: Any, k: int, ties: bool,
                        positive_only: bool) -> tuple[float, float, float]:
    """RetrievalRecall, RetrievalHitRate and RetrievalMAP (top_k=k) of one query, as the
    functional code of TorchMetrics 1.9.0 computes them."""
    order = _argsort_desc(torch, preds, ties)
    kept = torch.where(preds > 0, target, torch.zeros_like(target)) if positive_only else target
    # TorchMetrics divides in float32 (`.float()`); float64 here, as the conventions compute
    recall = float(kept[order][:k].sum().double() / target.sum())
    hit = float(target[order][:k].sum() > 0)
    top = kept[order[:k] if ties else preds.topk(min(k, preds.shape[-1]), sorted=True)[1]]
    if not top.sum():
        return recall, hit, 0.0
    positions = torch.arange(1, len(top) + 1, dtype=torch.float64)[top > 0]
    ranks = torch.arange(len(positions), dtype=torch.float64) + 1
    return recall, hit, float((ranks / positions).mean())


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("positive_only", [True, False])
def test_torchmetrics_functional_code_in_torch(ties: bool, positive_only: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(14)
    sim, rel = multi(rng, 30, 25, ties)
    if not ties:
        sim[:, :5] = -np.abs(sim[:, :5])  # some relevant items score below 0
    expected: dict[str, list[float]] = {}
    for q, items in enumerate(rel):
        preds = torch.tensor(sim[q], dtype=torch.float64)
        target = torch.zeros(sim.shape[1], dtype=torch.long)
        target[items] = 1
        for k in (1, 5, 10):
            recall, hit, ap = _torchmetrics_query(torch, preds, target, k, ties, positive_only)
            expected.setdefault(f"R@{k}", []).append(recall)
            expected.setdefault(f"Success@{k}", []).append(hit)
            if k == 10:
                expected.setdefault("mAP@10", []).append(ap)
    name = "torchmetrics" if positive_only else "torchmetrics-1.7.3"
    close(run(name, sim, rel), {m: float(np.mean(v)) for m, v in expected.items()})


# ------------------------------------------------------------ the public door and its docs
def test_evaluate_convention_through_the_package() -> None:
    from dcase_retrieval_eval import evaluate_convention
    from dcase_retrieval_eval.measure.jackknife import jackknife_mean

    rng = np.random.default_rng(21)
    sim, rel = clotho(rng, 11, ties=True)
    target = np.array([r[0] for r in rel])
    report = evaluate_convention(sim, target, "laion-clap")
    ref = ref_laion(sim, rel, "text-to-audio")
    assert {k: m.value for k, m in report.metrics.items()} == pytest.approx(ref, abs=1e-12)
    ci = report.metrics["mAP@10"].ci
    assert ci is not None and ci == jackknife_mean(report.per_query["mAP@10"])
    assert report.metrics["median rank"].ci is None
    assert report.tie_rule.startswith("score descending") and "1fd4c37" in report.source
    assert str(report).startswith("[laion-clap text-to-audio] R@1=")
    assert report.to_dict()["n_queries"] == 55
    boolean = np.zeros(sim.shape, bool)
    boolean[np.arange(55), target] = True
    sparse = pytest.importorskip("scipy.sparse").csr_matrix(boolean.astype(np.float32))
    for same in (boolean, sparse):
        assert evaluate_convention(sim, same, "laion-clap").metrics == report.metrics
    with pytest.warns(UserWarning, match="not an average precision"):
        a2t = evaluate_convention(sim.T, boolean.T, "laion-clap", "audio-to-text")
    assert a2t.warnings and a2t.metrics["mAP@10"].value == pytest.approx(
        ref_laion(sim.T, transpose(rel, 11), "audio-to-text")["mAP@10"], abs=1e-12)
    skip = evaluate_convention(sim, boolean & (np.arange(55) > 4)[:, None], "torchmetrics",
                               empty_target_action="skip")
    assert skip.n_queries == 50 and skip.per_query["R@1"].size == 50


def test_evaluate_convention_reads_a_torch_tensor() -> None:
    torch = _torch()
    from dcase_retrieval_eval import evaluate_convention

    rng = np.random.default_rng(22)
    sim, rel = clotho(rng, 9, ties=False)
    target = np.array([r[0] for r in rel])
    for dtype in (torch.float16, torch.float32, torch.float64):
        tensor = torch.tensor(sim).to(dtype)
        report = evaluate_convention(tensor, torch.tensor(target), "audio-retrieval-benchmark")
        expected = ref_arb(tensor.double().numpy(), rel)
        assert {k: m.value for k, m in report.metrics.items()} == pytest.approx(expected)


@pytest.mark.parametrize("bad, message", [
    (dict(convention="trec"), "unknown convention 'trec'"),
    (dict(direction="both"), "direction must be"),
    (dict(sim=np.zeros(3)), "2-D matrix"),
    (dict(sim=np.array([[np.nan, 1.0]])), "non-finite"),
    (dict(relevance=np.array([0, 7])), "outside 0..1"),
    (dict(relevance=np.zeros((3, 3), bool)), "relevance has shape"),
    (dict(relevance=np.array([[True, False], [False, False]])), "no relevant item"),
    (dict(convention="dcase2025-baseline", direction="audio-to-text"), "text-to-audio only"),
    (dict(empty_target_action="neg"), "no option 'empty_target_action'"),
])
def test_evaluate_convention_refuses_with_one_line(bad: dict[str, Any], message: str) -> None:
    from dcase_retrieval_eval import InputError, evaluate_convention

    args: dict[str, Any] = dict(sim=np.array([[1.0, 0.0], [0.0, 1.0]]),
                                relevance=np.array([0, 1]), convention="laion-clap")
    args.update(bad)
    with pytest.raises(InputError, match=message):
        evaluate_convention(**args)


DOC = Path(__file__).resolve().parents[1] / "docs" / "evaluate.md"


def test_the_worked_example_prints_what_the_page_shows() -> None:
    printed, shown = run_page_example("evaluate.md", "worked-example")
    assert printed == shown


def test_the_official_numbers_the_page_quotes() -> None:
    """The page's `dcase` numbers, from the scorer's own kernels on the stable ranking."""
    from dcase_retrieval_eval.measure.metrics import average_precision, hit_matrix, recall_at

    sim = np.array([[0.9, 0.2, 0.1], [0.4, 0.4, 0.1], [0.7, 0.5, 0.3], [0.1, 0.3, 0.6],
                    [0.2, 0.1, -0.1], [0.3, 0.2, 0.5]])
    clip_of = [[0], [0], [1], [1], [2], [2]]
    text = DOC.read_text(encoding="utf-8")
    for matrix, rel, quoted in ((sim, clip_of, "text-to-audio mAP@10 0.7222, R@1 0.5000, R@2\n"
                                 "0.8333"),
                                (sim.T, transpose(clip_of, 3),
                                 "audio-to-text mAP@10\n0.6944, R@1 0.3333, R@2 0.5000")):
        ranks = np.array([order_stable(row) for row in matrix], dtype=np.int32)
        indptr, indices = csr(rel)
        hits = hit_matrix(ranks, indptr, indices, matrix.shape[1])
        n_rel = np.diff(indptr)
        numbers = [average_precision(hits, n_rel, 10, "relevant").mean(),
                   recall_at(hits, n_rel, 1).mean(), recall_at(hits, n_rel, 2).mean()]
        assert " ".join(f"{x:.4f}" for x in numbers) == " ".join(
            re.findall(r"\d\.\d{4}", quoted))
        assert quoted in text


def test_a_tie_at_the_cut_off_is_warned() -> None:
    from dcase_retrieval_eval import evaluate_convention

    sim = np.array([[3.0, 2.0, 2.0, 1.0], [4.0, 3.0, 2.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
    # row 2 ties at its top (cut-off 1), row 0 at its second and third place (cut-off 2)
    with pytest.warns(UserWarning, match="1 of 3 queries have equal scores straddling the "
                                         "top-1 cut-off") as caught:
        report = evaluate_convention(sim, np.array([0, 0, 1]), "laion-clap", recall_ks=(1, 2))
    texts = [str(w.message) for w in caught]
    assert any("top-2 cut-off" in t and t.startswith("1 of 3") for t in texts)
    assert report.warnings == texts
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # averaged ranks do not depend on an order of ties
        evaluate_convention(sim, np.array([0, 0, 1]), "audio-retrieval-benchmark")
        evaluate_convention(np.array([[2.0, 1.0, 0.0]]), np.array([0]), "laion-clap")

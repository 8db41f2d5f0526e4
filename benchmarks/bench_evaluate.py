"""Time of the in-memory evaluator `dcase_retrieval_eval.evaluate` against named references.

Workload: a seeded 5,225 x 1,045 float32 random similarity matrix with Clotho's structure (each
of 1,045 clips has 5 captions): text-to-audio, each caption's one relevant clip; audio-to-text,
the transposed matrix with a clip's 5 captions relevant. `evaluate` computes the edition's
metrics (mAP@10, R@1/5/10) with their jackknife intervals in both directions.

References, run side by side in this process (each round runs every command once, in turn):
- a plain NumPy loop: one `argsort` per query, then AP@10 and R@1/5/10 (no intervals);
- the DCASE 2025 baseline's torch path: `torch.topk(sim, 10)`, then the rank of the relevant
  item in the top 10 and AP = 1/(rank+1) (text-to-audio only: the baseline has no other);
- TorchMetrics' RetrievalMAP(top_k=10) and RetrievalRecall(top_k=1/5/10) on the flattened
  (preds, target, indexes), both directions, when torchmetrics is importable.
Times are the median of `--repeats` rounds; "ratio" is the reference's median over ours on the
same work (both directions, or text-to-audio alone for a text-to-audio-only reference).
`--embeddings N` also times `evaluate_embeddings` on N x N/5 random 512-d float32 embeddings
(both directions) and reports the process's peak resident set (ru_maxrss).

    python benchmarks/bench_evaluate.py [--repeats 5] [--embeddings 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dcase_retrieval_eval import evaluate, evaluate_embeddings  # noqa: E402

N_CLIPS, PER_CLIP = 1045, 5


def numpy_loop(sim: np.ndarray, relevant: list[np.ndarray]) -> dict[str, float]:
    """mAP@10 and R@1/5/10 with one argsort per query (AP ÷ R, R@k a fraction)."""
    ap, rec = [], {1: [], 5: [], 10: []}
    for q in range(sim.shape[0]):
        order = np.argsort(-sim[q], kind="stable")
        hits = np.isin(order[:10], relevant[q])
        n_rel = len(relevant[q])
        pos = np.flatnonzero(hits)
        ap.append(float(np.sum(np.arange(1, len(pos) + 1) / (pos + 1)) / n_rel))
        for k in rec:
            rec[k].append(hits[:k].sum() / n_rel)
    return {"mAP@10": float(np.mean(ap)), **{f"R@{k}": float(np.mean(v)) for k, v in rec.items()}}


def baseline_topk(sim: object, target: object) -> dict[str, float]:
    """The DCASE 2025 baseline's text-to-audio path: top 10 by torch.topk, rank of the one
    relevant clip in it (10 if absent), R@k = [rank < k], AP@10 = 1/(rank+1) if rank < 10."""
    import torch

    top = torch.topk(sim, 10, dim=1).indices
    found = top == target[:, None]
    rank = torch.where(found.any(1), found.float().argmax(1), torch.full_like(target, 10))
    out = {"mAP@10": float(torch.where(rank < 10, 1.0 / (rank + 1), 0.0).mean())}
    for k in (1, 5, 10):
        out[f"R@{k}"] = float((rank < k).float().mean())
    return out


def torchmetrics_both(t2a: tuple, a2t: tuple) -> None:
    from torchmetrics.retrieval import RetrievalMAP, RetrievalRecall

    for preds, target, indexes in (t2a, a2t):
        RetrievalMAP(top_k=10)(preds, target, indexes=indexes)
        for k in (1, 5, 10):
            RetrievalRecall(top_k=k)(preds, target, indexes=indexes)


def flat(sim: np.ndarray, rel: np.ndarray) -> tuple:
    import torch

    n, m = sim.shape
    return (torch.from_numpy(sim.reshape(-1)), torch.from_numpy(rel.reshape(-1)),
            torch.arange(n).repeat_interleave(m))


def seconds_of(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="rounds (the median is kept)")
    parser.add_argument("--embeddings", type=int, default=5000,
                        help="captions of the evaluate_embeddings run (0: skip it)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    sim = rng.standard_normal((N_CLIPS * PER_CLIP, N_CLIPS), dtype=np.float32)
    clip_of = np.arange(N_CLIPS * PER_CLIP) // PER_CLIP
    captions_of = clip_of[None, :] == np.arange(N_CLIPS)[:, None]  # clips x captions
    sim_t = np.ascontiguousarray(sim.T)
    t2a_rel = [np.array([c]) for c in clip_of]
    a2t_rel = [np.flatnonzero(row) for row in captions_of]

    ours_both, ours_t2a = "evaluate (both directions, CIs)", "evaluate (t2a only, CIs)"
    commands: dict[str, Callable[[], object] | str] = {}
    commands[ours_both] = lambda: (
        evaluate(sim, clip_of), evaluate(sim_t, captions_of, direction="audio-to-text"))
    commands[ours_t2a] = lambda: evaluate(sim, clip_of)
    commands["NumPy argsort loop (both)"] = lambda: (
        numpy_loop(sim, t2a_rel), numpy_loop(sim_t, a2t_rel))
    try:
        import torch

        sim_torch, target_torch = torch.from_numpy(sim), torch.from_numpy(clip_of)
        commands["2025 baseline torch.topk (t2a)"] = lambda: baseline_topk(sim_torch,
                                                                           target_torch)
    except ImportError:
        commands["2025 baseline torch.topk (t2a)"] = "torch not installed"
    try:
        import torchmetrics  # noqa: F401

        one_hot = clip_of[:, None] == np.arange(N_CLIPS)[None, :]
        t2a_flat, a2t_flat = flat(sim, one_hot), flat(sim_t, captions_of)
        commands["TorchMetrics MAP + Recall@1/5/10 (both)"] = lambda: torchmetrics_both(
            t2a_flat, a2t_flat)
    except ImportError:
        commands["TorchMetrics MAP + Recall@1/5/10 (both)"] = "torchmetrics not installed"

    # agreement check before timing: the loop and ours must give the same mAP@10 and R@k
    ours = evaluate(sim, clip_of).metrics
    ref = numpy_loop(sim, t2a_rel)
    for name, value in ref.items():
        assert abs(ours[name].value - value) < 1e-9, (name, ours[name].value, value)
    if callable(commands["2025 baseline torch.topk (t2a)"]):
        for name, value in baseline_topk(sim_torch, target_torch).items():
            assert abs(ours[name].value - value) < 1e-6, (name, ours[name].value, value)

    times: dict[str, list[float]] = {n: [] for n, c in commands.items() if callable(c)}
    for _ in range(args.repeats):
        for name, cmd in commands.items():
            if callable(cmd):
                times[name].append(seconds_of(cmd))
    # each reference over evaluate on the same work: a text-to-audio-only one over ours on t2a
    header = ("command", "median ms", "ratio to evaluate")
    rows = []
    for name, cmd in commands.items():
        if callable(cmd):
            med = float(np.median(times[name]))
            ours_s = float(np.median(times[ours_t2a if "(t2a" in name else ours_both]))
            rows.append([name, f"{med * 1000:.1f}", f"{med / ours_s:.2f}x"])
        else:
            rows.append([name, cmd, "-"])
    if args.embeddings:
        n = args.embeddings
        text = rng.standard_normal((n, 512), dtype=np.float32)
        audio = rng.standard_normal((n // PER_CLIP, 512), dtype=np.float32)
        t0 = time.perf_counter()
        evaluate_embeddings(text, audio, np.arange(n) // PER_CLIP)
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        rows.append([f"evaluate_embeddings {n:,} x {n // PER_CLIP:,} x 512 (both)",
                     f"{seconds * 1000:.1f}", f"peak RSS {peak:.0f} MiB"])
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"{args.repeats} rounds, 5,225 x 1,045 float32, seed {args.seed}; "
          "targets (issue 19): both directions <= 25 ms; >= 50x faster than TorchMetrics")


if __name__ == "__main__":
    main()

"""Time and memory of the in-memory evaluator `dcase_retrieval_eval.evaluate` against named
references, side by side in one run.

Workload 1: a seeded 5,225 x 1,045 float32 random similarity matrix with Clotho's structure
(each of 1,045 clips has 5 captions): text-to-audio, each caption's one relevant clip;
audio-to-text, the transposed matrix with a clip's 5 captions relevant. `evaluate` computes the
edition's metrics (mAP@10, R@1/5/10) with their jackknife intervals in both directions.
References, run in this process (each round runs every command once, in turn):
- a plain NumPy loop: one `argsort` per query, then AP@10 and R@1/5/10 (no intervals);
- the DCASE 2025 baseline's torch path: `torch.topk(sim, 10)`, then the rank of the relevant
  item in the top 10 and AP = 1/(rank+1) (text-to-audio only: the baseline has no other);
- TorchMetrics' RetrievalMAP(top_k=10) and RetrievalRecall(top_k=1/5/10) on the flattened
  (preds, target, indexes) its documentation asks for, both directions (the `bench` extra
  installs it; the row is skipped with a message without it). Its values are first checked
  against `evaluate_convention(..., "torchmetrics")`. It takes minutes a round here, so it
  runs `--torchmetrics-repeats` rounds.
- on a GPU, `evaluate` of the same matrix as a CUDA tensor (the same code path); the table
  says "no GPU present" when torch.cuda is unavailable.
Times are the best and the median of the rounds, wall clock, and the median CPU time (all of
the process's threads: torch uses two, `evaluate` counts a large block's row slices on both
CPUs); "ratio" is the reference's median wall time over ours on the same work (both
directions, or text-to-audio alone for a text-to-audio-only reference). On a shared, busy
host the best round is the closest to the machine's own speed, the median to a busy day's.

Workload 2 (`--embeddings N`, default 20,000; `--full` for 100,000): `evaluate_embeddings` on
N caption and N clip embeddings, 512-d float32, caption i describing clip i, both directions
(N x N each), in a fresh process so that its peak resident set (ru_maxrss) is its own; then, in
that process, the reference: the same row blocks multiplied and cut by a plain `torch.topk(10)`
(no metrics, no intervals).

    python benchmarks/bench_evaluate.py [--repeats 7] [--embeddings 20000 | --full] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dcase_retrieval_eval import evaluate, evaluate_convention, evaluate_embeddings  # noqa: E402
from dcase_retrieval_eval.measure.evaluate import (  # noqa: E402
    DEFAULT_MEMORY_BUDGET,
    rows_per_block,
)

N_CLIPS, PER_CLIP, DIM = 1045, 5, 512
TARGET_MS, TARGET_RATIO = 25.0, 50.0


def numpy_loop(sim: np.ndarray, relevant: list[np.ndarray]) -> dict[str, float]:
    """mAP@10 and R@1/5/10 with one argsort per query (AP ÷ R, R@k a fraction)."""
    ap: list[float] = []
    rec: dict[int, list[float]] = {1: [], 5: [], 10: []}
    for q in range(sim.shape[0]):
        order = np.argsort(-sim[q], kind="stable")
        hits = np.isin(order[:10], relevant[q])
        n_rel = len(relevant[q])
        pos = np.flatnonzero(hits)
        ap.append(float(np.sum(np.arange(1, len(pos) + 1) / (pos + 1)) / n_rel))
        for k in rec:
            rec[k].append(hits[:k].sum() / n_rel)
    return {"mAP@10": float(np.mean(ap)), **{f"R@{k}": float(np.mean(v)) for k, v in rec.items()}}


def baseline_topk(sim: Any, target: Any) -> dict[str, float]:
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


def torchmetrics_both(t2a: tuple[Any, ...], a2t: tuple[Any, ...]) -> list[dict[str, float]]:
    """RetrievalMAP(top_k=10) and RetrievalRecall(top_k=1/5/10) of each direction."""
    from torchmetrics.retrieval import RetrievalMAP, RetrievalRecall

    out = []
    for preds, target, indexes in (t2a, a2t):
        values = {"mAP@10": float(RetrievalMAP(top_k=10)(preds, target, indexes=indexes))}
        for k in (1, 5, 10):
            values[f"R@{k}"] = float(RetrievalRecall(top_k=k)(preds, target, indexes=indexes))
        out.append(values)
    return out


def flat(sim: np.ndarray, rel: np.ndarray) -> tuple[Any, ...]:
    """(preds, target, indexes) as TorchMetrics' retrieval metrics take them."""
    import torch

    n, m = sim.shape
    return (torch.from_numpy(sim.reshape(-1)), torch.from_numpy(rel.reshape(-1)),
            torch.arange(n).repeat_interleave(m))


def seconds_of(fn: Callable[[], object], sync: Callable[[], None] | None = None,
               ) -> tuple[float, float]:
    """Wall and CPU seconds (all of this process's threads) of one call."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    if sync is not None:
        sync()
    return time.perf_counter() - t0, time.process_time() - c0


def _check(name: str, got: dict[str, float], want: dict[str, Any], tol: float) -> None:
    for metric, value in got.items():
        ref = want[metric].value
        if abs(ref - value) > tol:
            raise SystemExit(f"{name} disagrees on {metric}: {value} against {ref}")


def matrix_rows(args: argparse.Namespace) -> list[list[str]]:
    """Workload 1: the table's rows (command, median ms, ratio to evaluate)."""
    rng = np.random.default_rng(args.seed)
    sim = rng.standard_normal((N_CLIPS * PER_CLIP, N_CLIPS), dtype=np.float32)
    clip_of = np.arange(N_CLIPS * PER_CLIP) // PER_CLIP
    captions_of = clip_of[None, :] == np.arange(N_CLIPS)[:, None]  # clips x captions
    sim_t = np.ascontiguousarray(sim.T)
    t2a_rel = [np.array([c]) for c in clip_of]
    a2t_rel = [np.flatnonzero(row) for row in captions_of]

    ours_both, ours_t2a = "evaluate (both directions, CIs)", "evaluate (t2a only, CIs)"
    commands: dict[str, Callable[[], object] | str] = {
        ours_both: lambda: (evaluate(sim, clip_of),
                            evaluate(sim_t, captions_of, direction="audio-to-text")),
        ours_t2a: lambda: evaluate(sim, clip_of),
        "NumPy argsort loop (both)": lambda: (numpy_loop(sim, t2a_rel),
                                              numpy_loop(sim_t, a2t_rel)),
    }
    slow: dict[str, int] = {}  # commands run fewer rounds
    syncs: dict[str, Callable[[], None]] = {}
    ours = evaluate(sim, clip_of).metrics
    _check("the NumPy loop", numpy_loop(sim, t2a_rel), ours, 1e-9)
    tm = "TorchMetrics MAP + Recall@1/5/10 (both)"
    gpu_both, gpu_base = "evaluate on the GPU (both, CIs)", "2025 baseline torch.topk on the GPU"
    try:
        import torch
    except ImportError:
        commands["2025 baseline torch.topk (t2a)"] = "torch not installed"
        commands[tm] = "torch not installed"
        commands[gpu_both] = "torch not installed"
    else:
        sim_torch, target_torch = torch.from_numpy(sim), torch.from_numpy(clip_of)
        commands["2025 baseline torch.topk (t2a)"] = lambda: baseline_topk(sim_torch,
                                                                           target_torch)
        _check("the baseline's path", baseline_topk(sim_torch, target_torch), ours, 1e-6)
        try:
            import torchmetrics  # noqa: F401
        except ImportError:
            commands[tm] = "torchmetrics not installed (pip install -e '.[bench]')"
        else:
            one_hot = clip_of[:, None] == np.arange(N_CLIPS)[None, :]
            t2a_flat, a2t_flat = flat(sim, one_hot), flat(sim_t, captions_of)
            theirs = torchmetrics_both(t2a_flat, a2t_flat)
            for values, (m, r, d) in zip(theirs, ((sim, clip_of, "text-to-audio"),
                                                  (sim_t, captions_of, "audio-to-text")),
                                         strict=True):
                _check("TorchMetrics", values, evaluate_convention(m, r, "torchmetrics", d,
                                                                   recall_ks=(1, 5, 10)
                                                                   ).metrics, 1e-6)
            commands[tm] = lambda: torchmetrics_both(t2a_flat, a2t_flat)
            slow[tm] = args.torchmetrics_repeats
        if torch.cuda.is_available():
            sim_gpu, sim_t_gpu = sim_torch.cuda(), torch.from_numpy(sim_t).cuda()
            commands[gpu_both] = lambda: (evaluate(sim_gpu, clip_of), evaluate(
                sim_t_gpu, captions_of, direction="audio-to-text"))
            target_gpu = target_torch.cuda()
            commands[gpu_base] = lambda: baseline_topk(sim_gpu, target_gpu)
            syncs[gpu_both] = syncs[gpu_base] = torch.cuda.synchronize
        else:
            commands[gpu_both] = "no GPU present (torch.cuda unavailable)"

    times: dict[str, list[float]] = {n: [] for n, c in commands.items() if callable(c)}
    cpu: dict[str, list[float]] = {n: [] for n in times}
    for name, cmd in commands.items():  # one warm-up each
        if callable(cmd) and name not in slow:
            cmd()
    # a round runs the torch commands first and ours after the NumPy loop: torch's OpenMP
    # threads spin for a while after each call, and would take the CPUs from what follows
    last = ["NumPy argsort loop (both)", ours_both, ours_t2a]
    order = [n for n in commands if n not in last] + last
    for round_no in range(args.repeats):
        for name in order:
            cmd = commands[name]
            if callable(cmd) and round_no < slow.get(name, args.repeats):
                wall, used = seconds_of(cmd, syncs.get(name))
                times[name].append(wall)
                cpu[name].append(used)
    rows = []
    for name, cmd in commands.items():
        if not callable(cmd):
            rows.append([name, "-", cmd, "-", "-"])
            continue
        med = float(np.median(times[name]))
        mine = ours_t2a if "(t2a" in name else ours_both
        if name == gpu_base:
            mine = ours_t2a
        ratio = f"{med / float(np.median(times[mine])):.2f}x"
        rounds = f" ({len(times[name])} rounds)" if name in slow else ""
        rows.append([name, f"{min(times[name]) * 1000:.1f}", f"{med * 1000:.1f}{rounds}", ratio,
                     f"{float(np.median(cpu[name])) * 1000:.1f}"])
    ours_ms = float(np.median(times[ours_both])) * 1000
    best_ms = min(times[ours_both]) * 1000
    verdict = [f"target <= {TARGET_MS:.0f} ms both directions: best round "
               + ("met" if best_ms <= TARGET_MS else "NOT met") + f" ({best_ms:.1f} ms), median "
               + ("met" if ours_ms <= TARGET_MS else "NOT met") + f" ({ours_ms:.1f} ms)"]
    if tm in times:
        speedup = float(np.median(times[tm])) * 1000 / ours_ms
        verdict.append(f"target >= {TARGET_RATIO:.0f}x faster than TorchMetrics: "
                       + ("met" if speedup >= TARGET_RATIO else "NOT met")
                       + f" ({speedup:.0f}x)")
    rows.append(["; ".join(verdict), "", "", "", ""])
    return rows


def peak_mib() -> float:
    """This address space's peak resident set (VmHWM, which exec resets: `ru_maxrss` of a
    child also counts the parent it was forked from), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def embeddings_child(n: int, seed: int) -> dict[str, float]:
    """Workload 2 in this (fresh) process: ours first, its peak RSS, then the torch
    reference on the same blocks (torch imported only then)."""
    rng = np.random.default_rng(seed)
    text = rng.standard_normal((n, DIM), dtype=np.float32)
    audio = rng.standard_normal((n, DIM), dtype=np.float32)
    c2c = np.arange(n)
    base = peak_mib()
    t0 = time.perf_counter()
    evaluate_embeddings(text, audio, c2c)
    ours = time.perf_counter() - t0
    peak = peak_mib()
    out = {"seconds": ours, "peak_mib": peak, "inputs_mib": base}
    try:
        import torch
    except ImportError:
        return out
    t0 = time.perf_counter()
    for queries, items in ((text, audio), (audio, text)):
        q = torch.nn.functional.normalize(torch.from_numpy(queries), dim=1)
        it = torch.nn.functional.normalize(torch.from_numpy(items), dim=1).T
        rows = rows_per_block(items.shape[0], 4, DEFAULT_MEMORY_BUDGET)
        for lo in range(0, n, rows):
            torch.topk(q[lo:lo + rows] @ it, 10, dim=1)
    out["torch_seconds"] = time.perf_counter() - t0
    return out


def embeddings_rows(n: int, seed: int) -> list[list[str]]:
    proc = subprocess.run([sys.executable, __file__, "--embeddings-child", str(n),
                           "--seed", str(seed)], capture_output=True, text=True, check=True)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    name = f"evaluate_embeddings {n:,} x {n:,} x {DIM} (both)"
    peak = f"peak RSS {res['peak_mib']:.0f} MiB (inputs {res['inputs_mib']:.0f} MiB)"
    rows = [[name, "-", f"{res['seconds'] * 1000:.0f}", peak, "-"]]
    if "torch_seconds" in res:
        rows.append([f"torch.topk(10) over the same blocks ({n:,}, both)", "-",
                     f"{res['torch_seconds'] * 1000:.0f}",
                     f"{res['torch_seconds'] / res['seconds']:.2f}x", "-"])
    rows.append([f"target peak RSS <= 2 GB: {'met' if res['peak_mib'] <= 2048 else 'NOT met'}"
                 + ("" if n >= 100_000 else f" at {n:,} (--full for 100,000)"), "", "", "", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="rounds (the median is kept)")
    parser.add_argument("--torchmetrics-repeats", type=int, default=1,
                        help="rounds of the TorchMetrics reference (minutes each)")
    parser.add_argument("--embeddings", type=int, default=20_000,
                        help="captions (= clips) of the evaluate_embeddings run (0: skip it)")
    parser.add_argument("--full", action="store_true", help="the embeddings run at 100,000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embeddings-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.embeddings_child:
        print(json.dumps(embeddings_child(args.embeddings_child, args.seed)))
        return

    rows = matrix_rows(args)
    n = 100_000 if args.full else args.embeddings
    if n:
        rows += embeddings_rows(n, args.seed)
    header = ("command", "best ms", "median ms", "ratio to evaluate", "median CPU ms")
    table = [r for r in rows if r[2]]  # the verdict lines go below the table
    widths = [max(len(str(r[i])) for r in (header, *table)) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in table:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    for r in rows:
        if not r[2]:
            print(r[0])
    load = os.getloadavg()
    print(f"{args.repeats} rounds, 5,225 x 1,045 float32, seed {args.seed}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

"""How fast is `dcase-eval rank`? One run prints one table.

Scenarios (the issue's targets): 31 systems x 1,000 queries (2022 challenge size) and
100 systems x 5,225 queries (Clotho evaluation size), 10,000 rounds each. For each:
- `whole process`: wall time of `python -m dcase_retrieval_eval rank MANIFEST --gt GT --out DIR`
  as a subprocess (start-up, reading and validating every CSV, scoring, the randomization test
  and the paired bootstrap CIs, Holm, writing every output);
- `tests only`: the in-process time of the paired tests for the family (best vs each other);
- `scipy loop`: a plain loop of `scipy.stats.permutation_test(..., permutation_type='samples',
  vectorized=True)`, one call per pair, timed on a few pairs and extrapolated to the family
  (the table says so);
- `ratio`: scipy loop / tests only, and scipy loop / whole process.

A second table times the ranking-robustness analysis (`rank --bootstrap-rankings`, issue 11):
31 systems x 5,000 queries x 1,000 resamples of the queries, target at most 5 s, against a plain
loop (one resample at a time: index the queries, mean, `scipy.stats.rankdata`,
`scipy.stats.kendalltau`), timed on a slice of the resamples and extrapolated.

Usage: python benchmarks/rank_speed.py [--quick]   (--quick: fewer rounds, for a smoke run)
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcase_retrieval_eval.challenge.compare import compare  # noqa: E402
from dcase_retrieval_eval.challenge.ranking import rank  # noqa: E402
from dcase_retrieval_eval.challenge.robustness import DECIMALS, rank_robustness  # noqa: E402


def write_gt(folder: Path, n_files: int, captions: int) -> Path:
    path = folder / "gt.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file_name", *[f"caption_{i}" for i in range(1, captions + 1)]])
        for f in range(n_files):
            writer.writerow([f"clip {f:05d}, take.wav",
                             *[f"caption {f} number {c}" for c in range(captions)]])
    return path


def write_systems(folder: Path, n_systems: int, n_files: int, captions: int, seed: int) -> Path:
    """Top-10 CSVs of graded quality and a manifest `system,team,path`."""
    rng = np.random.default_rng(seed)
    files = np.array([f"clip {f:05d}, take.wav" for f in range(n_files)], dtype=object)
    relevant = np.repeat(np.arange(n_files), captions)
    queries = [f"caption {f} number {c}" for f in range(n_files) for c in range(captions)]
    n = len(queries)
    manifest = folder / "manifest.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as mf:
        mw = csv.writer(mf, lineterminator="\n")
        mw.writerow(["system", "team", "path"])
        for s in range(n_systems):
            quality = 0.1 + 0.6 * s / max(n_systems - 1, 1)
            keys = rng.random((n, n_files))
            keys[np.arange(n), relevant] = np.inf
            top = np.argpartition(keys, 10, axis=1)[:, :10]
            hit = rng.random(n) < quality
            where = rng.integers(0, 10, n)
            top[hit, where[hit]] = relevant[hit]
            path = folder / f"S{s:03d}.output.csv"
            with open(path, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(["caption", *[f"file_name_{i}" for i in range(1, 11)]])
                for q in range(n):
                    writer.writerow([queries[q], *files[top[q]]])
            mw.writerow([f"S{s:03d}", f"team{s % 30:02d}", path.name])
    return manifest


def scipy_pair_seconds(values: np.ndarray, rounds: int, pairs: int) -> float:
    """Mean seconds of one scipy.stats.permutation_test call on (best, j) pairs."""
    def statistic(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
        mean: np.ndarray = np.mean(a - b, axis=axis)
        return mean

    start = time.perf_counter()
    for j in range(1, pairs + 1):
        stats.permutation_test((values[:, 0], values[:, j]), statistic,
                               permutation_type="samples", vectorized=True,
                               n_resamples=rounds, random_state=np.random.default_rng(j))
    return (time.perf_counter() - start) / pairs


def scenario(n_systems: int, n_files: int, captions: int, rounds: int, target: float,
             scipy_pairs: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="rank-speed-") as tmp:
        folder = Path(tmp)
        gt = write_gt(folder, n_files, captions)
        manifest = write_systems(folder, n_systems, n_files, captions, seed=n_systems)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dcase_retrieval_eval", "rank", manifest,
                               "--gt", gt, "--out", folder / "out", "--rounds", str(rounds),
                               "--quiet"], env=env, capture_output=True, text=True)
        whole = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"rank failed: {done.stderr}")
        board = rank(manifest, gt, rounds=1)
        labels = [s.label for s in board.systems]
        values = np.column_stack([board.per_query(lab)[board.main_metric] for lab in labels])
        start = time.perf_counter()
        compare(values, labels, rounds=rounds, seed=1)
        tests = time.perf_counter() - start
        family = n_systems - 1
        measured = min(scipy_pairs, family)
        per_pair = scipy_pair_seconds(values, rounds, measured)
        loop = per_pair * family
        how = "measured" if measured == family else f"extrapolated from {measured} pairs"
    verdict = "ok" if whole <= target else "OVER"
    return [f"{n_systems} x {values.shape[0]:,}", f"{rounds:,}", f"{whole:.2f} s",
            f"<= {target:.0f} s ({verdict})", f"{tests:.2f} s", f"{loop:.1f} s ({how})",
            f"{loop / tests:.0f}x", f"{loop / whole:.0f}x"]


def robustness_loop_seconds(values: np.ndarray, resamples: int, seed: int) -> float:
    """Seconds of the plain per-resample loop for `resamples` draws."""
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    official = np.round(values.mean(axis=0), DECIMALS)
    start = time.perf_counter()
    for _ in range(resamples):
        means = np.round(values[rng.integers(0, n, size=n)].mean(axis=0), DECIMALS)
        stats.rankdata(-means, method="min")
        stats.kendalltau(means, official)
    return time.perf_counter() - start


def robustness_scenario(n_systems: int, n_queries: int, resamples: int, target: float,
                        loop_resamples: int) -> list[str]:
    rng = np.random.default_rng(11)
    quality = np.linspace(0.1, 0.5, n_systems)
    values = (rng.random((n_queries, n_systems)) < quality) / rng.integers(1, 11, (n_queries,
                                                                                 n_systems))
    values = values[:, ::-1].copy()
    labels = [f"S{s:03d}" for s in range(n_systems)]
    metrics = {"mAP@10": values.mean(axis=0).tolist(), "R@1": (values == 1).mean(axis=0).tolist()}
    start = time.perf_counter()
    rank_robustness(values, labels, "mAP@10", metrics, resamples=resamples, seed=1)
    ours = time.perf_counter() - start
    measured = min(loop_resamples, resamples)
    loop = robustness_loop_seconds(values, measured, seed=1) * resamples / measured
    how = "measured" if measured == resamples else f"extrapolated from {measured}"
    verdict = "ok" if ours <= target else "OVER"
    return [f"{n_systems} x {n_queries:,}", f"{resamples:,}", f"{ours:.2f} s",
            f"<= {target:.0f} s ({verdict})", f"{loop:.1f} s ({how})", f"{loop / ours:.0f}x"]


def print_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rounds, fewer scipy pairs")
    args = parser.parse_args()
    rounds = 1000 if args.quick else 10_000
    rows = [scenario(31, 1000, 1, rounds, 3.0, scipy_pairs=30 if not args.quick else 3),
            scenario(100, 1045, 5, rounds, 30.0, scipy_pairs=5 if not args.quick else 2)]
    head = ["systems x queries", "rounds", "whole process", "target", "tests only",
            "scipy loop (family)", "vs tests", "vs whole"]
    print_table(head, rows)
    print(f"\nmachine: {os.cpu_count()} CPU(s) visible, numpy {np.__version__}; family = best vs "
          "each other system; tests only = randomization p-values + paired bootstrap CIs.")
    print()
    robust = [robustness_scenario(31, 5000, 1000, 5.0, loop_resamples=200 if not args.quick
                                  else 50)]
    print_table(["systems x queries", "resamples", "robustness", "target", "plain loop",
                 "ratio"], robust)


if __name__ == "__main__":
    main()

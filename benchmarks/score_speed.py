"""Whole-process time and peak memory of `dcase-eval score` against a naive reference.

The reference is `naive_reference.py`: what the organizers' script does (a per-query Python loop
and astropy's O(n^2) jackknife). Each run is a fresh process; its time is the best wall-clock
time of three runs and its peak memory the process's VmHWM (see `peak_memory.py`). Workloads: the
5,225-query
2022 reference (when ../shared is present) and generated 50,000 and 1,000,000-query challenges.
The naive run is skipped with a note when astropy's n x (n-1) matrix would not fit in the memory
available now. Each workload is also scored with `--per-query` (the per-query CSV written too),
whose whole-process time must stay within 1.2x of the plain score.

    python benchmarks/score_speed.py [--sizes 50000,1000000] [--keep DIR] [--no-naive]
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

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "dcase2022-baseline"
NAIVE = Path(__file__).with_name("naive_reference.py")
PEAK = Path(__file__).with_name("peak_memory.py")
REPEATS = 3  # whole-process times are the best of three runs


def generate(out: Path, n_queries: int, seed: int = 0) -> tuple[Path, Path]:
    """A Clotho-style ground truth (5 captions per file) and a top-10 submission."""
    rng = np.random.default_rng(seed)
    n_files = n_queries // 5
    files = [f"generated clip {i:07d}, take 'A'.wav" for i in range(n_files)]
    gt, sub = out / f"gt_{n_queries}.csv", out / f"sub_{n_queries}.csv"
    with open(gt, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file_name", *[f"caption_{j}" for j in range(1, 6)]])
        for i, name in enumerate(files):
            w.writerow([name, *[f"caption {j} of generated clip number {i}" for j in range(5)]])
    picks = rng.integers(0, n_files, size=(n_queries, 10))
    hit_pos = rng.integers(0, 20, size=n_queries)  # positions >= 10: not retrieved
    with open(sub, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["caption", *[f"file_name_{i}" for i in range(1, 11)]])
        for q in range(n_queries):
            i, j = divmod(q, 5)
            row = [files[x] for x in picks[q]]
            if hit_pos[q] < 10:
                row[hit_pos[q]] = files[i]
            # keep each row free of repeats and of accidental extra hits
            seen: set[str] = set()
            for p, name in enumerate(row):
                if name in seen or (name == files[i] and p != hit_pos[q]):
                    row[p] = files[(i + p + 1) % n_files]
                seen.add(row[p])
            w.writerow([f"caption {j} of generated clip number {i}", *row])
    return sub, gt


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one fresh process; best of `REPEATS` for the time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times, peak, code = [], 0.0, 0
    for _ in range(REPEATS):
        with tempfile.NamedTemporaryFile(suffix=".peak") as peak_file:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, str(PEAK), peak_file.name, *cmd],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            times.append(time.perf_counter() - start)
            code = proc.returncode
            if code != 0:
                sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
            text = Path(peak_file.name).read_text()
            peak = max(peak, int(text) / 2**20 if text else float("nan"))
        if times[0] > 10:  # a long run is measured once
            break
    return min(times), peak, code


def available_mib() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50000,1000000")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated files here")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the naive reference (at 50,000 queries it needs about 19 GB)")
    args = parser.parse_args()
    workloads: list[tuple[str, Path, Path]] = []
    if REFERENCE.is_dir():
        workloads.append(("2022 reference (5,225)", REFERENCE / "test.output.csv",
                          REFERENCE / "test.gt.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for n in (int(s) for s in args.sizes.split(",") if s):
            sub, gt = generate(out, n)
            workloads.append((f"generated ({n:,})", sub, gt))
        header = ("workload", "ours s", "ours MiB", "--per-query s", "per-query ratio",
                  "naive s", "naive MiB", "speed-up", "memory ratio")
        rows = []
        for label, sub, gt in workloads:
            ours = measure(["-m", "dcase_retrieval_eval", "score", str(sub),
                            "--gt", str(gt), "--format", "json"])
            per_query = measure(["-m", "dcase_retrieval_eval", "score", str(sub), "--gt", str(gt),
                                 "--format", "json", "--per-query", str(out / "per_query.csv")])
            pq = (f"{per_query[0]:.2f}", f"{per_query[0] / ours[0]:.2f}x")
            with open(sub, encoding="utf-8") as fh:
                n = sum(1 for _ in fh) - 1
            need_mib = 8 * n * (n - 1) / 2**20 * 1.05 + 500
            if args.no_naive:
                rows.append((label, f"{ours[0]:.2f}", f"{ours[1]:.0f}", *pq, "not run", "-", "-",
                             "-"))
                continue
            if need_mib > available_mib():
                rows.append((label, f"{ours[0]:.2f}", f"{ours[1]:.0f}", *pq,
                             f"skipped: needs {need_mib / 1024:,.0f} GiB", "-", "-", "-"))
                continue
            naive = measure([str(NAIVE), str(sub), str(gt)])
            rows.append((label, f"{ours[0]:.2f}", f"{ours[1]:.0f}", *pq, f"{naive[0]:.2f}",
                         f"{naive[1]:.0f}", f"{naive[0] / ours[0]:.1f}x",
                         f"{naive[1] / ours[1]:.1f}x"))
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print("targets: >= 7x faster at 5,225; >= 50x faster and >= 60x less memory at 50,000; "
          "1,000,000 queries in <= 3 s and <= 1 GB; --per-query <= 1.2x the plain score")


if __name__ == "__main__":
    main()

"""Whole-process time and peak memory of `dcase-eval score` against named references.

References, each a fresh process run side by side with ours (the commands of a workload take
turns, round after round, so that a busy spell of a shared machine hits them alike):
- `naive_reference.py`: what the organizers' script does (a per-query Python loop and astropy's
  O(n^2) jackknife); skipped with a note when its n x (n-1) matrix would not fit in memory;
- `arrow_floor.py` (large workloads): pyarrow's multi-threaded CSV reader reading both files and
  nothing else, the floor of any reader built on it;
- ours with `--per-query` (the per-query CSV written too), which must stay within 1.2x.
Time is the best and the median of `--repeats` rounds (one round for a command above 10 s); the
`paired` ratios are medians over rounds of one command's time over the other's in the same round,
which a busy spell of the machine moves less than a ratio of two best times. Memory is the
process's peak resident set (VmHWM, see `peak_memory.py`). Workloads: the 5,225-query 2022
reference (when ../shared is present), generated 50,000 and 1,000,000-query challenges with rows
in the query set's order (as the baselines write them), and the 1,000,000 one with its rows
shuffled (no row-order shortcut: every query is looked up).

    python benchmarks/score_speed.py [--sizes 50000,1000000] [--repeats 3] [--keep DIR]
                                     [--no-naive] [--no-shuffled]
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
FLOOR = Path(__file__).with_name("arrow_floor.py")
LARGE = 1_000_000  # from this size on, the Arrow floor is measured too


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
            # keep each row free of repeats and of accidental extra hits (a replacement is
            # checked too: at small sizes the first one may itself repeat a name)
            seen: set[str] = set()
            for p, name in enumerate(row):
                step = p + 1
                while name in seen or (name == files[i] and p != hit_pos[q]):
                    name = files[(i + step) % n_files]
                    step += 11
                row[p] = name
                seen.add(name)
            w.writerow([f"caption {j} of generated clip number {i}", *row])
    return sub, gt


def _run_once(cmd: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak_file:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(PEAK), peak_file.name, *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
        text = Path(peak_file.name).read_text()
    return seconds, int(text) / 2**20 if text else float("nan"), proc.returncode


def measure(commands: dict[str, list[str]], repeats: int,
            ) -> dict[str, tuple[float, float, list[float]]]:
    """(best seconds, peak MiB, the seconds of every round) of each command, the commands
    taking turns round after round; a command that took over 10 s is not run again."""
    got: dict[str, tuple[float, float, list[float]]] = {}
    for _ in range(repeats):
        for name, cmd in commands.items():
            if name in got and got[name][0] > 10:
                continue
            seconds, peak, code = _run_once(cmd)
            if code != 0:
                raise SystemExit(f"{name} failed with exit code {code}")
            best, old_peak, times = got.get(name, (float("inf"), 0.0, []))
            got[name] = (min(best, seconds), max(old_peak, peak), [*times, seconds])
    return got


def paired_ratio(slow: list[float], fast: list[float]) -> float:
    """The median over rounds of slow / fast, each pair run back to back: a busy spell of a
    shared machine slows both of a pair, so this moves less than a ratio of two minima."""
    return float(np.median([a / b for a, b in zip(slow, fast, strict=False)]))


def shuffled_copy(sub: Path, seed: int = 1) -> Path:
    """The submission with its rows in a random order (same header, same rows)."""
    out = sub.with_name(sub.stem + "_shuffled.csv")
    with open(sub, encoding="utf-8", newline="") as fh:
        header, *rows = fh.readlines()
    order = np.random.default_rng(seed).permutation(len(rows))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        fh.writelines(rows[i] for i in order)
    return out


def available_mib() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50000,1000000")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (best time is kept)")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated files here")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the naive reference (at 50,000 queries it needs about 19 GB)")
    parser.add_argument("--no-shuffled", action="store_true",
                        help="skip the shuffled-rows copy of the largest workload")
    args = parser.parse_args()
    workloads: list[tuple[str, Path, Path, int]] = []
    if REFERENCE.is_dir():
        workloads.append(("2022 reference (5,225)", REFERENCE / "test.output.csv",
                          REFERENCE / "test.gt.csv", 5225))
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for n in (int(s) for s in args.sizes.split(",") if s):
            sub, gt = generate(out, n)
            workloads.append((f"generated ({n:,})", sub, gt, n))
            if n >= LARGE and not args.no_shuffled:
                workloads.append((f"generated ({n:,}), rows shuffled", shuffled_copy(sub), gt, n))
        header = ("workload", "ours s", "ours median s", "ours MiB", "--per-query s",
                  "per-query ratio", "paired", "Arrow read s", "ours / Arrow read", "naive s",
                  "naive MiB", "speed-up", "memory ratio")
        rows = []
        for label, sub, gt, n in workloads:
            score = ["-m", "dcase_retrieval_eval", "score", str(sub), "--gt", str(gt),
                     "--format", "json"]
            commands = {"ours": score,
                        "per-query": [*score, "--per-query", str(out / "per_query.csv")]}
            if n >= LARGE:
                commands["floor"] = [str(FLOOR), str(sub), str(gt)]
            need_mib = 8 * n * (n - 1) / 2**20 * 1.05 + 500
            naive_note = ("not run" if args.no_naive else
                          f"skipped: needs {need_mib / 1024:,.0f} GiB"
                          if need_mib > available_mib() else None)
            if naive_note is None:
                commands["naive"] = [str(NAIVE), str(sub), str(gt)]
            got = measure(commands, args.repeats)
            ours, pq = got["ours"], got["per-query"]
            row = [label, f"{ours[0]:.2f}", f"{np.median(ours[2]):.2f}", f"{ours[1]:.0f}",
                   f"{pq[0]:.2f}", f"{pq[0] / ours[0]:.2f}x",
                   f"{paired_ratio(pq[2], ours[2]):.2f}x"]
            if "floor" in got:
                row += [f"{got['floor'][0]:.2f}",
                        f"{paired_ratio(ours[2], got['floor'][2]):.2f}x"]
            else:
                row += ["-", "-"]
            if "naive" in got:
                naive = got["naive"]
                row += [f"{naive[0]:.2f}", f"{naive[1]:.0f}", f"{naive[0] / ours[0]:.1f}x",
                        f"{naive[1] / ours[1]:.1f}x"]
            else:
                row += [str(naive_note), "-", "-", "-"]
            rows.append(row)
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print("targets: >= 7x faster at 5,225; >= 50x faster and >= 60x less memory at 50,000; "
          "1,000,000 queries in <= 3 s and <= 1 GB; --per-query <= 1.2x the plain score")


if __name__ == "__main__":
    main()

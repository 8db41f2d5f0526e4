"""Peak memory of `dcase-eval validate` on hostile CSV shapes against an ordinary file.

The reference is an ordinary top-10 submission of about the same size (one row per query), run
in the same script: a hostile shape (one line of millions of short cells, a matrix header a
million columns wide, one record spread over quoted line breaks) should cost no more than a small
multiple of what that file costs. Each command is a fresh process measured by its VmHWM
(`peak_memory.py`). Usage: python benchmarks/bench_wide_rows.py [--mb 37]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

HEADER = "caption," + ",".join(f"file_name_{i}" for i in range(1, 11)) + "\n"


def _ordinary(path: Path, size: int, files: list[str], captions: list[str]) -> None:
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        written = len(HEADER)
        while written < size:
            row = rng.choice(captions) + "," + ",".join(rng.sample(files, 10)) + "\n"
            fh.write(row)
            written += len(row)


def _one_line(path: Path, size: int) -> None:
    rng = random.Random(2)
    cells = [f"{a}{b}" for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghij"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "a dog")
        fh.write("," + ",".join(rng.choice(cells) for _ in range(size // 3)) + "\n")


def _matrix_header(path: Path, columns: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("caption," + ",".join(f"f{i}.wav" for i in range(columns)) + "\n")
        fh.write("a dog," + ",".join(["0.5"] * columns) + "\n")


def _quoted(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "a dog," + ",".join(['"a\nb"'] * (size // 6)) + "\n")


def _peak_mib(sub: Path, gt: Path, tmp: Path) -> float:
    out = tmp / "peak"
    subprocess.run([sys.executable, str(HERE / "peak_memory.py"), str(out), "-m",
                    "dcase_retrieval_eval", "validate", str(sub), "--gt", str(gt), "--format",
                    "json"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   stdout=subprocess.DEVNULL, check=False)
    return int(out.read_text()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=37, help="size of each file in MB")
    args = parser.parse_args()
    size = args.mb * 10**6
    sys.path.insert(0, str(ROOT / "tests"))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        from tests.organizer_data import make_gt  # the test suite's generated ground truth

        gt = make_gt(tmp, n_files=1000)
        rows = gt.read_text(encoding="utf-8").splitlines()[1:]
        files = [r.split(",")[0] for r in rows if "," in r and '"' not in r]
        captions = [r.split(",")[1] for r in rows if "," in r and '"' not in r]
        shapes = {
            "ordinary top-10 file (reference)": lambda p: _ordinary(p, size, files, captions),
            "one line of short cells": lambda p: _one_line(p, size),
            "matrix header, 1,000,000 columns": lambda p: _matrix_header(p, 1_000_000),
            "one record over quoted line breaks": lambda p: _quoted(p, size),
        }
        results = []
        for label, make in shapes.items():
            path = tmp / "sub.csv"
            make(path)
            mb = path.stat().st_size / 10**6
            results.append((label, mb, _peak_mib(path, gt, tmp)))
            path.unlink()
    reference = results[0][2]
    print(f"{'shape':36} | file MB | peak MiB | peak / file | peak / ordinary")
    print(f"{'-' * 36}-|---------|----------|-------------|----------------")
    for label, mb, peak in results:
        print(f"{label:36} | {mb:7.1f} | {peak:8.0f} | {peak / mb:10.1f}x | "
              f"{peak / reference:14.2f}x")


if __name__ == "__main__":
    main()

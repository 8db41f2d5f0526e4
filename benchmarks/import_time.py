"""Import cost of the command line, side by side with the libraries it stands on.

Every row is a fresh interpreter running `python -X importtime -c "import M"`; the time is the
cumulative import time of M that CPython reports (best of `--repeats`), and the ratio is against
`import numpy`, which any scorer pays. `dcase_retrieval_eval.cli.main` is what every command
imports before it parses its arguments and starts reading (click, pydantic for the findings,
the CSV reader); `dcase_retrieval_eval.api` is what `score` adds once the files are read
(validation and scoring models, NumPy).

    python benchmarks/import_time.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["numpy", "click", "pydantic", "dcase_retrieval_eval.cli.main",
           "dcase_retrieval_eval.api"]


def import_us(module: str) -> int:
    """Microseconds of `import module` in a fresh interpreter: the cumulative times of the
    top-level entries it caused (its parent packages and itself), less what the interpreter
    imports before running any code (an empty `-c ""`)."""
    return _top_level_us(f"import {module}") - _top_level_us("")


def _top_level_us(code: str) -> int:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total += int(parts[1])  # depth 0: the name follows the bar after one space
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    best = {m: min(import_us(m) for _ in range(args.repeats)) for m in MODULES}
    width = max(map(len, MODULES))
    print(f"{'module':<{width}} | import ms | vs numpy")
    print(f"{'-' * width}-|-----------|---------")
    for module, us in best.items():
        print(f"{module:<{width}} | {us / 1000:9.1f} | {us / best['numpy']:7.2f}x")


if __name__ == "__main__":
    main()

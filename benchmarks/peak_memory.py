"""Run a Python module or script in this process and report its peak resident memory.

`ru_maxrss` of a child also counts the memory of the parent it was forked from, so the
benchmarks read the kernel's per-address-space high-water mark (VmHWM), which exec resets.
Usage: python peak_memory.py OUT_FILE (-m MODULE | SCRIPT) ARGS...
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def _write_peak(out: Path) -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            out.write_text(str(int(line.split()[1]) * 1024))


def main() -> None:
    out = Path(sys.argv[1])
    atexit.register(_write_peak, out)
    if sys.argv[2] == "-m":
        sys.argv = [sys.argv[3], *sys.argv[4:]]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        sys.argv = sys.argv[2:]
        runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()

"""A `dcase-eval` run held at a chosen step, for tests of what happens meanwhile (a second run,
a signal). The toolkit has no test hook: the function named is wrapped from outside, in the
child process, so that once it has returned it touches a marker file and waits for a go file
before carrying on. A held run whose test process has ended (a test that failed before resuming
it) exits instead of waiting forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT, check_no_crash

_WRAPPER = """
import importlib, os, time
from pathlib import Path
module = importlib.import_module(os.environ["PAUSE_MODULE"])
real = getattr(module, os.environ["PAUSE_AT"])
parent = os.getppid()
def paused(*args, **kwargs):
    result = real(*args, **kwargs)
    Path(os.environ["PAUSE_MARKER"]).touch()
    while not Path(os.environ["PAUSE_GO"]).exists():
        if os.getppid() != parent:  # the test process is gone (a failed assertion): stop
            os._exit(1)
        time.sleep(0.02)
    return result
setattr(module, os.environ["PAUSE_AT"], paused)
from dcase_retrieval_eval.cli import run
run()
"""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class PausedRun:
    """`dcase-eval ARGS` in a child process, held after `module.name` returns."""

    def __init__(self, tmp: Path, module: str, name: str, *args: str | Path,
                 env: dict[str, str] | None = None) -> None:
        self.marker = tmp / f"paused-{name}"
        self.go = tmp / f"go-{name}"
        self.args = args
        child_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT), "COLUMNS": "200",
                     "PAUSE_MODULE": module, "PAUSE_AT": name,
                     "PAUSE_MARKER": str(self.marker), "PAUSE_GO": str(self.go)}
        # a pytest-xdist worker ignores SIGINT, and a child would inherit that (Python then
        # installs no KeyboardInterrupt handler): the child gets the default back
        self.proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *map(str, args)],
                                     env=child_env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=_default_sigint)

    def wait_paused(self, timeout: float = 300) -> None:
        """Return once the run is held; fail if it ended or took longer than `timeout`."""
        end = time.monotonic() + timeout
        while not self.marker.exists():
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"the run ended (exit {self.proc.returncode}) before "
                                     f"pausing:\n{err[-3000:]}")
            if time.monotonic() > end:
                self.proc.kill()
                raise AssertionError("the run did not reach its pause in time")
            time.sleep(0.02)

    def resume(self) -> None:
        self.go.touch()

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) once the run ends; no exit 3, no traceback."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        check_no_crash(self.proc.returncode, out, err, self.args)
        return self.proc.returncode, out, err

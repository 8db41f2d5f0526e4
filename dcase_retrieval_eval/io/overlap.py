"""Two independent reads at once: the ground truth on a helper thread, the submission here.

Reading a million-query ground truth is mostly Python (its captions become strings and an
index), while a large submission is read by Arrow and NumPy threads that leave the interpreter
free; side by side they share the two cores instead of taking turns. The result is the same as
reading one after the other, errors included: an exception of the first read wins, as if it had
run first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

First = TypeVar("First")
Second = TypeVar("Second")


def overlapped(first: Callable[[], First], second: Callable[[], Second]) -> tuple[First, Second]:
    """(`first()`, `second()`), with `first` run on a daemon thread while `second` runs on this
    one. Ctrl-C here is not held up by the helper (a daemon thread does not keep the process)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = first()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread below
            box["error"] = exc

    helper = threading.Thread(target=run, name="dcase-eval-read", daemon=True)
    helper.start()
    try:
        other = second()
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, SIGTERM: do not wait for the helper
        raise
    except BaseException:
        helper.join()
        if "error" in box:
            raise box["error"] from None  # type: ignore[misc]
        raise
    helper.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"], other  # type: ignore[return-value]

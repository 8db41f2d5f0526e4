"""Parameter types and ranges shared by the commands, checked before anything runs.

Inputs must be regular files (or folders where a folder is meant): a pipe or a device would be
read as empty by the size check and cannot be re-read for line-exact findings, so it is refused
as a usage error. Numeric options carry their valid range, so an absurd value (a negative seed, a
cut-off of a billion) is a usage error up front instead of a crash halfway.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import click

from ..editions import EDITIONS

#: the largest cut-off accepted: far above any challenge's audio set (1,045 clips), and a
#: ranking is never deeper than the submission gives
MAX_K = 100_000
#: seeds are handed to NumPy's generators, which take non-negative integers
MAX_SEED = 2**63 - 1
MAX_ROUNDS = 10_000_000


class InputPath(click.Path):
    """An existing, readable input; refuses pipes, devices and sockets."""

    def __init__(self, *, folder: bool = False, file: bool = True) -> None:
        super().__init__(exists=True, dir_okay=folder, file_okay=file, readable=True,
                         path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            self.fail(f"{value!r} cannot be read: {exc.strerror}", param, ctx)
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            self.fail(f"{value!r} is not a regular file (a pipe, a device or a socket); save "
                      "its content to a file and give that file", param, ctx)
        return path


INPUT_FILE = InputPath()
INPUT_DIR = InputPath(folder=True, file=False)
INPUT_FILE_OR_DIR = InputPath(folder=True)
#: output paths are checked by `io.atomic.guard_outputs` (inputs, writability) before writing
OUTPUT_FILE = click.Path(path_type=Path)
OUTPUT_DIR = click.Path(path_type=Path)
EDITION = click.Choice(["auto", *EDITIONS])
K = click.IntRange(1, MAX_K)
SEED = click.IntRange(0, MAX_SEED)
ROUNDS = click.IntRange(1, MAX_ROUNDS)


def load_ground_truth_option(gt_path: Path, audio_dir: Path | None, audio_list: Path | None,
                             relevance_threshold: float | None, max_bytes: int) -> Any:
    """The `--gt` file with its audio set and grade threshold; an option that does not fit the
    file (a threshold on a binary ground truth, say) is a usage error, not a finding."""
    from ..formats.prepare import prepare_ground_truth

    try:
        return prepare_ground_truth(gt_path, audio_dir=audio_dir, audio_list=audio_list,
                                    relevance_threshold=relevance_threshold, max_bytes=max_bytes)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None

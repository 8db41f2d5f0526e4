"""The files of RUN_DIR other than the training loop's own: records, checks and safe loading.

A run must be resumable after a kill at any point and must never mix inputs: `inputs.json`
records what the run started with (the audio of the development and validation splits, the word
vectors) and the environment; a resume with other inputs is refused, one in another environment
is warned about (its weights may differ in the last bits). Every file read back is checked, and a
damaged one is named with what to do instead of a library's exception.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

import torch

from dcase_retrieval_eval.io.atomic import atomic_path, write_text_atomic

from .errors import OutputError, RunFileError, RunMismatchError

INPUTS = "inputs.json"
# environment variables that change numerical results of torch, MKL or OpenMP on the CPU
NUMERIC_ENV = ("MKL_CBWR", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "ATEN_CPU_CAPABILITY",
               "ONEDNN_MAX_CPU_ISA", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment(device: torch.device) -> dict[str, Any]:
    """What the weights of a run depend on besides its config and inputs (docs/baseline.md)."""
    import gensim
    import numpy
    import scipy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "gensim": gensim.__version__,
        "mkl": bool(torch.backends.mkl.is_available()),  # type: ignore[no-untyped-call]
        "mkldnn": bool(torch.backends.mkldnn.is_available()),  # type: ignore[no-untyped-call]
        "threads": torch.get_num_threads(),
        "device": device.type,
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "env": {k: os.environ[k] for k in NUMERIC_ENV if k in os.environ},
    }


def file_digest(path: Path) -> dict[str, Any]:
    """Where a file is and what it holds (sha256), to tell later whether it is the same."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"path": str(path.resolve()), "bytes": path.stat().st_size, "sha256": digest}


def make_inputs(data_dir: Path, signatures: dict[str, str], word2vec: Path | None,
                env: dict[str, Any]) -> dict[str, Any]:
    return {"data": str(data_dir.resolve()), "audio": signatures,
            "word2vec": None if word2vec is None else file_digest(word2vec), "environment": env}


def read_json(path: Path, what_to_do: str) -> dict[str, Any]:
    """A JSON object from a run file; RunFileError naming it and `what_to_do` otherwise."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunFileError(f"{path} is damaged ({' '.join(str(exc).split())}); "
                           f"{what_to_do}") from None
    if not isinstance(value, dict):
        raise RunFileError(f"{path} is damaged (not a JSON object); {what_to_do}")
    return value


def check_inputs(run: Path, now: dict[str, Any]) -> str | None:
    """Refuse a resume whose inputs differ from the recorded ones; a note if the environment does.

    The audio is compared by its feature-cache signature (file names, sizes, times and feature
    settings), so a moved data folder with the same files resumes; word vectors by content.
    """
    before = read_json(run / INPUTS, "use a new RUN_DIR")
    old_w2v, new_w2v = before.get("word2vec"), now["word2vec"]
    if (old_w2v is None) != (new_w2v is None) or (
            old_w2v is not None and old_w2v.get("sha256") != new_w2v["sha256"]):
        started = ("word vectors trained on the development captions" if old_w2v is None
                   else f"--word2vec {old_w2v.get('path')}")
        raise RunMismatchError(f"{run} was started with {started}; resume with exactly the same "
                               "word vectors or use a new RUN_DIR")
    for split, signature in now["audio"].items():
        if before.get("audio", {}).get(split) != signature:
            raise RunMismatchError(
                f"the {split} audio of {now['data']} differs from the audio {run} was started "
                f"with ({before.get('data')}): files were added, removed or changed; resume "
                "with the original data or use a new RUN_DIR")
    old_env = before.get("environment", {})
    changed = sorted(k for k, v in now["environment"].items() if old_env.get(k) != v)
    if changed:
        return (f"this run started in another environment ({', '.join(changed)} differ); the "
                "resumed weights may differ in the last bits from an uninterrupted run")
    return None


def write_json(path: Path, value: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(value, indent=2) + "\n")


#: what torch's own zip writer says when a write fails (it names no errno, a full disk included)
TORCH_WRITE_FAILURES = ("PytorchStreamWriter", "inline_container", "iostream error",
                        "file write failed")


def save_checkpoint(obj: dict[str, Any], path: Path) -> None:
    """Write a checkpoint atomically; a full or read-only disk is an `OutputError` (exit 2).

    torch.save is given an open Python file, not a path: writing to a path, torch's C++ writer
    reports a full disk as a RuntimeError ("unexpected pos 704 vs 598", "basic_ios::clear")
    that names no cause, while a Python file raises OSError(ENOSPC), which the atomic writer
    turns into "cannot write PATH: No space left on device". The fsync makes a full disk show
    here, before the rename, rather than in a later read of a short file.
    """
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
    except RuntimeError as exc:
        text = " ".join(str(exc).split())
        if not any(marker in text for marker in TORCH_WRITE_FAILURES):
            raise
        raise OutputError(f"cannot write {path}: torch could not write it ({text[:200]}); "
                          "check the free space and permissions of its folder") from None


def load_checkpoint(path: Path, keys: tuple[str, ...], what_to_do: str,
                    device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint saved by `save_checkpoint`, holding at least `keys`; RunFileError else."""
    try:
        state = torch.load(path, weights_only=True, map_location=device)
    except Exception as exc:  # truncated zip, foreign pickle, wrong file: torch raises many kinds
        raise RunFileError(f"{path} is damaged ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:200]}); {what_to_do}") from None
    if not isinstance(state, dict) or any(k not in state for k in keys):
        raise RunFileError(f"{path} is not a checkpoint of this baseline; {what_to_do}")
    return state


def load_weights(model: torch.nn.Module, weights: Any, path: Path, what_to_do: str) -> None:
    """Load a state dict, naming the file when it belongs to a model of another shape."""
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise RunFileError(f"{path} holds weights of another model than config.yaml describes "
                           f"({first}); {what_to_do}") from None

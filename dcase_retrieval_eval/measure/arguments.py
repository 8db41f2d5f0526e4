"""The in-memory evaluators' arguments, checked where they enter (`evaluate`,
`evaluate_embeddings`, `EmbeddingMetric`).

A wrong type or value is a `TypeError` or `ValueError` naming the parameter (an unusable array
an `InputError`), raised before any kernel runs: never an error from deep inside NumPy or torch,
and never a number computed from a silently converted input (a complex score's real part, a
float clip index truncated, a string of metric names split into letters, a bool score tensor
compared as bools).
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .conventions.spec import Direction
from .rankstats import is_tensor, to_numpy

DIRECTIONS = ("text-to-audio", "audio-to-text")


def _shown(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.60}"


def metric_names(metrics: Any) -> list[str] | None:
    """`metrics` as a non-empty list of str (None: the defaults)."""
    if metrics is None:
        return None
    if isinstance(metrics, str | bytes) or not hasattr(metrics, "__iter__"):
        raise TypeError("metrics is a list of metric names such as ['mAP@10', 'R@1'], not "
                        + _shown(metrics))
    names = list(metrics)
    if not names:
        raise ValueError("metrics names at least one metric (None: the edition's defaults)")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"metrics holds {_shown(name)}; a metric is named by a str such "
                            "as 'mAP@10'")
    return names


def cut_off(value: Any, name: str) -> int:
    """A cut-off k: a whole number from 1 (never a bool, a float or a str)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} is a whole number (int) from 1, not {_shown(value)}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return int(value)


def cut_offs(values: Any, name: str) -> tuple[int, ...] | None:
    """None, or a non-empty list of cut-offs."""
    if values is None:
        return None
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} is a list of cut-offs such as (1, 5, 10), not {_shown(values)}")
    out = tuple(cut_off(k, f"{name} entry") for k in values)
    if not out:
        raise ValueError(f"{name} names at least one cut-off (None: the codebase's own)")
    return out


def real_number(value: Any, name: str) -> float:
    """A finite real number (never a bool, a str or None), as a float."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {_shown(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, not {number}")
    return number


def check_confidence(confidence: Any) -> None:
    if not 0.0 < real_number(confidence, "confidence") < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence!r}")


def memory_budget_bytes(memory_budget: Any, name: str = "memory_budget") -> int:
    """A positive number of bytes (the block of similarity rows and its temporaries; for
    `max_bytes`, the largest input file read)."""
    budget = real_number(memory_budget, name)
    if budget <= 0:
        raise ValueError(f"{name} is a positive number of bytes, not {memory_budget!r}")
    return max(1, int(budget))


def check_threshold(relevance_threshold: Any) -> None:
    if relevance_threshold is not None:
        real_number(relevance_threshold, "relevance_threshold")


def check_flag(value: Any, name: str) -> None:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, not {_shown(value)}")


def check_flags(**flags: Any) -> None:
    """Each flag True or False: `lenient="no"` would be read as True."""
    for name, value in flags.items():
        check_flag(value, name)


def direction_list(directions: Any) -> tuple[Direction, ...]:
    """`directions` as a non-empty tuple of the two direction names."""
    if isinstance(directions, str | bytes) or not hasattr(directions, "__iter__"):
        raise TypeError("directions is a list of directions such as ['text-to-audio'], not "
                        + _shown(directions))
    out = tuple(directions)
    if not out:
        raise ValueError("directions names at least one of 'text-to-audio', 'audio-to-text'")
    for d in out:
        if d not in DIRECTIONS:
            raise ValueError(f"directions holds {d!r}; a direction is 'text-to-audio' or "
                             "'audio-to-text'")
    return out


def no_torch_lookalike(x: Any, name: str) -> None:
    """Refuse an object of torch's that is no tensor (a `topk` result, a `Size`, a dtype):
    the core reads anything from torch's modules as a tensor."""
    if is_tensor(x) and not isinstance(x, sys.modules["torch"].Tensor):
        kind = f"{type(x).__module__}.{type(x).__name__}"
        hint = " (of a topk, .values holds the scores, but give the whole matrix)" \
            if hasattr(x, "values") and hasattr(x, "indices") else ""
        raise TypeError(f"{name} is a {kind}, not a tensor{hint}")


def _tensor_scores(x: Any, name: str) -> Any:
    """A dense real tensor: bool and integer tensors as float64 (as NumPy arrays are)."""
    no_torch_lookalike(x, name)
    torch = sys.modules["torch"]
    if x.layout != torch.strided:
        raise TypeError(f"{name} is a sparse tensor ({x.layout}); give {name}.to_dense()")
    if x.is_complex():
        raise TypeError(f"{name} holds complex numbers ({x.dtype}); scores are real")
    return x if x.is_floating_point() else x.double()


def score_array(x: Any, name: str) -> Any:
    """`x` as a real NumPy array (bool, integer or object numbers as float64) or a dense real
    torch tensor; a TypeError naming `name` for anything else."""
    if is_tensor(x):
        return _tensor_scores(x, name)
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array: its mask would be ignored; give "
                        f"{name}.filled(-np.inf) to rank the masked items last")
    if hasattr(x, "tocsr"):
        raise TypeError(f"{name} is a sparse matrix: give {name}.toarray()")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        arr = np.asarray(None, dtype=object)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} holds complex numbers ({arr.dtype}); scores are real")
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biuO":
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{name} must be a NumPy array or torch tensor of numbers, not "
                    f"{type(x).__name__}" + (f" of {arr.dtype}" if arr.dtype.kind != "O" else ""))


def embedding_array(x: Any, name: str) -> Any:
    """A 2-D real array or tensor of finite values with at least one dimension."""
    arr = score_array(x, name)
    shape = tuple(int(d) for d in arr.shape)
    if len(shape) != 2:
        raise InputError(f"{name} must be 2-D (samples x dimension), not of shape {shape}")
    if shape[0] and shape[1] == 0:
        raise InputError(f"{name} has no dimension (shape {shape})")
    finite = bool(arr.isfinite().all()) if is_tensor(arr) else bool(np.isfinite(arr).all())
    if not finite:
        raise InputError(f"{name} holds NaN or infinite values; an embedding must be finite")
    return arr


def same_kind(text: Any, audio: Any) -> tuple[Any, Any]:
    """Both NumPy arrays, or both tensors on one device with one dtype (the wider)."""
    if is_tensor(text) != is_tensor(audio):
        raise TypeError("text_emb and audio_emb must both be torch tensors or both NumPy arrays")
    if not is_tensor(text):
        return text, audio
    if text.device != audio.device:
        raise ValueError(f"text_emb is on {text.device} and audio_emb on {audio.device}; put "
                         "them on one device")
    wide = sys.modules["torch"].promote_types(text.dtype, audio.dtype)
    return text.to(wide), audio.to(wide)


def clip_indices(caption_to_clip: Any, n_captions: int, n_clips: int) -> npt.NDArray[np.int64]:
    """The caption -> clip vector: 1-D, integers (not bools, not floats), in [0, n_clips)."""
    no_torch_lookalike(caption_to_clip, "caption_to_clip")
    try:
        c2c = to_numpy(caption_to_clip) if is_tensor(caption_to_clip) else np.asarray(
            caption_to_clip)
    except (TypeError, ValueError):
        c2c = np.asarray(None, dtype=object)
    if c2c.size == 0 and c2c.dtype.kind == "f":  # [] reads as float64
        c2c = c2c.astype(np.int64)
    if c2c.dtype.kind not in "iu":
        raise TypeError("caption_to_clip holds the integer clip index of each caption, not "
                        f"{type(caption_to_clip).__name__} of {c2c.dtype}"
                        + ("; convert it with .astype(int)" if c2c.dtype.kind == "f" else ""))
    if c2c.ndim != 1:
        raise InputError("caption_to_clip is a 1-D vector (one clip index per caption), not "
                         f"of shape {c2c.shape}")
    if c2c.size != n_captions:
        raise InputError(f"caption_to_clip has {c2c.size} entries for {n_captions} captions")
    if c2c.size and (int(c2c.min()) < 0 or int(c2c.max()) >= n_clips):
        raise InputError(f"caption_to_clip indices must lie in [0, {n_clips})")
    return c2c.astype(np.int64)

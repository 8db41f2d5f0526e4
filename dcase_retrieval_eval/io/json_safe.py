"""JSON that strict parsers accept: one rule for every document this tool writes."""

from __future__ import annotations

import math
from typing import Any


def strict_json(value: Any) -> Any:
    """`value` with every NaN or infinity replaced by None (JSON `null`).

    JSON has no NaN: Python writes a bare `NaN` that strict parsers (JavaScript's JSON.parse, jq,
    Go, Rust's serde) reject. An undefined statistic (the standard error of one query) is null.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value

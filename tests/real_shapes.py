"""Files in the real shapes shared by the real-artifact tests: a Clotho captions file and
top-k submissions in either column spelling."""

from __future__ import annotations

from pathlib import Path

from .builders import csv_text, write

FILES = [f"clip {i:02d}, 'take' é.wav" for i in range(30)]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    return write(path, csv_text(rows))


def clotho_file(tmp_path: Path, n_files: int = 20) -> tuple[Path, dict[str, str]]:
    """A Clotho captions file: 5 captions per clip; returns it and caption -> its file."""
    rows = [["file_name", *[f"caption_{i}" for i in range(1, 6)]]]
    truth: dict[str, str] = {}
    for f in FILES[:n_files]:
        caps = [f"Caption {j} of {f}, heard." for j in range(5)]
        rows.append([f, *caps])
        truth.update(dict.fromkeys(caps, f))
    return write_rows(tmp_path / "gt.csv", rows), truth


def topk_rows(truth: dict[str, str], depth: int, spelling: str,
               files: list[str]) -> list[list[str]]:
    header = ["caption", *[f"{spelling}_{i}" for i in range(1, depth + 1)]]
    rows = [header]
    for q, (caption, rel) in enumerate(truth.items()):
        others = [f for f in files if f != rel]
        ranked = others[: q % depth] + [rel] + others[q % depth:]
        rows.append([caption, *ranked[:depth]])
    return rows

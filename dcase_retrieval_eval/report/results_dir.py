"""Write a leaderboard's RESULTS/ folder: every file atomically, per-system per-query CSVs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..io.atomic import atomic_writer, write_text_atomic
from .html import to_html
from .leaderboard_formats import to_csv, to_json, to_latex, to_markdown

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard

PER_QUERY_DIR = "per_query"


def write_per_query_csv(board: Leaderboard, label: str, path: Path) -> None:
    """One row per ground-truth query: relevant files, positions found, every metric."""
    values = board.per_query(label)
    names = list(values)
    columns = [values[n].tolist() for n in names]
    positions = board._positions.get(label, [])
    with atomic_writer(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "relevant_files", "positions_found", *names])
        for q, query in enumerate(board._queries):
            found = " ".join(map(str, positions[q])) if q < len(positions) else ""
            writer.writerow([query, json.dumps(board._relevant[q], ensure_ascii=False), found,
                             *[repr(col[q]) for col in columns]])


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Drop per-query CSVs of an earlier run's systems, so the folder matches results.json."""
    if not folder.is_dir():
        return
    for file in folder.glob("*.csv"):
        if file.name not in keep and file.is_file() and not file.is_symlink():
            file.unlink()


def write_results(board: Leaderboard, out_dir: str | Path) -> list[Path]:
    """results.json/.csv/.md/.tex, index.html and per_query/<label>.csv."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in (("results.json", to_json(board)), ("results.csv", to_csv(board)),
                       ("results.md", to_markdown(board)), ("results.tex", to_latex(board)),
                       ("index.html", to_html(board))):
        write_text_atomic(out_dir / name, text)
        written.append(out_dir / name)
    if board.has_per_query:
        _remove_stale(out_dir / PER_QUERY_DIR, {f"{s.label}.csv" for s in board.systems})
        for s in board.systems:
            path = out_dir / PER_QUERY_DIR / f"{s.label}.csv"
            write_per_query_csv(board, s.label, path)
            written.append(path)
    return written

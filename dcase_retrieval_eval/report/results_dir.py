"""Write a leaderboard's RESULTS/ folder: every file atomically, per-system per-query CSVs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..io.atomic import atomic_writer, write_text_atomic
from .html import to_html
from .leaderboard_formats import to_csv, to_json, to_latex, to_markdown
from .paper_formats import latex_files
from .paper_formats import to_markdown as paper_markdown
from .svg import blob_plot, dev_eval_scatter

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard

PER_QUERY_DIR = "per_query"
PAPER_DIR = "paper"


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


def _remove_stale(folder: Path, keep: set[str], patterns: tuple[str, ...] = ("*.csv",)) -> None:
    """Drop files of an earlier run (a system or table that is gone), so the folder matches
    results.json."""
    if not folder.is_dir():
        return
    for pattern in patterns:
        for file in folder.glob(pattern):
            if file.name not in keep and file.is_file() and not file.is_symlink():
                file.unlink()


def paper_files(board: Leaderboard) -> dict[str, str]:
    """paper/: the LaTeX tables, their Markdown, and the figures as standalone SVG files."""
    files: dict[str, str] = {}
    if board.paper is not None:
        files.update(latex_files(board.paper))
        files["tables.md"] = paper_markdown(board.paper)
        scatter = str(dev_eval_scatter(board.paper.dev_eval, board.main_metric))
        if scatter.startswith("<svg"):
            files["dev_vs_eval.svg"] = SVG_HEAD + scatter + "\n"
    if board.robustness is not None and board.robustness.systems:
        teams = {s.label: s.team for s in board.systems}
        files["robustness_blob.svg"] = SVG_HEAD + str(blob_plot(board.robustness, teams)) + "\n"
    return files


SVG_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def write_results(board: Leaderboard, out_dir: str | Path) -> list[Path]:
    """results.json/.csv/.md/.tex, index.html, per_query/<label>.csv and paper/ (the overview
    paper's tables and figures)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in (("results.json", to_json(board)), ("results.csv", to_csv(board)),
                       ("results.md", to_markdown(board)), ("results.tex", to_latex(board)),
                       ("index.html", to_html(board))):
        write_text_atomic(out_dir / name, text)
        written.append(out_dir / name)
    papers = paper_files(board)
    _remove_stale(out_dir / PAPER_DIR, set(papers), ("*.tex", "*.md", "*.svg"))
    for name, text in papers.items():
        write_text_atomic(out_dir / PAPER_DIR / name, text)
        written.append(out_dir / PAPER_DIR / name)
    if board.has_per_query:
        _remove_stale(out_dir / PER_QUERY_DIR, {f"{s.label}.csv" for s in board.systems})
        for s in board.systems:
            path = out_dir / PER_QUERY_DIR / f"{s.label}.csv"
            write_per_query_csv(board, s.label, path)
            written.append(path)
    return written

"""Write a leaderboard's RESULTS/ folder: every file atomically, per-system per-query CSVs."""

from __future__ import annotations

import csv
import json
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..io.atomic import atomic_writer, guard_outputs, write_text_atomic
from .html import to_html
from .leaderboard_formats import baseline_label, to_csv, to_json, to_latex, to_markdown
from .paper_formats import latex_files
from .paper_formats import to_markdown as paper_markdown
from .svg import blob_plot, dev_eval_scatter

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard

PER_QUERY_DIR = "per_query"
PAPER_DIR = "paper"
RESULT_FILES = ("results.json", "results.csv", "results.md", "results.tex", "index.html")


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


def paper_files(board: Leaderboard) -> dict[str, str]:
    """paper/: the LaTeX tables, their Markdown, and the figures as standalone SVG files."""
    files: dict[str, str] = {}
    if board.paper is not None:
        files.update(latex_files(board.paper))
        files["tables.md"] = paper_markdown(board.paper)
        scatter = str(dev_eval_scatter(board.paper.dev_eval, board.main_metric,
                                       baseline_label(board)))
        if scatter.startswith("<svg"):
            files["dev_vs_eval.svg"] = SVG_HEAD + scatter + "\n"
    if board.robustness is not None and board.robustness.systems:
        teams = {s.label: s.team for s in board.systems}
        files["robustness_blob.svg"] = SVG_HEAD + str(
            blob_plot(board.robustness, teams, baseline_label(board))) + "\n"
    return files


SVG_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


#: the record of the files this tool wrote into an output folder (relative path, size, mtime)
RECORD = ".dcase-eval-written.json"


def _read_record(out_dir: Path) -> list[dict[str, object]]:
    try:
        doc = json.loads((out_dir / RECORD).read_text(encoding="utf-8"))
        files = doc["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


def _remove_stale(out_dir: Path, previous: list[dict[str, object]], keep: set[Path]) -> None:
    """Delete files an earlier run wrote that this run did not: only those named in the record,
    inside `out_dir`, and unchanged since (same size and modification time). Anything else in
    the folder, even a CSV among the per-query files, is never touched."""
    root = out_dir.resolve()
    for entry in previous:
        rel = entry.get("path")
        if not isinstance(rel, str) or Path(rel).is_absolute():
            continue
        path = out_dir / rel
        if path in keep or root not in path.resolve().parents:
            continue
        try:
            st = path.lstat()
        except OSError:
            continue
        if (stat.S_ISREG(st.st_mode) and st.st_size == entry.get("size")
                and st.st_mtime_ns == entry.get("mtime_ns")):
            path.unlink()


def _write_record(out_dir: Path, written: list[Path]) -> None:
    files = []
    for path in written:
        st = path.stat()
        files.append({"path": path.relative_to(out_dir).as_posix(), "size": st.st_size,
                      "mtime_ns": st.st_mtime_ns})
    write_text_atomic(out_dir / RECORD, json.dumps(
        {"tool": "dcase-retrieval-eval", "files": files}, indent=1) + "\n")


def planned_files(board: Leaderboard, out_dir: str | Path) -> list[Path]:
    """The files `write_results` writes into `out_dir` (for the output guard)."""
    out_dir = Path(out_dir)
    files = [out_dir / name for name in RESULT_FILES]
    files.extend(out_dir / PAPER_DIR / name for name in paper_files(board))
    if board.has_per_query:
        files.extend(out_dir / PER_QUERY_DIR / f"{s.label}.csv" for s in board.systems)
    return files


def generation_time() -> str:
    """Now in UTC (ISO 8601, seconds), or SOURCE_DATE_EPOCH's time for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = (datetime.fromtimestamp(int(epoch), tz=UTC) if epoch.isdigit()
            else datetime.now(UTC))
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_results(board: Leaderboard, out_dir: str | Path,
                  inputs: Iterable[Path | str] = ()) -> list[Path]:
    """results.json/.csv/.md/.tex, index.html, per_query/<label>.csv and paper/ (the overview
    paper's tables and figures).

    Refuses (OutputError, nothing written) an `out_dir` that would replace, delete or hold one of
    `inputs`. Per-query files of systems no longer ranked are removed only if this tool wrote
    them (see `_remove_stale`).
    """
    out_dir = Path(out_dir)
    if board.provenance is not None and board.provenance.generated is None:
        board.provenance.generated = generation_time()
    plan = planned_files(board, out_dir)
    guard_outputs(folders=[out_dir], inputs=[*board_inputs(board), *inputs])
    previous = _read_record(out_dir)
    renders = {"results.json": to_json, "results.csv": to_csv, "results.md": to_markdown,
               "results.tex": to_latex, "index.html": to_html}
    written: list[Path] = []
    for name in RESULT_FILES:
        write_text_atomic(out_dir / name, renders[name](board))
        written.append(out_dir / name)
    for name, text in paper_files(board).items():
        write_text_atomic(out_dir / PAPER_DIR / name, text)
        written.append(out_dir / PAPER_DIR / name)
    if board.has_per_query:
        for s in board.systems:
            path = out_dir / PER_QUERY_DIR / f"{s.label}.csv"
            write_per_query_csv(board, s.label, path)
            written.append(path)
    _remove_stale(out_dir, previous, set(plan))
    _write_record(out_dir, written)
    return written


def board_inputs(board: Leaderboard) -> list[Path]:
    """The ground truth a leaderboard was computed from, when it is a file on disk."""
    return [Path(board.ground_truth)] if board.ground_truth and Path(
        board.ground_truth).is_file() else []

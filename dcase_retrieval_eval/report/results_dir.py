"""Write a leaderboard's RESULTS/ folder: every file atomically, per-system per-query CSVs."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..io.atomic import (
    TMP_SUFFIX,
    atomic_writer,
    guard_outputs,
    move_into_place,
    output_error,
    signals_deferred,
    write_text_atomic,
)
from ..io.outlock import output_lock
from ..io.scratch import make_scratch_dir
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
#: the staging folder of a run inside the output folder (removed once its process is gone)
STAGE_PREFIX = ".staging."


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


def _entry(out_dir: Path, path: Path, source: Path) -> dict[str, object]:
    st = source.stat()
    return {"path": path.relative_to(out_dir).as_posix(), "size": st.st_size,
            "mtime_ns": st.st_mtime_ns}


def _save_record(out_dir: Path, entries: list[dict[str, object]]) -> None:
    write_text_atomic(out_dir / RECORD, json.dumps(
        {"tool": "dcase-retrieval-eval", "files": entries}, indent=1) + "\n")


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

    Refuses (OutputError, nothing written) a path it would write, resolved through any link
    (`OUT/per_query` linked to the submissions' folder, say), that would replace, delete or hold
    one of `inputs`, and refuses (OutputBusy) while another process writes `out_dir`. The files
    are written into a staging folder inside `out_dir`, then moved into place together, so the
    folder holds one run's files; per-query files of systems no longer ranked are removed only if
    this tool wrote them (see `_remove_stale`).
    """
    out_dir = Path(out_dir)
    if board.provenance is not None and board.provenance.generated is None:
        board.provenance.generated = generation_time()
    plan = planned_files(board, out_dir)
    every_input = [*board_inputs(board), *inputs]
    guard_outputs(files=[*plan, out_dir / RECORD], folders=output_folders(out_dir),
                  inputs=every_input)
    with output_lock(out_dir):
        guard_outputs(files=[*plan, out_dir / RECORD], folders=output_folders(out_dir),
                      inputs=every_input)  # again: the folder may have changed meanwhile
        stage = make_scratch_dir(out_dir, STAGE_PREFIX, TMP_SUFFIX)
        try:
            staged = _render_into(board, stage)
            return _publish(out_dir, stage, staged)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def output_folders(out_dir: str | Path) -> list[Path]:
    """The folders `write_results` writes into: the output folder and its subfolders, each
    checked (resolved) by the output guard."""
    out_dir = Path(out_dir)
    return [out_dir, out_dir / PAPER_DIR, out_dir / PER_QUERY_DIR]


def _render_into(board: Leaderboard, stage: Path) -> list[Path]:
    """Every file of the leaderboard written under `stage`; their paths relative to it."""
    renders = {"results.json": to_json, "results.csv": to_csv, "results.md": to_markdown,
               "results.tex": to_latex, "index.html": to_html}
    written: list[Path] = []
    for name in RESULT_FILES:
        write_text_atomic(stage / name, renders[name](board))
        written.append(Path(name))
    for name, text in paper_files(board).items():
        write_text_atomic(stage / PAPER_DIR / name, text)
        written.append(Path(PAPER_DIR) / name)
    if board.has_per_query:
        for s in board.systems:
            rel = Path(PER_QUERY_DIR) / f"{s.label}.csv"
            write_per_query_csv(board, s.label, stage / rel)
            written.append(rel)
    return written


def _publish(out_dir: Path, stage: Path, staged: list[Path]) -> list[Path]:
    """Move the staged files into `out_dir`, then delete the earlier run's files this run did
    not write. The record lists both sets until the move is complete, so a run killed halfway
    leaves every file of the tool's recorded, for the next run to remove or replace."""
    previous = _read_record(out_dir)
    final = [out_dir / rel for rel in staged]
    entries = [_entry(out_dir, path, stage / rel) for path, rel in zip(final, staged,
                                                                       strict=True)]
    _save_record(out_dir, [*previous, *entries])
    with signals_deferred():  # milliseconds: a SIGTERM or Ctrl-C waits until all are in place
        try:
            for path, rel in zip(final, staged, strict=True):
                path.parent.mkdir(exist_ok=True)
                move_into_place(stage / rel, path)
        except OSError as exc:
            raise output_error(exc, out_dir) from None
        _remove_stale(out_dir, previous, set(final))
        _save_record(out_dir, [_entry(out_dir, path, path) for path in final])
    return final


def board_inputs(board: Leaderboard) -> list[Path]:
    """The ground truth a leaderboard was computed from, when it is a file on disk."""
    return [Path(board.ground_truth)] if board.ground_truth and Path(
        board.ground_truth).is_file() else []

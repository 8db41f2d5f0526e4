"""Rich terminal views of validation and score reports."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..check.validation import ValidationReport
from ..findings import Finding, FindingLog
from ..measure.jackknife import CI_NOTE
from ..measure.scoring import ScoreReport

if TYPE_CHECKING:  # the package models load yaml (meta files): not for a single file's table
    from ..check.package_check import PackageReport, PackageSystem

_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def findings_table(findings: list[Finding], title: str = "") -> Table:
    table = Table(title=title or None, show_lines=False, expand=False)
    for name in ("line", "col", "code", "severity", "message", "hint"):
        table.add_column(name, overflow="fold", justify="right" if name in ("line", "col") else
                         "left")
    for f in findings:
        table.add_row(
            str(f.line or "-"), str(f.column or "-"), f.code,
            Text(f.severity.value, style=_STYLE[f.severity.value]),
            Text(f.message), Text(f.hint, style="dim"),
        )
    return table


def more_findings_note(n: int) -> str:
    """Said under a findings table that shows only the first ones (`validate`, `score`)."""
    return f"... {n} more finding(s) not shown (use --format json for all kept findings)"


def _print_findings(console: Console, report: ValidationReport, limit: int = 200) -> None:
    """The first `limit` findings, one table per file (ground-truth findings are not placed in
    the submission), and a note of how many are not shown."""
    shown = report.findings[:limit]
    for file, group in groupby(shown, key=lambda f: f.file or report.path):
        console.print(findings_table(list(group), title=file))
    total = sum(report.counts.values())
    if total > len(shown):
        console.print(more_findings_note(total - len(shown)))


def print_validation(console: Console, report: ValidationReport, limit: int = 200) -> None:
    _print_findings(console, report, limit)
    style = "green" if report.valid else "bold red"
    console.print(Text(report.summary, style=style))


def print_package(console: Console, report: PackageReport) -> None:
    """A team package: the findings of its layout and of each system, then one line per system
    (label, verdict, errors, warnings) and the package's verdict last. No per-file summary line
    comes first, where it would read as the package's verdict."""
    for sub_report in report.reports():
        _print_findings(console, sub_report)
    width = max((len(s.label) for s in report.systems), default=0)
    for system in report.systems:
        valid, errors, warnings = system.verdict
        line = Text(f"  {system.label:<{width}}  ")
        line.append("valid" if valid else "INVALID" + _missing(system),
                    style="green" if valid else "bold red")
        line.append(f"  {errors} error(s), {warnings} warning(s)")
        if system.validation is not None:
            v = system.validation
            line.append(f"; {v.n_rows} rows for {v.n_queries} queries", style="dim")
        console.print(line)
    # package-level findings that no system's check made: the layout, the technical reports
    own = {c: n - sum(s.counts.get(c, 0) for s in report.systems)
           for c, n in report.package.counts.items()}
    own_errors, own_warnings = _severities(own)
    if own_errors or own_warnings:
        console.print(f"  (package layout and reports)  {own_errors} error(s), {own_warnings} "
                      "warning(s)")
    verdicts = [s.verdict for s in report.systems]
    bad = sum(1 for ok, _, _ in verdicts if not ok)
    errors = own_errors + sum(e for _, e, _ in verdicts)
    warnings = own_warnings + sum(w for _, _, w in verdicts)
    console.print(Text(
        f"{report.package.path}: {'valid' if report.valid else 'INVALID'} package - "
        f"{f'{bad} of {len(verdicts)} system(s) invalid' if verdicts else 'no system found'}; "
        f"{errors} error(s), {warnings} warning(s) in all; scored at depth "
        f"{report.package.depth}",
        style="green" if report.valid else "bold red"))


def _missing(system: PackageSystem) -> str:
    """Why a system has no verdict of its own findings: a file it lacks, or another task."""
    if system.output is None:
        return " (no output, P703)"
    if system.validation is None:
        return " (output not checked, P728)"
    return " (no meta file, P702)" if system.meta_file is None else ""


def _severities(counts: dict[str, int]) -> tuple[int, int]:
    """(errors, warnings) among findings counted per code."""
    log = FindingLog.of([], {c: n for c, n in counts.items() if n > 0})
    return log.errors, log.warnings


def print_score(console: Console, report: ScoreReport) -> None:
    table = Table(title=f"{report.submission}  (edition {report.edition}, "
                  f"{report.n_queries} queries)")
    for name in ("metric", "value", "95% CI", "std err"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for name, m in report.metrics.items():
        label = f"{name} (main)" if name == report.main_metric else name
        table.add_row(label, f"{m.value:.4f}", f"[{m.ci_low:.4f}, {m.ci_high:.4f}]",
                      f"{m.std_err:.4f}")
    console.print(table)
    console.print(CI_NOTE, style="dim")
    console.print(f"policy: {report.policy.describe()}")
    console.print(f"ties: {report.policy.tie_rule}", style="dim")


class ProgressBar:
    """A transient rich bar on stderr that `rank` drives through its progress callback: one bar
    per stage, advanced by `__call__(stage, done, total, item)`."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from .console import make_console

        self._progress = Progress(TextColumn("{task.fields[stage]}", markup=False), BarColumn(),
                                  MofNCompleteColumn(),
                                  TextColumn("{task.description}", markup=False),
                                  TimeElapsedColumn(), console=make_console(stderr=True),
                                  transient=True)
        self._tasks: dict[str, object] = {}

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int, item: str) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task("", total=total, stage=stage)
        self._progress.update(self._tasks[stage], completed=done,  # type: ignore[arg-type]
                              description=item[:40])

"""Rich terminal views of validation and score reports."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..check.validation import ValidationReport
from ..findings import Finding
from ..measure.scoring import ScoreReport

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


def print_validation(console: Console, report: ValidationReport, limit: int = 200) -> None:
    if report.findings:
        shown = report.findings[:limit]
        # one table per file: ground-truth findings are not placed in the submission
        for file, group in groupby(shown, key=lambda f: f.file or report.path):
            console.print(findings_table(list(group), title=file))
        total = sum(report.counts.values())
        if total > len(shown):
            console.print(more_findings_note(total - len(shown)))
    style = "green" if report.valid else "bold red"
    console.print(Text(report.summary, style=style))


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

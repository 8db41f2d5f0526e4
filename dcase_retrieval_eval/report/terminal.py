"""Rich terminal views of validation and score reports."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..findings import Finding
from ..scoring import ScoreReport
from ..validation import ValidationReport

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


def print_validation(console: Console, report: ValidationReport, limit: int = 200) -> None:
    if report.findings:
        shown = report.findings[:limit]
        # one table per file: ground-truth findings are not placed in the submission
        for file, group in groupby(shown, key=lambda f: f.file or report.path):
            console.print(findings_table(list(group), title=file))
        total = sum(report.counts.values())
        if total > len(shown):
            console.print(f"... {total - len(shown)} more finding(s) not shown "
                          "(use --format json for all kept findings)")
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

"""The paper's tables as LaTeX (booktabs, ready to paste) and Markdown, from `PaperTables`.

Layouts follow the 2022 overview paper: Table 2 "Rank | Team | <metric> with 95% CI" (value and
interval in two columns per metric), Table 3 "Dataset | metrics", Table 4 "Rank | Team |
characteristics". Team text is escaped for each format (tex_escape, md_escape).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..measure.jackknife import CI_NOTE
from .leaderboard_formats import md_escape, num, tex_escape

if TYPE_CHECKING:
    from ..challenge.paper import CharacteristicValue, DevEvalRow, PaperTables

PREAMBLE = "% Requires \\usepackage{booktabs} (and UTF-8 input for non-ASCII names)."


def title(key: str) -> str:
    """`audio_modelling` -> `Audio modelling` (a column heading)."""
    text = " ".join(key.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def _ci(low: float, high: float, digits: int = 3) -> str:
    return f"[{num(low, digits)}, {num(high, digits)}]"


def _tabular(cols: str, head: list[str] | str, rows: list[list[str]], caption: str,
             label: str) -> str:
    """A booktabs table; `head` is the header cells, or ready header lines."""
    lines = [PREAMBLE, r"\begin{table}[t]", r"\centering", r"\footnotesize",
             rf"\begin{{tabular}}{{{cols}}}", r"\toprule"]
    lines += [head if isinstance(head, str) else " & ".join(head) + r" \\", r"\midrule"]
    lines += [" & ".join(r) + r" \\" for r in rows]
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{caption}}}",
              rf"\label{{{label}}}", r"\end{table}", ""]
    return "\n".join(lines)


def table2_latex(p: PaperTables) -> str:
    """Each team's best system, every metric with its 95% CI (the paper's Table 2)."""
    metrics = p.metric_names
    cols = "rl" + "cc" * len(metrics)
    head = " & ".join(["Rank", "Team"] + [rf"\multicolumn{{2}}{{c}}{{{tex_escape(m)} with 95\% CI}}"
                                          for m in metrics]) + r" \\"
    rows = []
    for t in p.teams:
        row = [str(t.team_rank), tex_escape(t.team_display)]
        for m in metrics:
            s = t.metrics[m]
            row += [num(s.value, 3), _ci(s.ci_low, s.ci_high)]
        rows.append(row)
    return _tabular(cols, head, rows, "Evaluation results with 95\\% confidence intervals for "
                    f"the top system of each team. {tex_escape(CI_NOTE)}", "tab:results")


def table3_latex(p: PaperTables) -> str:
    """The baseline on the development-testing split (its meta) and the evaluation set."""
    if p.table3 is None:
        return ""
    t3 = p.table3
    head = ["Dataset", *(tex_escape(m) for m in p.metric_names)]
    split = tex_escape(title(t3.development_split or "development"))
    rows = [[split, *(num(t3.development.get(m), 3) for m in p.metric_names)],
            ["Evaluation", *(num(t3.evaluation[m].value, 3) for m in p.metric_names)]]
    return _tabular("l" + "c" * len(p.metric_names), head, rows,
                    f"Baseline ({tex_escape(t3.label)}) results on the "
                    f"{tex_escape(split.lower())} split and the evaluation dataset.",
                    "tab:baseline")


def _joined(items: list[str], escape: Callable[[str], str]) -> str:
    return ", ".join(escape(i) for i in items) if items else "--"


def table4_latex(p: PaperTables) -> str:
    """Characteristics of each team's best system (the paper's Table 4)."""
    head = ["Rank", "Team", *(tex_escape(title(k)) for k in p.characteristics)]
    rows = [[str(t.team_rank), tex_escape(t.team_display),
             *(_joined(t.characteristics[k], tex_escape) for k in p.characteristics)]
            for t in p.teams]
    cols = "rl" + "".join(r"p{3.2cm}" for _ in p.characteristics)
    return _tabular(cols, head, rows, "Summary of systems with best performance from all teams.",
                    "tab:characteristics")


def statistics_latex(p: PaperTables) -> str:
    """For every value of every characteristic: systems, teams, best and mean main metric."""
    metric = tex_escape(p.main_metric)
    head = ["Characteristic", "Value", "Systems", "Teams", f"Best {metric}", f"Mean {metric}"]
    rows = [[tex_escape(title(v.characteristic)), tex_escape(v.value), str(v.systems),
             str(v.teams), num(v.best, 3), num(v.mean, 3)] for v in p.characteristic_stats]
    return _tabular("llrrrr", head, rows, f"System characteristics of the {p.n_systems} "
                    f"submitted systems from {p.n_teams} teams"
                    + (" (the baseline not counted)" if p.baseline else "") + ".",
                    "tab:statistics")


def dev_eval_latex(p: PaperTables) -> str:
    """Self-reported development score against the evaluation score and its CI."""
    metric = tex_escape(p.main_metric)
    head = ["Rank", "System", f"Development {metric}", f"Evaluation {metric}", "95\\% CI", ""]
    rows = [[str(r.rank), tex_escape(r.label), num(r.development, 3), num(r.evaluation, 3),
             _ci(r.ci_low, r.ci_high), "$\\ast$" if r.flagged else ""] for r in p.dev_eval]
    return _tabular("rlrrcc", head, rows, "Development (self-reported) against evaluation "
                    f"{metric}; $\\ast$: the development figure lies outside the evaluation CI. "
                    f"{tex_escape(CI_NOTE)}",
                    "tab:dev-eval")


def verdict(r: DevEvalRow) -> str:
    """What the flag means, in words."""
    if r.outside is None:
        return ""
    return f"evaluation {r.outside} the development claim"


def latex_files(p: PaperTables) -> dict[str, str]:
    """File name -> LaTeX for every table that has content."""
    files = {"table2.tex": table2_latex(p), "table4.tex": table4_latex(p),
             "characteristics.tex": statistics_latex(p), "dev_vs_eval.tex": dev_eval_latex(p)}
    if p.table3 is not None:
        files["table3.tex"] = table3_latex(p)
    return files


def sentence(v: CharacteristicValue) -> str:
    """Section 4.2's phrasing: "21 systems from 6 teams"."""
    systems, teams = v.systems, v.teams
    return (f"{systems} system{'s' if systems != 1 else ''} from {teams} "
            f"team{'s' if teams != 1 else ''}")


def to_markdown(p: PaperTables) -> str:
    """All the tables in one Markdown document (for the challenge web site)."""
    e = md_escape
    out = ["# The paper's tables", ""]
    out += ["## Table 2: best system per team, with 95% confidence intervals", ""]
    head = ["Rank", "Team", "System", *(f"{m} [95% CI]" for m in p.metric_names), "Authors",
            "Technical report"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for t in p.teams:
        cells = [str(t.team_rank), e(t.team_display), e(t.label),
                 *(f"{num(t.metrics[m].value, 3)} {_ci(t.metrics[m].ci_low, t.metrics[m].ci_high)}"
                   for m in p.metric_names),
                 e(", ".join(t.authors)), e(t.technical_report or "")]
        out.append("| " + " | ".join(cells) + " |")
    if p.table3 is not None:
        t3 = p.table3
        out += ["", f"## Table 3: baseline ({e(t3.label)})", "",
                "| Dataset | " + " | ".join(p.metric_names) + " |",
                "|---|" + "---|" * len(p.metric_names),
                f"| {e(title(t3.development_split or 'development'))} | "
                + " | ".join(num(t3.development.get(m), 3) for m in p.metric_names) + " |",
                "| Evaluation | " + " | ".join(num(t3.evaluation[m].value, 3)
                                                for m in p.metric_names) + " |"]
    out += ["", "## Table 4: characteristics of each team's best system", "",
            "| Rank | Team | " + " | ".join(e(title(k)) for k in p.characteristics) + " |",
            "|---|---|" + "---|" * len(p.characteristics)]
    for t in p.teams:
        out.append(f"| {t.team_rank} | {e(t.team_display)} | "
                   + " | ".join(_joined(t.characteristics[k], e) for k in p.characteristics)
                   + " |")
    out += ["", f"## Characteristics of the {p.n_systems} submitted systems from {p.n_teams} "
            "teams", "", f"| Characteristic | Value | Systems | Best {p.main_metric} | "
            f"Mean {p.main_metric} |", "|---|---|---|---|---|"]
    for v in p.characteristic_stats:
        out.append(f"| {e(title(v.characteristic))} | {e(v.value)} | {sentence(v)} | "
                   f"{num(v.best, 3)} | {num(v.mean, 3)} |")
    out += ["", f"## Development against evaluation ({p.main_metric})", "",
            "| Rank | System | Development | Evaluation [95% CI] | Outside the CI |",
            "|---|---|---|---|---|"]
    for r in p.dev_eval:
        out.append(f"| {r.rank} | {e(r.label)} | {num(r.development, 3)} | "
                   f"{num(r.evaluation, 3)} {_ci(r.ci_low, r.ci_high)} | {verdict(r)} |")
    out += ["", e(CI_NOTE)]  # once, under the last table with intervals
    return "\n".join(out) + "\n"

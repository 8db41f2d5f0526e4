"""Text renderings of a Leaderboard: JSON (everything), CSV (one row per system), Markdown and
LaTeX tables (team view and all systems). Team-provided text is escaped for each format so that
it always shows literally."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import TYPE_CHECKING

from ..measure.jackknife import CI_NOTE

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard, SystemResult


def num(value: float | None, digits: int = 4) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def full(value: float | None) -> str:
    """Full precision for machine-readable cells; empty when undefined."""
    if value is None or not math.isfinite(value):
        return ""
    return repr(float(value))


def pvalue(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"


def to_json(board: Leaderboard) -> str:
    return json.dumps(board.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


CSV_FIXED = ["rank", "team_rank", "team_best", "team", "label", "system_name"]
CSV_TAIL = ["in_best_group", "diff_vs_best", "diff_ci_low", "diff_ci_high", "p_value",
            "p_adjusted", "significant_vs_best", "lenient", "source", "baseline"]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """Team text for a spreadsheet: a leading `'` stops `=...` from running as a formula
    (CSV injection); results.json keeps the exact text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(board: Leaderboard) -> str:
    """One row per ranked system; metrics with value, ci_low and ci_high columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    metric_cols = [f"{m}{suffix}" for m in board.metric_names for suffix in ("", "_ci_low",
                                                                             "_ci_high")]
    writer.writerow([*CSV_FIXED, *metric_cols, *CSV_TAIL])
    for s in board.systems:
        cells: list[object] = [s.rank, s.team_rank or "", int(s.team_best), csv_text(s.team),
                               s.label, csv_text(s.system_name)]
        for m in board.metric_names:
            stats = s.metrics[m]
            cells += [full(stats.value), full(stats.ci_low), full(stats.ci_high)]
        c = s.vs_best
        cells += [int(s.in_best_group),
                  full(c.difference) if c else "", full(c.ci_low) if c else "",
                  full(c.ci_high) if c else "", full(c.p_value) if c else "",
                  full(c.p_adjusted) if c else "", int(c.significant) if c else "",
                  int(s.lenient), csv_text(s.source), int(s.baseline)]
        writer.writerow(cells)
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(text: str) -> str:
    """Backslash-escape every Markdown-significant character; newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _ci(s: SystemResult, metric: str) -> str:
    m = s.metrics[metric]
    return f"{num(m.value)} [{num(m.ci_low)}, {num(m.ci_high)}]"


def _vs_best_md(s: SystemResult) -> str:
    c = s.vs_best
    if c is None:
        return "best"
    mark = "" if c.significant else " (n.s.)"
    return (f"{num(c.difference)} [{num(c.ci_low)}, {num(c.ci_high)}], "
            f"p_Holm {pvalue(c.p_adjusted)}{mark}")


LENIENT_MARK = "†"


def lenient_notes(board: Leaderboard) -> list[str]:
    """One sentence per system scored under the lenient policy, with its policy counts."""
    return [f"{s.label}: {s.policy}" for s in board.lenient_systems]


def header_note(board: Leaderboard) -> str:
    """Said at the top of every rendering when any ranked system was scored leniently."""
    n = len(board.lenient_systems)
    if not n:
        return ""
    return (f"Lenient scoring was used: {n} system{'s' if n != 1 else ''} marked "
            f"{LENIENT_MARK} (lenient) had invalid outputs scored under the stated policy.")


def provenance_lines(board: Leaderboard) -> list[str]:
    """What was scored, by which version (page footer, Markdown and LaTeX comments)."""
    p = board.provenance
    if p is None:
        return []
    return [f"Generated: {p.generated or 'not recorded'}",
            f"Tool: dcase-retrieval-eval {p.tool_version}", f"Edition preset: {p.edition}",
            f"Ground truth: {p.ground_truth_file} (SHA-256 {p.ground_truth_sha256 or 'n/a'})",
            f"Queries scored: {p.n_queries}"]


def baseline_label(board: Leaderboard) -> str | None:
    return next((s.label for s in board.systems if s.baseline), None)


def shown_label(s: SystemResult, baseline_word: str = " (baseline)") -> str:
    """A label with its plain-text markers: baseline, and the lenient mark."""
    return (s.label + (baseline_word if s.baseline else "")
            + (f" {LENIENT_MARK}" if s.lenient else ""))


def _md_table(board: Leaderboard, rows: list[SystemResult], team_view: bool) -> list[str]:
    head = ["Rank", "Team", "System", "Name", *[f"{m} [95% CI]" for m in board.metric_names],
            f"Δ{board.main_metric} vs best [CI], Holm p", "Best group"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in rows:
        position = s.team_rank if team_view else s.rank
        cells = [str(position), md_escape(s.team), md_escape(shown_label(s, " (Baseline)")),
                 md_escape(s.system_name),
                 *[_ci(s, m) for m in board.metric_names], _vs_best_md(s),
                 "yes" if s.in_best_group else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def settings_text(board: Leaderboard) -> str:
    test = ("paired randomization (sign-flip)" if board.test == "randomization"
            else "paired bootstrap")
    pairs = "all pairs" if board.all_pairs else "the best system against each other"
    subset = (" (only the ground truth's queries: rows for other queries ignored)"
              if board.only_gt_queries else "")
    return (f"Edition {board.edition}, {board.n_queries} queries{subset}, ranked by "
            f"{board.main_metric}; "
            f"{int(board.confidence * 100)}% jackknife CIs. Significance: {test} test, "
            f"{board.rounds} rounds, seed {board.seed}, {pairs}, Holm-corrected at "
            f"alpha = {board.alpha}. Ties: {board.tie_rule}.")


def to_markdown(board: Leaderboard) -> str:
    lines = [*(f"<!-- {line.replace('--', '- -')} -->" for line in provenance_lines(board)),
             f"# Results: edition {md_escape(board.edition)}", "", settings_text(board), ""]
    if header_note(board):
        lines += [f"**{md_escape(header_note(board))}**", ""]
    lines += ["## Team ranking (best system per team)", ""]
    lines += _md_table(board, board.team_view(), True)
    lines += ["", "## All systems", ""]
    lines += _md_table(board, board.systems, False)
    lines += ["", md_escape(CI_NOTE)]
    lines += [f"\n{LENIENT_MARK} {md_escape(n)}" for n in lenient_notes(board)]
    group = ", ".join(md_escape(s.label) for s in board.best_group)
    lines += ["", f"Not significantly different from the best: {group or 'none'}.", ""]
    if board.rejected:
        lines += ["## Not ranked", "",
                  "| Team | System | Source | Reason | Codes | First findings |",
                  "|---|---|---|---|---|---|"]
        for r in board.rejected:
            first = "<br>".join(md_escape(f) for f in r.first_findings)
            lines.append(f"| {md_escape(r.team)} | {md_escape(r.label)} | {md_escape(r.source)} "
                         f"| {md_escape(r.reason)} | {md_escape(r.codes_text)} | {first} |")
        lines.append("")
    return "\n".join(lines)


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
        "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in " ".join(text.split()))


def _tex_table(board: Leaderboard, rows: list[SystemResult], team_view: bool, caption: str,
               ) -> list[str]:
    cols = "r" + "lll" + "r" * len(board.metric_names)
    head = ["Rank", "Team", "System", "Name", *[tex_escape(m) for m in board.metric_names]]
    lines = [r"\begin{table}[t]", r"\centering", r"\footnotesize",
             rf"\begin{{tabular}}{{{cols}}}", r"\toprule", " & ".join(head) + r" \\",
             r"\midrule"]
    for s in rows:
        cells = [str(s.team_rank if team_view else s.rank), tex_escape(s.team),
                 tex_escape(s.label) + (r" \textit{(Baseline)}" if s.baseline else "")
                 + (r"$^\dagger$" if s.lenient else ""), tex_escape(s.system_name)]
        for m in board.metric_names:
            st = s.metrics[m]
            cells.append(f"{num(st.value, 3)} {{\\scriptsize [{num(st.ci_low, 3)}, "
                         f"{num(st.ci_high, 3)}]}}")
        if s.in_best_group:
            cells = [rf"\textbf{{{c}}}" for c in cells]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{caption}}}", r"\end{table}", ""]
    return lines


def to_latex(board: Leaderboard) -> str:
    """Two booktabs tables; bold rows are not significantly different from the best."""
    note = (f" Bold: not significantly different from the best system ({board.test} test, "
            f"Holm, $\\alpha={board.alpha}$). 95\\% jackknife CIs in brackets. "
            f"{tex_escape(CI_NOTE)}")
    note += "".join(rf" $^\dagger$Lenient scoring: {tex_escape(n)}" for n in lenient_notes(board))
    lines = [*(f"% {' '.join(line.split())}" for line in provenance_lines(board)),
             "% Requires \\usepackage{booktabs} (and UTF-8 input for non-ASCII names).", ""]
    lines += _tex_table(board, board.team_view(), True,
                        f"Team ranking, best system per team, by {tex_escape(board.main_metric)}."
                        + note)
    lines += _tex_table(board, board.systems, False,
                        f"All systems by {tex_escape(board.main_metric)}." + note)
    return "\n".join(lines)

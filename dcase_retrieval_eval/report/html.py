"""`index.html`: one self-contained results page (inline CSS, inline SVG, one small inline script).

Nothing a team uploads can run in the organizer's browser:
- every piece of data is inserted with `html.escape` (text and attribute values alike);
- the embedded JSON copy of the results escapes `<`, `>`, `&` and U+2028/9 as \\uXXXX, so it
  can never close its <script> element;
- the sorting script only moves existing rows and reads `data-sort` attributes (no innerHTML);
- a Content-Security-Policy allows no network and only the page's own script, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from html import escape
from typing import TYPE_CHECKING

from .leaderboard_formats import num, pvalue

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard, SystemResult

SORT_SCRIPT = """(function () {
  "use strict";
  function key(row, col) {
    var v = row.cells[col].getAttribute("data-sort") || "";
    var n = Number(v);
    return v !== "" && isFinite(n) ? { num: n, text: v } : { num: null, text: v };
  }
  function sortBy(table, col, desc) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, col), y = key(b, col), c;
      if (x.num !== null && y.num !== null) { c = x.num - y.num; }
      else { c = x.text < y.text ? -1 : x.text > y.text ? 1 : 0; }
      if (c === 0) {
        return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      }
      return desc ? -c : c;
    });
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    heads[col].setAttribute("aria-sort", desc ? "descending" : "ascending");
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () {
        sortBy(table, col, th.getAttribute("aria-sort") === "ascending");
      });
    });
  });
  var m = /^#sort=([0-9]{1,3})(-desc)?$/.exec(window.location.hash);
  var main = document.getElementById("systems");
  if (m && main && Number(m[1]) < main.tHead.rows[0].cells.length) {
    sortBy(main, Number(m[1]), Boolean(m[2]));
  }
  document.documentElement.setAttribute("data-script", "ran");
})();"""

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1200px;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f3f4f6;position:sticky;top:0}
table.sortable th{cursor:pointer}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
tr.best td{background:#eef6ff}
.tag{display:inline-block;white-space:nowrap;padding:0 .35rem;border-radius:.25rem;
background:#1d4ed8;color:#fff;font-size:.75rem}
.note{color:#555;font-size:.85rem}
.lit{white-space:pre-wrap;overflow-wrap:anywhere;min-width:5rem;max-width:18rem}
.ci{display:block;font-size:.75rem}
svg text{font-family:inherit;font-size:11px}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _script_json(doc: object) -> str:
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


def _sort_value(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return repr(float(value))


def _cell_metric(s: SystemResult, metric: str) -> str:
    m = s.metrics[metric]
    return (f'<td class="n" data-sort="{_sort_value(m.value)}" data-ci-low="'
            f'{_sort_value(m.ci_low)}" data-ci-high="{_sort_value(m.ci_high)}">{num(m.value)}'
            f'<span class="note ci">[{num(m.ci_low)}, {num(m.ci_high)}]</span></td>')


def _text_cell(text: str, cls: str = "lit") -> str:
    return f'<td class="{cls}" data-sort="{_e(text)}">{_e(text)}</td>'


def _system_rows(board: Leaderboard, rows: list[SystemResult], team_view: bool) -> str:
    out: list[str] = []
    for order, s in enumerate(rows):
        position = s.team_rank if team_view else s.rank
        c = s.vs_best
        diff = (f'<td class="n" data-sort="{_sort_value(c.difference)}">{num(c.difference)} '
                f'<span class="note ci">[{num(c.ci_low)}, {num(c.ci_high)}]</span></td>'
                f'<td class="n" data-sort="{_sort_value(c.p_adjusted)}">{pvalue(c.p_adjusted)}'
                "</td>") if c else '<td class="n" data-sort="0">best</td><td class="n" ' \
            'data-sort="1">&#8212;</td>'
        group = '<span class="tag">best group</span>' if s.in_best_group else ""
        out.append(
            f'<tr class="{"best" if s.in_best_group else "other"}" data-order="{order}" '
            f'data-label="{_e(s.label)}">'
            f'<td class="n" data-sort="{position}">{position}</td>'
            + _text_cell(s.team) + _text_cell(s.label) + _text_cell(s.system_name)
            + "".join(_cell_metric(s, m) for m in board.metric_names) + diff
            + f'<td data-sort="{int(s.in_best_group)}">{group}</td></tr>')
    return "\n".join(out)


def _system_table(board: Leaderboard, rows: list[SystemResult], team_view: bool,
                  table_id: str) -> str:
    heads = ["Rank", "Team", "System", "Name", *board.metric_names,
             f"Δ {board.main_metric} vs best [CI]", "Holm p", "Group"]
    head = "".join(f"<th scope=\"col\">{_e(h)}</th>" for h in heads)
    return (f'<table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>\n'
            f"{_system_rows(board, rows, team_view)}\n</tbody></table>")


def forest_plot(board: Leaderboard) -> str:
    """An inline SVG: each system's main metric as a dot with its CI as a bar, best on top."""
    systems = board.systems
    if not systems:
        return "<p>No system was ranked.</p>"
    main = board.main_metric
    lows = [s.metrics[main].ci_low for s in systems]
    highs = [s.metrics[main].ci_high for s in systems]
    values = [s.metrics[main].value for s in systems]
    finite = [v for v in (*lows, *highs, *values) if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    pad = (hi - lo) * 0.05
    lo, hi = max(0.0, lo - pad), hi + pad
    left, width, row, top = 300, 420, 20, 24
    height = top + row * len(systems) + 30

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 80}" '
             f'height="{height}" viewBox="0 0 {left + width + 80} {height}" '
             f'aria-label="{_e(main)} with confidence intervals">']
    best_value = values[0]
    if math.isfinite(best_value):
        parts.append(f'<line x1="{x(best_value):.1f}" y1="{top - 8}" x2="{x(best_value):.1f}" '
                     f'y2="{height - 30}" stroke="#1d4ed8" stroke-dasharray="3 3"/>')
    for i, s in enumerate(systems):
        y = top + i * row
        colour = "#1d4ed8" if s.in_best_group else "#6b7280"
        name = f"{s.rank}. {s.label} ({s.team})"
        if len(name) > 48:
            name = name[:47] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{_e(name)}</text>')
        m = s.metrics[main]
        if math.isfinite(m.ci_low) and math.isfinite(m.ci_high):
            parts.append(f'<line x1="{x(m.ci_low):.1f}" y1="{y}" x2="{x(m.ci_high):.1f}" '
                         f'y2="{y}" stroke="{colour}" stroke-width="2"/>')
        if math.isfinite(m.value):
            parts.append(f'<circle cx="{x(m.value):.1f}" cy="{y}" r="4" fill="{colour}">'
                         f"<title>{_e(s.label)}: {num(m.value)} [{num(m.ci_low)}, "
                         f"{num(m.ci_high)}]</title></circle>")
    axis_y = height - 24
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" '
                 'stroke="#111"/>')
    for t in range(6):
        v = lo + (hi - lo) * t / 5
        parts.append(f'<line x1="{x(v):.1f}" y1="{axis_y}" x2="{x(v):.1f}" y2="{axis_y + 4}" '
                     f'stroke="#111"/><text x="{x(v):.1f}" y="{axis_y + 16}" '
                     f'text-anchor="middle">{v:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _comparisons(board: Leaderboard) -> str:
    if not board.comparisons:
        return "<p>Fewer than two systems: nothing to compare.</p>"
    head = "".join(f"<th scope=\"col\">{h}</th>" for h in (
        "Better", "Other", "Δ", "bootstrap CI", "p", "Holm p", "Significant"))
    rows = []
    for order, c in enumerate(board.comparisons):
        rows.append(f'<tr data-order="{order}"><td class="lit">{_e(c.better)}</td>'
                    f'<td class="lit">{_e(c.other)}</td>'
                    f'<td class="n" data-sort="{_sort_value(c.difference)}">{num(c.difference)}'
                    f'</td><td class="n">[{num(c.ci_low)}, {num(c.ci_high)}]</td>'
                    f'<td class="n" data-sort="{_sort_value(c.p_value)}">{pvalue(c.p_value)}'
                    f'</td><td class="n" data-sort="{_sort_value(c.p_adjusted)}">'
                    f'{pvalue(c.p_adjusted)}</td><td>{"yes" if c.significant else "no"}</td></tr>')
    return (f'<table class="sortable" id="comparisons"><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(rows) + "</tbody></table>")


def _rejected(board: Leaderboard) -> str:
    if not board.rejected:
        return "<p>Every system found was ranked.</p>"
    rows = "".join(f'<tr><td class="lit">{_e(r.team)}</td><td class="lit">{_e(r.label)}</td>'
                   f'<td class="lit">{_e(r.source)}</td><td class="lit">{_e(r.reason)}</td></tr>'
                   for r in board.rejected)
    return ('<table id="rejected"><thead><tr><th>Team</th><th>System</th><th>Source</th>'
            f"<th>Reason</th></tr></thead><tbody>{rows}</tbody></table>")


def _hardest(board: Leaderboard) -> str:
    if not board.hardest_queries:
        return ""
    rows = "".join(
        f'<tr><td class="lit">{_e(h.query)}</td><td class="lit">'
        + "<br>".join(_e(f) for f in h.relevant)
        + f'</td><td class="n">{num(h.mean_main_metric)}</td></tr>'
        for h in board.hardest_queries)
    return (f"<h2>Hardest queries</h2><p class=\"note\">Lowest mean {_e(board.main_metric)} over "
            "the ranked systems.</p><table id=\"hardest\"><thead><tr><th>Query</th>"
            f"<th>Relevant files</th><th>Mean</th></tr></thead><tbody>{rows}</tbody></table>")


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def to_html(board: Leaderboard) -> str:
    from .leaderboard_formats import _settings

    group = ", ".join(_e(s.label) for s in board.best_group) or "none"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_csp()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>DCASE retrieval results: edition {_e(board.edition)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Language-based audio retrieval: results (edition {_e(board.edition)})</h1>
<p class="note" id="settings">{_e(_settings(board))}</p>
<h2>Team ranking (best system per team)</h2>
{_system_table(board, board.team_view(), True, "teams")}
<h2>All systems</h2>
<p class="note">Click a column header to sort. Highlighted rows: not significantly different
from the best system.</p>
{_system_table(board, board.systems, False, "systems")}
<h2>{_e(board.main_metric)} with {int(board.confidence * 100)}% confidence intervals</h2>
{forest_plot(board)}
<h2>Significance</h2>
<p id="best-group">Not significantly different from the best: {group}.</p>
{_comparisons(board)}
<h2>Not ranked</h2>
{_rejected(board)}
{_hardest(board)}
<script type="application/json" id="results-data">{_script_json(board.to_dict())}</script>
<script>{SORT_SCRIPT}</script>
</body>
</html>
"""

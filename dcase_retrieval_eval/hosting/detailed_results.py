"""`detailed_results.html`: what a participant sees on Codabench about one submission.

Every text that came from the submission is escaped; the page loads nothing (strict CSP).
A rejection lists every finding that was kept and, per code, how many were counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ..findings import CATALOGUE, Finding
from ..measure.jackknife import CI_NOTE, JackknifeStats

_STYLE = ("body{font-family:sans-serif}table{border-collapse:collapse;margin:.5em 0}"
          "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
          ".lit{white-space:pre-wrap}")


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>\n")


def findings_table(findings: list[Finding]) -> str:
    """Every finding, one row each (no cut-off: the page is the participant's only log)."""
    if not findings:
        return "<p>No findings.</p>"
    rows = "".join(
        f"<tr><td class=\"lit\">{escape(f.file)}</td><td>{f.line or '-'}</td>"
        f"<td>{f.column or '-'}</td><td>{escape(f.code)}</td><td>{escape(f.severity.value)}</td>"
        f"<td class=\"lit\">{escape(f.message)}</td><td class=\"lit\">{escape(f.hint)}</td></tr>"
        for f in findings)
    return ("<table><thead><tr><th>file</th><th>line</th><th>col</th><th>code</th>"
            "<th>severity</th><th>message</th><th>hint</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def counts_table(findings: list[Finding], counts: Mapping[str, int]) -> str:
    """Per code: how many defects were found and how many of them are listed."""
    listed: dict[str, int] = {}
    for f in findings:
        listed[f.code] = listed.get(f.code, 0) + 1
    total = {**listed, **{c: n for c, n in counts.items() if n}}
    if not total:
        return ""
    names = {code: CATALOGUE[code].name if code in CATALOGUE else "" for code in total}
    rows = "".join(
        f"<tr><td>{escape(code)}</td><td>{escape(names[code])}</td><td>{n}</td>"
        f"<td>{listed.get(code, 0)}</td></tr>" for code, n in sorted(total.items()))
    note = ("<p>At most a fixed number of findings of one code are listed; the rest are "
            "counted.</p>" if any(n > listed.get(c, 0) for c, n in total.items()) else "")
    return ("<table><thead><tr><th>code</th><th>name</th><th>found</th><th>listed</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>{note}")


def rejection_page(message: str, findings: list[Finding],
                   counts: Mapping[str, int] | None = None) -> str:
    body = (f"<p class=\"lit\">{escape(message)}</p>"
            f"<h2>Findings</h2>{counts_table(findings, counts or {})}"
            f"{findings_table(findings)}")
    return page("Submission rejected", body)


def scores_page(summary: str, metrics: Mapping[str, JackknifeStats],
                findings: list[Finding], counts: Mapping[str, int],
                versions: Mapping[str, str] | None = None) -> str:
    """The scores with their CIs, every finding, and the versions that computed them."""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{m.value:.4f}</td><td>[{m.ci_low:.4f}, "
        f"{m.ci_high:.4f}]</td><td>{m.std_err:.4f}</td></tr>" for name, m in metrics.items())
    body = (f"<p>{escape(summary)}</p>"
            "<table><thead><tr><th>metric</th><th>value</th><th>95% jackknife CI</th>"
            f"<th>std err</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p class=\"note\">{escape(CI_NOTE)}</p>"
            f"<h2>Findings</h2>{counts_table(findings, counts)}{findings_table(findings)}")
    if versions:
        listed = ", ".join(f"{escape(k)} {escape(v)}" for k, v in versions.items())
        body += f"<h2>Scored with</h2><p class=\"scorer\">{listed}</p>"
    return page("Scores", body)

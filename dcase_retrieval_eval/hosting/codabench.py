"""Codabench scoring-program mode: `dcase-eval score --codabench INPUT_DIR OUTPUT_DIR`.

The platform's contract: the reference data is in INPUT_DIR/ref, the participant's (unzipped)
submission in INPUT_DIR/res; the program writes OUTPUT_DIR/scores.json, a flat mapping of
leaderboard keys to numbers, and may write OUTPUT_DIR/detailed_results.html. Keys are
`map_at_10`, `r_at_1`, ... with `<key>_ci_low` / `<key>_ci_high` holding the 95% jackknife
bounds, so a competition's leaderboard can show them as extra columns. An invalid submission
still gets a detailed_results.html listing every finding, then fails (exit 1) unless lenient.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path

from ..errors import InputError
from ..findings import Finding
from ..io.atomic import write_text_atomic

IGNORED_SUFFIXES = (".yaml", ".yml", ".pdf", ".txt", ".md", ".json")


def metric_key(name: str) -> str:
    """`mAP@10` -> `map_at_10`, `R@1` -> `r_at_1` (Codabench keys are plain identifiers)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("@", "_at_")).strip("_")


def _single_csv(folder: Path, what: str) -> Path:
    if not folder.is_dir():
        raise InputError(f"{folder} is missing: Codabench puts the {what} there")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                   and not any(part.startswith((".", "__MACOSX")) for part in
                               p.relative_to(folder).parts))
    csvs = [p for p in files if p.suffix.lower() == ".csv"]
    preferred = [p for p in csvs if p.name.lower().endswith(".output.csv")]
    if len(preferred) == 1:
        return preferred[0]
    if len(csvs) == 1:
        return csvs[0]
    if not csvs:
        raise InputError(f"{folder} holds no CSV file: the {what} must be one CSV")
    names = ", ".join(p.name for p in csvs[:5])
    raise InputError(f"{folder} holds {len(csvs)} CSV files ({names}); the {what} must be one "
                     "CSV (or exactly one <label>.output.csv)")


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>body{{font-family:sans-serif}}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
            "text-align:left}.lit{white-space:pre-wrap}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>\n")


def _findings_html(findings: list[Finding], limit: int = 500) -> str:
    if not findings:
        return "<p>No findings.</p>"
    rows = "".join(
        f"<tr><td>{f.line or '-'}</td><td>{f.column or '-'}</td><td>{escape(f.code)}</td>"
        f"<td>{escape(f.severity.value)}</td><td class=\"lit\">{escape(f.message)}</td>"
        f"<td class=\"lit\">{escape(f.hint)}</td></tr>" for f in findings[:limit])
    more = f"<p>{len(findings) - limit} more not shown.</p>" if len(findings) > limit else ""
    return ("<table><thead><tr><th>line</th><th>col</th><th>code</th><th>severity</th>"
            f"<th>message</th><th>hint</th></tr></thead><tbody>{rows}</tbody></table>{more}")


def run_codabench(input_dir: str | Path, output_dir: str | Path, *, edition: str = "auto",
                  k: int | None = None, lenient: bool = False) -> dict[str, float | None]:
    """Score INPUT_DIR/res against INPUT_DIR/ref; write scores.json and detailed_results.html."""
    from ..editions import resolve_edition
    from ..formats.ground_truth import load_ground_truth
    from ..formats.submission import load_submission
    from ..measure.scoring import score_aligned

    input_dir, output_dir = Path(input_dir), Path(output_dir)
    gt = load_ground_truth(_single_csv(input_dir / "ref", "reference ground truth"))
    sub_path = _single_csv(input_dir / "res", "submission")
    ed = resolve_edition(edition, gt, k)
    sub = load_submission(sub_path)
    try:
        report = score_aligned(sub, gt, ed, lenient=lenient)
    except InputError as exc:
        write_text_atomic(output_dir / "detailed_results.html", _page(
            "Submission rejected",
            f"<p class=\"lit\">{escape(str(exc))}</p>" + _findings_html(exc.findings)))
        raise
    scores: dict[str, float | None] = {}
    for name, m in report.metrics.items():
        key = metric_key(name)
        scores[key] = _number(m.value)
        scores[f"{key}_ci_low"] = _number(m.ci_low)
        scores[f"{key}_ci_high"] = _number(m.ci_high)
    write_text_atomic(output_dir / "scores.json",
                      json.dumps(scores, indent=2, allow_nan=False) + "\n")
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{m.value:.4f}</td><td>[{m.ci_low:.4f}, "
        f"{m.ci_high:.4f}]</td><td>{m.std_err:.4f}</td></tr>" for name, m in report.metrics.items())
    body = (f"<p>Edition {escape(report.edition)}, {report.n_queries} queries, main metric "
            f"{escape(report.main_metric)}. Policy: {escape(report.policy.describe())}</p>"
            "<table><thead><tr><th>metric</th><th>value</th><th>95% jackknife CI</th>"
            f"<th>std err</th></tr></thead><tbody>{rows}</tbody></table>"
            "<h2>Findings</h2>" + _findings_html(report.validation.findings))
    write_text_atomic(output_dir / "detailed_results.html", _page("Scores", body))
    return scores

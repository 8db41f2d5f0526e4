"""`index.html`: one self-contained results page, rendered from Jinja2 templates.

Nothing a team uploads can run in the organizer's browser:
- the templates (report/templates/) are rendered with autoescaping on, so every value is
  escaped for HTML text and attributes by default; the only values marked safe are the SVG
  figures of report/svg.py, which escape their own text;
- the embedded JSON copy of the results goes through `tojson`, which writes `<`, `>`, `&` and `'`
  as \\uXXXX, so it can never close its <script> element;
- the sorting script (templates/sort.js) only moves existing rows and reads `data-sort`
  attributes (no innerHTML);
- a Content-Security-Policy allows no network and only the page's own script, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import math
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..measure.jackknife import CI_NOTE
from .leaderboard_formats import (
    baseline_label,
    header_note,
    lenient_notes,
    num,
    provenance_lines,
    pvalue,
    settings_text,
)
from .paper_formats import sentence, title, verdict
from .svg import blob_plot, dev_eval_scatter, forest_plot

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard
    from ..challenge.robustness import RankStability


def sort_key(value: float | None) -> str:
    """A `data-sort` value: full precision, empty when undefined."""
    if value is None or not math.isfinite(value):
        return ""
    return repr(float(value))


def web_url(text: str | None) -> str | None:
    """`text` when it is an http(s) address (a link on the page), else None: a team's
    `javascript:` or `data:` text is never made a link."""
    if not text:
        return None
    parsed = urlsplit(text.strip())
    return text.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


@cache
def environment() -> Environment:
    """The one template environment: autoescape on for every template, undefined names fail."""
    env = Environment(loader=PackageLoader("dcase_retrieval_eval.report", "templates"),
                      autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(num=num, pvalue=pvalue, sortkey=sort_key, heading=title,
                       sentence=sentence, verdict=verdict, web_url=web_url)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "allow_nan": False}
    return env


@cache
def sort_script() -> str:
    """The page's only script, exactly as the page includes it."""
    return environment().get_template("sort.js").render()


def content_security_policy() -> str:
    digest = base64.b64encode(hashlib.sha256(sort_script().encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def stability_words(s: RankStability) -> str:
    """challengeR's habit: say in words how stable a rank is."""
    at_official = s.rank_shares[s.official_rank - 1] if s.rank_shares else 0.0
    if s.rank_low == s.rank_high == s.official_rank:
        return f"rank {s.official_rank} in {at_official:.0%} of the draws: stable"
    return (f"rank {s.official_rank} in {at_official:.0%} of the draws; between {s.rank_low} "
            f"and {s.rank_high} in 95%")


def to_html(board: Leaderboard) -> str:
    """The results page of `board`."""
    teams = {s.label: s.team for s in board.systems}
    rb = board.robustness
    return environment().get_template("index.html.j2").render(
        board=board, csp=content_security_policy(), settings=settings_text(board),
        best_group=", ".join(s.label for s in board.best_group), teams=teams,
        forest_svg=forest_plot(board), data=board.to_dict(), header_note=header_note(board),
        lenient_notes=lenient_notes(board), ci_note=CI_NOTE, provenance=provenance_lines(board),
        blob_svg=blob_plot(rb, teams, baseline_label(board)) if rb else "",
        dev_eval_svg=dev_eval_scatter(board.paper.dev_eval, board.main_metric,
                                      baseline_label(board))
        if board.paper else "",
        stability_words={s.label: stability_words(s) for s in rb.systems} if rb else {})

"""Inline SVG figures for the results page: forest plot, blob plot, development-vs-evaluation.

Each function returns `markupsafe.Markup`: the SVG is built here from numbers we computed, and
every piece of team text inside it (labels, titles) goes through `escape`. That is what makes it
the one vetted thing the page template may insert with `|safe`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from .leaderboard_formats import num

if TYPE_CHECKING:
    from ..challenge.leaderboard import Leaderboard
    from ..challenge.paper import DevEvalRow
    from ..challenge.robustness import Robustness


def _clip(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _open(width: float, height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'aria-label="{escape(label)}">')


def _step(lo: float, hi: float, count: int) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `count` intervals."""
    raw = (hi - lo) / max(count, 1) if hi > lo else 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw * 0.999)


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round values (multiples of a 1-2-5 step) inside [lo, hi], never odd ones like 0.032."""
    step = _step(lo, hi, count)
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 12) for i in range(first, math.floor(hi / step + 1e-9) + 1)]


def _tick_text(v: float, lo: float, hi: float, count: int = 5) -> str:
    decimals = max(0, -math.floor(math.log10(_step(lo, hi, count))))
    return f"{v:.{decimals}f}"


def _marks(label: str, baseline: bool, lenient: bool = False) -> str:
    """A figure's label with the tables' markers: (Baseline) and the lenient dagger."""
    return label + (" (Baseline)" if baseline else "") + (" †" if lenient else "")


def forest_plot(board: Leaderboard) -> Markup:
    """Each system's main metric as a dot with its CI as a bar, best on top."""
    systems = board.systems
    if not systems:
        return Markup("<p>No system was ranked.</p>")
    main = board.main_metric
    stats = [s.metrics[main] for s in systems]
    finite = [v for m in stats for v in (m.ci_low, m.ci_high, m.value) if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    pad = (hi - lo) * 0.05
    lo, hi = max(0.0, lo - pad), hi + pad
    left, width, row, top = 300, 420, 20, 24
    height = top + row * len(systems) + 30

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    parts = [_open(left + width + 80, height, f"{main} with confidence intervals")]
    best = stats[0].value
    if math.isfinite(best):
        parts.append(f'<line x1="{x(best):.1f}" y1="{top - 8}" x2="{x(best):.1f}" '
                     f'y2="{height - 30}" stroke="#1d4ed8" stroke-dasharray="3 3"/>')
    for i, (s, m) in enumerate(zip(systems, stats, strict=True)):
        y = top + i * row
        colour = "#1d4ed8" if s.in_best_group else "#6b7280"
        name = _clip(f"{s.rank}. {_marks(s.label, s.baseline, s.lenient)} ({s.team})", 56)
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(name)}</text>')
        if math.isfinite(m.ci_low) and math.isfinite(m.ci_high):
            parts.append(f'<line x1="{x(m.ci_low):.1f}" y1="{y}" x2="{x(m.ci_high):.1f}" '
                         f'y2="{y}" stroke="{colour}" stroke-width="2"/>')
        if math.isfinite(m.value):
            parts.append(f'<circle cx="{x(m.value):.1f}" cy="{y}" r="4" fill="{colour}">'
                         f"<title>{escape(s.label)}: {num(m.value)} [{num(m.ci_low)}, "
                         f"{num(m.ci_high)}]</title></circle>")
    parts.append(_x_axis(lo, hi, left, width, height - 24, x))
    parts.append("</svg>")
    return Markup("".join(parts))


def _x_axis(lo: float, hi: float, left: float, width: float, axis_y: float,
            x: Callable[[float], float]) -> str:
    parts = [f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#111"/>']
    for v in _ticks(lo, hi):
        parts.append(f'<line x1="{x(v):.1f}" y1="{axis_y}" x2="{x(v):.1f}" y2="{axis_y + 4}" '
                     f'stroke="#111"/><text x="{x(v):.1f}" y="{axis_y + 16}" '
                     f'text-anchor="middle">{_tick_text(v, lo, hi)}</text>')
    return "".join(parts)


def blob_plot(robustness: Robustness, teams: Mapping[str, str],
              baseline: str | None = None) -> Markup:
    """challengeR's blob plot: systems on x in official order, rank on y (1 on top); a blob's
    area is the share of bootstrap rankings that put the system at that rank. The black ring is
    the official rank, the grey bar the 95% bootstrap rank interval."""
    systems = robustness.systems
    if not systems:
        return Markup("<p>No system was ranked.</p>")
    n = len(systems)
    # columns widen for few systems, so that the plot fills the page instead of 160 px
    col, row, left, top, bottom = max(26, min(90, 720 // n)), 18, 48, 16, 190
    width, height = left + col * n + 16, top + row * n + bottom
    radius = min(col, row) / 2  # a blob of share 1 fills its cell

    def cx(i: int) -> float:
        return left + col * (i + 0.5)

    def cy(rank: float) -> float:
        return top + row * (rank - 0.5)

    parts = [_open(width, height, f"Bootstrap ranks of every system ({robustness.resamples} "
                   "resamples of the queries)")]
    axis_x = left - 6
    parts.append(f'<line x1="{axis_x}" y1="{top}" x2="{axis_x}" y2="{top + row * n}" '
                 'stroke="#111"/>')
    for rank in range(1, n + 1):
        if rank == 1 or rank % 5 == 0 or rank == n:
            parts.append(f'<text x="{axis_x - 4}" y="{cy(rank) + 4:.1f}" text-anchor="end">'
                         f"{rank}</text>")
    parts.append(f'<text x="12" y="{top + row * n / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + row * n / 2:.1f})">rank</text>')
    for i, s in enumerate(systems):
        x = cx(i)
        parts.append(f'<g class="system" data-label="{escape(s.label)}" '
                     f'data-official-rank="{s.official_rank}">')
        parts.append(f'<line x1="{x:.1f}" y1="{cy(s.rank_low):.1f}" x2="{x:.1f}" '
                     f'y2="{cy(s.rank_high):.1f}" stroke="#9ca3af" stroke-width="2"/>')
        who = escape(f"{s.label} ({teams.get(s.label, '')})")
        for rank, share in enumerate(s.rank_shares, start=1):
            if share <= 0:
                continue
            parts.append(f'<circle class="blob" cx="{x:.1f}" cy="{cy(rank):.1f}" '
                         f'r="{radius * math.sqrt(share):.2f}" fill="#1d4ed8" '
                         f'fill-opacity="0.75" data-rank="{rank}" data-share="{share!r}">'
                         f"<title>{who}: rank {rank} in {share:.1%} of the resamples</title>"
                         "</circle>")
        parts.append(f'<circle class="official" cx="{x:.1f}" cy="{cy(s.official_rank):.1f}" '
                     f'r="{radius * 0.9:.2f}" fill="none" stroke="#111" stroke-width="1.2"/>')
        name = _clip(_marks(s.label, s.label == baseline), 44)
        ty = top + row * n + 8
        parts.append(f'<text x="{x + 4:.1f}" y="{ty}" text-anchor="end" '
                     f'transform="rotate(-60 {x + 4:.1f} {ty})">{escape(name)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def dev_eval_scatter(rows: Sequence[DevEvalRow], metric: str,
                     baseline: str | None = None) -> Markup:
    """Self-reported development score (x) against the evaluation score (y) with its CI; the
    diagonal is 'as claimed'. Red points: the claim lies outside the evaluation CI."""
    points = [r for r in rows if r.development is not None and math.isfinite(r.evaluation)]
    if not points:
        return Markup("<p>No system reported a development figure for "
                      f"{escape(metric)}.</p>")
    values = [v for r in points for v in (r.development, r.evaluation, r.ci_low, r.ci_high)
              if v is not None and math.isfinite(v)]
    hi = max(values) * 1.08 or 1.0
    left, size, top = 60, 360, 16
    width, height = left + size + 200, top + size + 48  # room for the point labels

    def sx(v: float) -> float:
        return left + v / hi * size

    def sy(v: float) -> float:
        return top + size - v / hi * size

    parts = [_open(width, height, f"Development against evaluation {metric}")]
    parts.append(f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(hi):.1f}" y2="{sy(hi):.1f}" '
                 'stroke="#9ca3af" stroke-dasharray="4 3" class="diagonal"/>')
    for r in points:
        assert r.development is not None
        colour = "#dc2626" if r.flagged else "#1d4ed8"
        x = sx(r.development)
        if math.isfinite(r.ci_low) and math.isfinite(r.ci_high):
            parts.append(f'<line x1="{x:.1f}" y1="{sy(r.ci_low):.1f}" x2="{x:.1f}" '
                         f'y2="{sy(r.ci_high):.1f}" stroke="{colour}" stroke-width="1.5"/>')
        parts.append(f'<circle class="point{" flagged" if r.flagged else ""}" cx="{x:.1f}" '
                     f'cy="{sy(r.evaluation):.1f}" r="4" fill="{colour}" '
                     f'data-label="{escape(r.label)}"><title>{escape(r.label)}: development '
                     f"{num(r.development)}, evaluation {num(r.evaluation)} "
                     f"[{num(r.ci_low)}, {num(r.ci_high)}]</title></circle>")
        parts.append(f'<text class="dev-label" x="{x + 6:.1f}" '
                     f'y="{sy(r.evaluation) - 5:.1f}">'
                     f"{escape(_clip(_marks(r.label, r.label == baseline), 40))}</text>")
    base = top + size
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + size}" y2="{base}" stroke="#111"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#111"/>')
    for v in _ticks(0.0, hi, 4):
        t = _tick_text(v, 0.0, hi, 4)
        parts.append(f'<text x="{sx(v):.1f}" y="{base + 16}" text-anchor="middle">{t}</text>'
                     f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{t}</text>')
    parts.append(f'<text x="{left + size / 2}" y="{base + 36}" text-anchor="middle">'
                 f"development {escape(metric)} (self-reported)</text>")
    parts.append(f'<text x="14" y="{top + size / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + size / 2})">evaluation {escape(metric)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

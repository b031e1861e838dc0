"""The report's timeline chart: a row per tracked base, a mark per day with attacks.

Long quiet stretches are cut from the time axis, which shares its width among the stretches left.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from monitor.report.common import _clip_text, _day, _e, _short_name

__all__ = ["timeline_section"]

_CHART_WIDTH = 960


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of the time axis: the days ``start``..``end`` drawn from ``x0`` to ``x1``."""

    start: date
    end: date
    x0: float
    x1: float
    days: tuple[date, ...]  # the days with attacks in it

    def x(self, day: date) -> float:
        days = max((self.end - self.start).days, 1)
        return self.x0 + (day - self.start).days / days * (self.x1 - self.x0)


def timeline_section(timeline: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    counts: dict[str, dict[date, int]] = {}
    for row in timeline:
        day = _day(row.get("date"))
        if day is None or not row.get("attacks"):
            continue
        per_day = counts.setdefault(str(row.get("base")), {})
        per_day[day] = per_day.get(day, 0) + int(row["attacks"])
    return (
        '<section id="timeline-section">\n<h2>Attacks per base over time</h2>\n'
        '<p class="muted">One row per tracked base with dated attacks; a mark per day, its size '
        "and number the attacks reported that day. Long quiet stretches are cut from the axis "
        "(marked ≈).</p>\n"
        f'<div class="figure">{_timeline_svg(counts, names)}</div>\n</section>'
    )


def _timeline_svg(counts: Mapping[str, Mapping[date, int]], names: Mapping[str, str]) -> str:
    label_w, lane_h, top, axis_h = 230, 30, 8, 46
    if not counts:
        return (
            f'<svg id="timeline" viewBox="0 0 {_CHART_WIDTH} 60" role="img">'
            '<text x="20" y="35" class="empty">No dated attacks on tracked bases.</text></svg>'
        )
    lanes = sorted(counts, key=lambda b: (-sum(counts[b].values()), names.get(b, b)))
    days = sorted({d for per_day in counts.values() for d in per_day})
    segments = _segments(days, label_w + 16, _CHART_WIDTH - 20)
    plot_bottom = top + lane_h * len(lanes)
    height = plot_bottom + axis_h
    out = [
        f'<svg id="timeline" viewBox="0 0 {_CHART_WIDTH} {height}" role="img" '
        'aria-label="Timeline of attacks per base">'
    ]
    for i, _base in enumerate(lanes):
        if i % 2 == 0:
            for s in segments:
                out.append(
                    f'<rect class="lane" x="{s.x0 - 8:.1f}" y="{top + i * lane_h}" '
                    f'width="{s.x1 - s.x0 + 16:.1f}" height="{lane_h}"/>'
                )
    out.append(_time_axis(segments, top, plot_bottom))
    max_count = max(n for per_day in counts.values() for n in per_day.values())
    for i, base in enumerate(lanes):
        y = top + i * lane_h + lane_h / 2
        name = names.get(base, base)
        total = sum(counts[base].values())
        out.append(
            f'<g class="row"><title>{_e(name)}: {total} attack{"s" * (total != 1)}</title>'
            f'<text class="row-label" x="{label_w - 34}" y="{y + 4:.1f}">'
            f"{_e(_clip_text(_short_name(name), 27))}</text>"
            f'<text class="row-count" x="{label_w - 4}" y="{y + 4:.1f}">{total}</text></g>'
        )
        for day, n in sorted(counts[base].items()):
            x = next(s for s in segments if s.start <= day <= s.end).x(day)
            r = 5.5 + 7.5 * math.sqrt((n - 1) / max(max_count - 1, 1))
            out.append(
                f'<g class="mark"><title>{_e(name)} — {day:%a} {day.day} {day:%b %Y}: '
                f"{n} attack{'s' * (n != 1)}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'
                + (f'<text x="{x:.1f}" y="{y + 3.5:.1f}">{n}</text>' if n > 1 else "")
                + "</g>"
            )
    out.append("</svg>")
    return "".join(out)


def _segments(days: Sequence[date], x0: float, x1: float) -> list[_Segment]:
    """Split the axis at the (at most three) longest quiet stretches, then share the width:
    each stretch a minimum, the rest in proportion to the days it covers."""
    span = max((days[-1] - days[0]).days, 1)
    pairs = enumerate(itertools.pairwise(days))
    gaps = sorted((((later - earlier).days, i) for i, (earlier, later) in pairs), reverse=True)
    cuts = sorted(i for gap, i in gaps[:3] if gap > max(60, span * 0.12))
    groups, first = [], 0
    for cut in [*cuts, len(days) - 1]:
        groups.append(tuple(days[first : cut + 1]))
        first = cut + 1
    gap_w, min_w = 40.0, 90.0
    pads = [timedelta(days=max(2, round((g[-1] - g[0]).days * 0.04))) for g in groups]
    spans = [(g[-1] - g[0] + 2 * pad).days for g, pad in zip(groups, pads, strict=True)]
    free = (x1 - x0) - gap_w * (len(groups) - 1) - min_w * len(groups)
    segments, x = [], x0
    for group, pad, days_covered in zip(groups, pads, spans, strict=True):
        width = min_w + free * days_covered / sum(spans)
        segments.append(_Segment(group[0] - pad, group[-1] + pad, x, x + width, group))
        x += width + gap_w
    return segments


_STEPS = (
    ("day", 1),
    ("day", 2),
    ("day", 7),
    ("day", 14),
    ("month", 1),
    ("month", 2),
    ("month", 3),
    ("month", 6),
    ("year", 1),
    ("year", 2),
    ("year", 5),
    ("year", 10),
)
_STEP_DAYS = {"day": 1, "month": 30.4, "year": 365.25}
_TICK_ROOM = 64  # px between tick labels


def _time_axis(segments: Sequence[_Segment], top: float, bottom: float) -> str:
    out = []
    for s in segments:
        out.append(
            f'<line class="axis" x1="{s.x0:.1f}" x2="{s.x1:.1f}" y1="{bottom}" y2="{bottom}"/>'
        )
        previous_year = None
        for day, label in _ticks(s):
            x = s.x(day)
            year = (
                f'<tspan x="{x:.1f}" dy="13" class="year">{day.year}</tspan>'
                if label != str(day.year) and day.year != previous_year
                else ""
            )
            previous_year = day.year
            out.append(
                f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom + 4}"/>'
                f'<text class="tick" x="{x:.1f}" y="{bottom + 17}">{label}{year}</text>'
            )
    for left, right in itertools.pairwise(segments):
        mid = (left.x1 + right.x0) / 2
        months = max(1, round((right.days[0] - left.days[-1]).days / 30.4))
        quiet = f"{months} mo" if months < 24 else f"{months / 12:.0f} yr"
        out.append(
            f'<text class="cut" x="{mid:.1f}" y="{bottom + 5}">≈</text>'
            f'<text class="cut-label" x="{mid:.1f}" y="{bottom + 18}">{quiet}</text>'
        )
    return "".join(out)


def _is_day_tick(day: date, step: int) -> bool:
    """Every day or every other day; or Mondays, every week or every other week."""
    if step < 7:
        return day.toordinal() % step == 0
    return day.weekday() == 0 and day.toordinal() // 7 % (step // 7) == 0


def _ticks(segment: _Segment) -> list[tuple[date, str]]:
    """(day, label) of the ticks of a stretch: its own days when it is short, else round dates
    at the finest step that leaves room for the labels, none hugging the stretch's ends."""
    span = (segment.end - segment.start).days
    width = segment.x1 - segment.x0
    if span <= 21:
        ticks, last_x = [], -math.inf
        for day in segment.days:
            if segment.x(day) - last_x >= _TICK_ROOM:
                ticks.append((day, f"{day.day} {day:%b}"))
                last_x = segment.x(day)
        return ticks
    room = max(1, int(width / _TICK_ROOM))
    unit, step = next(((u, n) for u, n in _STEPS if span / (n * _STEP_DAYS[u]) <= room), _STEPS[-1])
    ticks = []
    for offset in range(span + 1):
        day = segment.start + timedelta(days=offset)
        if not _TICK_ROOM / 3 <= segment.x(day) - segment.x0 <= width - _TICK_ROOM / 3:
            continue
        if unit == "day" and _is_day_tick(day, step):
            ticks.append((day, f"{day.day} {day:%b}"))
        elif unit == "month" and day.day == 1 and (day.month - 1) % step == 0:
            ticks.append((day, f"{day:%b}"))
        elif unit == "year" and day.month == day.day == 1 and day.year % step == 0:
            ticks.append((day, str(day.year)))
    return ticks or [(segment.days[0], f"{segment.days[0].day} {segment.days[0]:%b}")]

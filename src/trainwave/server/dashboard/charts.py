"""Server-side SVG geometry for the usage chart: no script, no other host.

:func:`usage_chart` turns daily counts into bars, grid lines and labels in
SVG user units, and the template draws them. The stylesheet colours them
through classes, because the page's CSP forbids style attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trainwave.server.apikeys.reports import DailyUsage

WIDTH = 720
HEIGHT = 260
LEFT = 48  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 32  # room for the date labels
GRID_LINES = 4
LABEL_EVERY_DAYS = 5


@dataclass(frozen=True, slots=True)
class Segment:
    """One coloured part of a bar: successful requests, 4xx or 5xx."""

    css_class: str
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    segments: list[Segment]
    title: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template needs to draw one usage chart."""

    width: int
    height: int
    days: list[DailyUsage]
    bars: list[Bar]
    grid: list[Label]
    dates: list[Label]
    plot_left: int
    plot_right: int
    baseline: float
    empty: bool
    center_x: float
    center_y: float
    total_requests: int
    total_4xx: int
    total_5xx: int


def nice_step(maximum: int) -> int:
    """Return a grid step of 1, 2 or 5 times a power of ten covering ``maximum``."""
    if maximum <= GRID_LINES:
        return 1
    rough = maximum / GRID_LINES
    magnitude = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return int(factor * magnitude)
    return int(10 * magnitude)


def short_number(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return str(value)


def bar_title(day: DailyUsage) -> str:
    return (
        f"{day.date:%b} {day.date.day}: {day.requests:,} requests, "
        f"{day.errors_4xx:,} 4xx, {day.errors_5xx:,} 5xx"
    )


def usage_chart(days: list[DailyUsage]) -> Chart:
    """Lay out one stacked bar per day: successes, 4xx and 5xx responses."""
    top_value = max((day.requests for day in days), default=0)
    step = nice_step(top_value)
    scale_top = step * GRID_LINES
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = float(HEIGHT - BOTTOM)
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar_width = max(slot * 0.7, 1.0)

    def height_of(count: int) -> float:
        return plot_height * count / scale_top

    bars = []
    dates = []
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar_width) / 2
        errors = min(day.errors_4xx + day.errors_5xx, day.requests)
        parts = [
            ("bar-ok", day.requests - errors),
            ("bar-4xx", min(day.errors_4xx, day.requests)),
            ("bar-5xx", min(day.errors_5xx, day.requests - day.errors_4xx)),
        ]
        segments = []
        y = baseline
        for css_class, count in parts:
            if count <= 0:
                continue
            height = height_of(count)
            y -= height
            segments.append(Segment(css_class, round(y, 2), round(height, 2)))
        bars.append(Bar(round(x, 2), round(bar_width, 2), segments, bar_title(day)))
        if (len(days) - 1 - index) % LABEL_EVERY_DAYS == 0:
            # The newest day's label ends at the plot's edge, so it is never
            # cut off when the chart is drawn small.
            is_last = index == len(days) - 1
            dates.append(
                Label(
                    WIDTH - RIGHT if is_last else round(x + bar_width / 2, 2),
                    HEIGHT - 10,
                    f"{day.date:%b} {day.date.day}",
                    "end" if is_last else "middle",
                )
            )
    grid = [
        Label(LEFT - 6, round(baseline - height_of(value), 2), short_number(value))
        for value in (step * line for line in range(GRID_LINES + 1))
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        days=days,
        bars=bars,
        grid=grid,
        dates=dates,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        baseline=baseline,
        empty=top_value == 0,
        center_x=(LEFT + WIDTH - RIGHT) / 2,
        center_y=TOP + plot_height / 2,
        total_requests=sum(day.requests for day in days),
        total_4xx=sum(day.errors_4xx for day in days),
        total_5xx=sum(day.errors_5xx for day in days),
    )

"""The usage chart's geometry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trainwave.server.apikeys.reports import DailyUsage
from trainwave.server.dashboard.charts import HEIGHT, nice_step, usage_chart


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(0, 1), (3, 1), (5, 2), (40, 10), (41, 20), (950, 500), (7_777, 2_000)],
    ids=["zero", "tiny", "five", "forty", "over", "hundreds", "thousands"],
)
def test_nice_step(maximum: int, step: int) -> None:
    assert nice_step(maximum) == step


def days(*counts: tuple[int, int, int]) -> list[DailyUsage]:
    first = date(2026, 11, 1)
    return [
        DailyUsage(first + timedelta(days=i), requests, errors_4xx, errors_5xx)
        for i, (requests, errors_4xx, errors_5xx) in enumerate(counts)
    ]


def test_bars_scale_to_maximum() -> None:
    chart = usage_chart(days((100, 0, 0), (50, 0, 0)))

    tall, short = (bar.segments[0].height for bar in chart.bars)

    assert short == pytest.approx(tall / 2)


def test_bars_stack_errors() -> None:
    chart = usage_chart(days((10, 3, 2)))

    segments = chart.bars[0].segments

    assert [s.css_class for s in segments] == ["bar-ok", "bar-4xx", "bar-5xx"]
    assert segments[0].height == pytest.approx(segments[2].height * 2.5)


def test_bars_stay_in_plot() -> None:
    chart = usage_chart(days((7_777, 7_777, 0), (1, 0, 1)))

    for bar in chart.bars:
        for segment in bar.segments:
            assert segment.y >= 0
            assert segment.y + segment.height <= HEIGHT


def test_empty_chart() -> None:
    chart = usage_chart(days((0, 0, 0), (0, 0, 0)))

    assert chart.empty is True
    assert all(not bar.segments for bar in chart.bars)


def test_totals() -> None:
    chart = usage_chart(days((10, 3, 2), (5, 1, 0)))

    assert (chart.total_requests, chart.total_4xx, chart.total_5xx) == (15, 4, 2)


def test_date_labels_end_today() -> None:
    chart = usage_chart(days(*[(1, 0, 0)] * 30))

    assert chart.dates[-1].text == "Nov 30"
    assert len(chart.dates) == 6

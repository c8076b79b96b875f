"""Duration options: ``--expires-in 30d``, ``--grace 0``."""

from __future__ import annotations

import pytest
import typer

from trainwave.cli.durations import describe_seconds, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0),
        ("90s", 90),
        ("15m", 900),
        ("12h", 43_200),
        ("30d", 2_592_000),
        ("2w", 1_209_600),
        ("1h30m", 5400),
        (" 1D ", 86_400),
    ],
    ids=["zero", "seconds", "minutes", "hours", "days", "weeks", "combined", "case"],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "30", "3x", "d", "-1h", "1.5h", "1h 30m"],
    ids=["empty", "no-unit", "bad-unit", "no-number", "negative", "fraction", "space"],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(typer.BadParameter) as raised:
        parse_duration(text)

    assert "such as 30d" in str(raised.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (90, "1m 30s"), (86_400 + 7200, "1d 2h")],
    ids=["zero", "minutes", "days"],
)
def test_describe_seconds(seconds: int, text: str) -> None:
    assert describe_seconds(seconds) == text

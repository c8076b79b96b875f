"""Durations on the command line: ``30d``, ``12h``, ``1h30m``, ``90s``, ``2w``."""

from __future__ import annotations

import re

import typer

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
PART = re.compile(r"(\d+)([smhdw])")
WHOLE = re.compile(r"(?:\d+[smhdw])+")


def parse_duration(text: str) -> int:
    """Return ``text`` in seconds; ``0`` alone is allowed and means zero.

    Raises ``typer.BadParameter`` (a usage error, exit code 2) otherwise.
    """
    value = text.strip().lower()
    if value == "0":
        return 0
    if not WHOLE.fullmatch(value):
        raise typer.BadParameter(
            f"invalid duration {text!r}: use a number and a unit, such as 30d, 12h, "
            "1h30m, 15m or 90s"
        )
    return sum(int(number) * UNIT_SECONDS[unit] for number, unit in PART.findall(value))


def describe_seconds(seconds: int) -> str:
    """Return a short human form, such as ``1d 2h`` or ``0s``."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        count, seconds = divmod(seconds, UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)

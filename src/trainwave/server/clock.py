"""The service's clock, in one place so tests can move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)

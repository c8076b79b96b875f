"""Usage reports of one API key, read from the hourly usage rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncDate

from trainwave.server import clock
from trainwave.server.apikeys.models import ApiKey, KeyUsage


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """Requests made with a key on one UTC day, and how many failed."""

    date: date
    requests: int
    errors_4xx: int
    errors_5xx: int


def daily_usage(key: ApiKey, days: int) -> list[DailyUsage]:
    """Return one entry per UTC day for the last ``days`` days, oldest first.

    Days without usage are included with zero counts. Counts reach the
    database when the usage buffer is flushed, every few seconds, so the
    latest moments may be missing from today.
    """
    today = clock.now().astimezone(UTC).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    rows = (
        KeyUsage.objects.filter(key=key, hour__gte=start)
        .annotate(day=TruncDate("hour", tzinfo=UTC))
        .values("day")
        .annotate(
            requests_sum=Sum("requests"),
            errors_4xx_sum=Sum("errors_4xx"),
            errors_5xx_sum=Sum("errors_5xx"),
        )
    )
    by_day: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in rows}
    report = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row: dict[str, Any] = by_day.get(day, {})
        report.append(
            DailyUsage(
                date=day,
                requests=row.get("requests_sum") or 0,
                errors_4xx=row.get("errors_4xx_sum") or 0,
                errors_5xx=row.get("errors_5xx_sum") or 0,
            )
        )
    return report

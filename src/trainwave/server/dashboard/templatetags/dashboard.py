"""Template filters for the dashboard's pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.timesince import timesince

from trainwave.server import clock

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """Format a past time as "just now" or "3 hours ago", against the server clock."""
    if moment is None:
        return ""
    now = clock.now()
    if (now - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, now)} ago"

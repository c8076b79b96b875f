"""Settings → Audit log: the organization's audit events, filtered and paged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from trainwave.server.audit.api import AuditFilters, filter_events
from trainwave.server.audit.models import AuditEvent
from trainwave.server.dashboard.access import dashboard_page, principal_of
from trainwave.server.dashboard.forms import AuditFilterForm
from trainwave.server.dashboard.pages import render_page
from trainwave.server.pagination import paginate

PAGE_SIZE = 50
# Lists in event data, such as a key's permissions, show this many entries.
LIST_ITEMS_SHOWN = 3


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def readable_time(text: str) -> str:
    """Return an ISO 8601 timestamp as ``YYYY-MM-DD HH:MM UTC``; other text as is."""
    if len(text) < 19 or text[10:11] != "T":
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def event_details(event: AuditEvent) -> list[tuple[str, str]]:
    """Return an event's data as name and text pairs, lists joined by commas."""
    details = []
    for name, value in event.data.items():
        if isinstance(value, list):
            text = ", ".join(str(item) for item in value[:LIST_ITEMS_SHOWN])
            if len(value) > LIST_ITEMS_SHOWN:
                text += f" and {len(value) - LIST_ITEMS_SHOWN} more"
        elif value is None or value == "":
            text = "—"
        else:
            text = readable_time(str(value))
        details.append((name.replace("_", " "), text))
    return details


@require_GET
@dashboard_page("audit:read")
def audit_log(request: HttpRequest) -> HttpResponse:
    """List audit events newest first; the date filter covers whole UTC days."""
    principal = principal_of(request)
    form = AuditFilterForm(request.GET)
    events: list[AuditEvent] = []
    next_cursor = None
    if form.is_valid():
        data = form.cleaned_data
        filters = AuditFilters(
            actor=data["actor"].strip() or None,
            action=data["action"] or None,
            since=start_of(data["since"]) if data["since"] else None,
            until=start_of(data["until"]) + timedelta(days=1)
            if data["until"]
            else None,
            cursor=None,
            limit=PAGE_SIZE,
        )
        events, next_cursor = paginate(
            filter_events(principal.organization_id, filters),
            request.GET.get("cursor"),
            PAGE_SIZE,
        )
    for event in events:
        event.details = event_details(event)  # type: ignore[attr-defined]
    kept = {
        name: request.GET[name]
        for name in form.fields
        if request.GET.get(name) and name in request.GET
    }
    return render_page(
        request,
        "dashboard/audit.html",
        {
            "form": form,
            "events": events,
            "filtered": bool(kept),
            "first_page_query": urlencode(kept),
            "next_page_query": urlencode({**kept, "cursor": next_cursor})
            if next_cursor
            else "",
            "is_first_page": not request.GET.get("cursor"),
        },
        section="Audit log",
    )

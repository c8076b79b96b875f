"""Rendering helpers shared by the dashboard's views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trainwave.server.accounts.sessions import memberships_of
from trainwave.server.dashboard.access import pop_flash, principal_of

# Settings sections in the side navigation: (name, URL name, permission).
SECTIONS = [
    ("API keys", "dashboard:keys", "api_keys:read"),
    ("Members", "dashboard:members", "members:read"),
    ("Audit log", "dashboard:audit", "audit:read"),
    ("Single sign-on", "dashboard:sso", "sso:read"),
]


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render a signed-in page with the layout's header and navigation."""
    principal = principal_of(request)
    sections = [
        {"name": name, "url_name": url_name, "current": name == section}
        for name, url_name, permission in SECTIONS
        if principal.has(permission)
    ]
    layout = {
        "principal": principal,
        "memberships": memberships_of(principal.user_id),
        "sections": sections,
        "section": section,
        "flash": pop_flash(request),
    }
    return render(request, template, {**layout, **context}, status=status)

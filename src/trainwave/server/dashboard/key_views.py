"""Settings → API keys: the list, a key's page, generate, revoke and rotate.

A new key's secret is shown once. The form post stores it in the session and
redirects. The page it redirects to removes it from the session as it
renders, and is sent with ``Cache-Control: no-store``, so reloading that page
or coming back to it finds nothing left to show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from trainwave.server import clock
from trainwave.server.apikeys import services
from trainwave.server.apikeys.models import ApiKey
from trainwave.server.apikeys.reports import daily_usage
from trainwave.server.apikeys.verify import EXPIRY_NOTICE
from trainwave.server.audit.events import record_event
from trainwave.server.dashboard.access import dashboard_page, flash, principal_of
from trainwave.server.dashboard.charts import usage_chart
from trainwave.server.dashboard.forms import (
    KeyCreateForm,
    RevokeForm,
    RotateForm,
    show_service_error,
)
from trainwave.server.dashboard.pages import render_page
from trainwave.server.errors import ValidationFailed
from trainwave.server.pagination import paginate

# Session entry holding a new key until its page first renders.
NEW_SECRET = "trainwave.dashboard.new_secret"  # noqa: S105 - a name, not a secret
PAGE_SIZE = 25
USAGE_DAYS = 30
STATUS_FILTERS = ("active", "revoked", "all")
SECTION = "API keys"
# The list shows this many permissions per key and counts the rest.
PERMISSIONS_SHOWN = 2


def stash_secret(request: HttpRequest, key_id: str, secret: str) -> None:
    request.session[NEW_SECRET] = {"key_id": key_id, "secret": secret}


def take_secret(request: HttpRequest, key_id: str) -> str | None:
    """Return the stashed secret of ``key_id`` once, removing it from the session."""
    stashed = request.session.get(NEW_SECRET)
    if not stashed or stashed.get("key_id") != key_id:
        return None
    del request.session[NEW_SECRET]
    return str(stashed["secret"])


def key_view(key: ApiKey, now: datetime) -> dict[str, Any]:
    """Return what the templates show of a key, next to the key itself."""
    status = key.status_at(now)
    expires_soon = (
        status in ("active", "grace")
        and key.expires_at is not None
        and key.expires_at - now <= EXPIRY_NOTICE
    )
    return {
        "key": key,
        "status": status,
        "usable": status in ("active", "grace"),
        "rotatable": status == "active" and key.replaced_by_id is None,
        "expires_soon": expires_soon,
        "permissions_shown": key.permissions[:PERMISSIONS_SHOWN],
        "permissions_hidden": key.permissions[PERMISSIONS_SHOWN:],
    }


@require_GET
@dashboard_page("api_keys:read")
def key_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    status_filter = request.GET.get("status", "active")
    if status_filter not in STATUS_FILTERS:
        status_filter = "active"
    keys = services.visible_keys(principal).select_related("owner", "created_by")
    if status_filter == "active":
        keys = keys.filter(revoked_at__isnull=True)
    elif status_filter == "revoked":
        keys = keys.filter(revoked_at__isnull=False)
    rows, next_cursor = paginate(keys, request.GET.get("cursor"), PAGE_SIZE)
    now = clock.now()
    return render_page(
        request,
        "dashboard/keys/list.html",
        {
            "rows": [key_view(key, now) for key in rows],
            "status_filter": status_filter,
            "filters": STATUS_FILTERS,
            "next_cursor": next_cursor,
            "is_first_page": not request.GET.get("cursor"),
            "can_write": principal.has("api_keys:write"),
            "shows_owner": principal.has("api_keys:admin"),
        },
        section=SECTION,
    )


@require_http_methods(["GET", "POST"])
@dashboard_page("api_keys:write")
def key_new(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = KeyCreateForm(principal, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            key, secret = services.issue_key(
                principal,
                name=form.cleaned_data["name"],
                permissions=form.cleaned_data["permissions"],
                environment=form.cleaned_data["environment"],
                expires_in_days=form.expires_in_days(),
            )
        except ValidationFailed as error:
            show_service_error(form, error)
        else:
            record_event(
                request,
                "api_key.created",
                target_type="api_key",
                target_id=key.id,
                name=key.name,
                hint=key.hint,
                permissions=key.permissions,
            )
            stash_secret(request, key.id, secret)
            return HttpResponseRedirect(reverse("dashboard:key_created", args=[key.id]))
    return render_page(
        request, "dashboard/keys/new.html", {"form": form}, section=SECTION
    )


@require_GET
@dashboard_page("api_keys:read")
def key_created(request: HttpRequest, key_id: str) -> HttpResponse:
    """Show a new key's secret, the first time only."""
    key = services.get_key(principal_of(request), key_id)
    secret = take_secret(request, key.id)
    response = render_page(
        request,
        "dashboard/keys/created.html",
        {"key": key, "secret": secret},
        section=SECTION,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@dashboard_page("api_keys:read")
def key_detail(request: HttpRequest, key_id: str) -> HttpResponse:
    principal = principal_of(request)
    key = services.get_key(principal, key_id)
    now = clock.now()
    return render_page(
        request,
        "dashboard/keys/detail.html",
        {
            **key_view(key, now),
            "chart": usage_chart(daily_usage(key, USAGE_DAYS)),
            "usage_days": USAGE_DAYS,
            "can_write": principal.has("api_keys:write"),
        },
        section=SECTION,
    )


@require_http_methods(["GET", "POST"])
@dashboard_page("api_keys:write")
def key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    """Ask for confirmation, then revoke the key for every server at once."""
    principal = principal_of(request)
    key = services.get_key(principal, key_id)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        services.revoke_key(principal, key.id, reason)
        record_event(
            request,
            "api_key.revoked",
            target_type="api_key",
            target_id=key.id,
            reason=reason,
        )
        flash(request, f"Revoked {key.name} ({key.hint}). It stopped working now.")
        return HttpResponseRedirect(reverse("dashboard:key_detail", args=[key.id]))
    return render_page(
        request,
        "dashboard/keys/revoke.html",
        {**key_view(key, clock.now()), "form": form},
        section=SECTION,
    )


def rotation_notice(old: ApiKey) -> str:
    ends = old.grace_ends_at
    if ends is None or ends <= clock.now():
        return f"Rotated {old.name}. The old key ({old.hint}) has stopped working."
    return (
        f"Rotated {old.name}. The old key ({old.hint}) keeps working until "
        f"{ends:%Y-%m-%d %H:%M} UTC."
    )


@require_http_methods(["GET", "POST"])
@dashboard_page("api_keys:write")
def key_rotate(request: HttpRequest, key_id: str) -> HttpResponse:
    """Ask for a grace period, then replace the key with a new one."""
    principal = principal_of(request)
    key = services.get_key(principal, key_id)
    form = RotateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        old, new, secret = services.rotate_key(
            principal, key.id, form.cleaned_data["grace_seconds"]
        )
        record_event(
            request,
            "api_key.rotated",
            target_type="api_key",
            target_id=old.id,
            replacement_id=new.id,
            grace_ends_at=old.grace_ends_at.isoformat() if old.grace_ends_at else None,
        )
        stash_secret(request, new.id, secret)
        flash(request, rotation_notice(old), "info")
        return HttpResponseRedirect(reverse("dashboard:key_created", args=[new.id]))
    return render_page(
        request,
        "dashboard/keys/rotate.html",
        {**key_view(key, clock.now()), "form": form},
        section=SECTION,
    )

"""The API keys endpoints: ``/api/v1/auth/keys/``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from trainwave.server import clock
from trainwave.server.apikeys import schemas, services
from trainwave.server.apikeys.models import ApiKey
from trainwave.server.apikeys.reports import daily_usage
from trainwave.server.apikeys.verify import EXPIRY_NOTICE
from trainwave.server.audit.events import record_event
from trainwave.server.auth import require
from trainwave.server.envelope import Envelope, Page, ok, page, responses
from trainwave.server.pagination import paginate

keys_router = Router(tags=["api keys"])

DEFAULT_GRACE_SECONDS = 86_400


def person(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email}


def key_out(key: ApiKey, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    return {
        "id": key.id,
        "name": key.name,
        "environment": key.environment,
        "hint": key.hint,
        "status": key.status_at(now),
        "permissions": key.permissions,
        "owner": person(key.owner),
        "created_by": person(key.created_by),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "expires_soon": key.expires_at is not None
        and key.expires_at - now <= EXPIRY_NOTICE,
        "grace_ends_at": key.grace_ends_at,
        "replaced_by": key.replaced_by_id,
        "last_used_at": key.last_used_at,
        "last_used_ip": key.last_used_ip,
        "last_used_user_agent": key.last_used_user_agent,
        "revoked_at": key.revoked_at,
        "revoked_by": person(key.revoked_by),
        "revoked_reason": key.revoked_reason,
        "allowed_networks": key.allowed_networks,
        "rate_limit_per_minute": key.rate_limit_per_minute,
    }


def created_out(key: ApiKey, secret: str) -> dict[str, Any]:
    return {**key_out(key), "secret": secret}


@keys_router.post(
    "",
    response=responses({201: Envelope[schemas.KeyCreatedOut]}, 404),
    summary="Create an API key",
)
def create_key(
    request: HttpRequest, payload: schemas.KeyCreateIn
) -> Status[dict[str, Any]]:
    """Create a key. The response holds the full key in ``secret``: it is
    shown this once and can never be read again."""
    principal = require(request, "api_keys:write")
    key, secret = services.issue_key(principal, **payload.model_dump())
    record_event(
        request,
        "api_key.created",
        target_type="api_key",
        target_id=key.id,
        name=key.name,
        hint=key.hint,
        permissions=key.permissions,
    )
    return Status(201, ok(created_out(key, secret)))


@keys_router.get(
    "", response=responses({200: Page[schemas.KeyOut]}), summary="List API keys"
)
def list_keys(
    request: HttpRequest, filters: Query[schemas.KeyFilters]
) -> dict[str, Any]:
    """List your keys (every key of the organization with ``api_keys:admin``)."""
    principal = require(request, "api_keys:read")
    keys = services.visible_keys(principal).select_related(
        "owner", "created_by", "revoked_by"
    )
    if filters.status == "active":
        keys = keys.filter(revoked_at__isnull=True)
    elif filters.status == "revoked":
        keys = keys.filter(revoked_at__isnull=False)
    rows, next_cursor = paginate(keys, filters.cursor, filters.limit)
    now = clock.now()
    return page([key_out(key, now) for key in rows], next_cursor)


@keys_router.get(
    "{key_id}/",
    response=responses({200: Envelope[schemas.KeyOut]}, 404),
    summary="Get an API key",
)
def get_key(request: HttpRequest, key_id: str) -> dict[str, Any]:
    principal = require(request, "api_keys:read")
    return ok(key_out(services.get_key(principal, key_id)))


@keys_router.patch(
    "{key_id}/",
    response=responses({200: Envelope[schemas.KeyOut]}, 404, 409),
    summary="Rename a key, or change its allowed networks or rate limit",
)
def update_key(
    request: HttpRequest, key_id: str, payload: schemas.KeyUpdateIn
) -> dict[str, Any]:
    principal = require(request, "api_keys:write")
    changes = payload.model_dump(exclude_unset=True)
    key = services.update_key(principal, key_id, changes)
    record_event(
        request,
        "api_key.updated",
        target_type="api_key",
        target_id=key.id,
        fields=sorted(changes),
    )
    return ok(key_out(key))


@keys_router.post(
    "{key_id}/revoke/",
    response=responses({200: Envelope[schemas.KeyOut]}, 404, 409),
    summary="Revoke an API key",
)
def revoke_key(
    request: HttpRequest, key_id: str, payload: schemas.KeyRevokeIn | None = None
) -> dict[str, Any]:
    """Revoke a key. Every server process rejects it from the next request on."""
    principal = require(request, "api_keys:write")
    reason = payload.reason if payload else ""
    key = services.revoke_key(principal, key_id, reason)
    record_event(
        request,
        "api_key.revoked",
        target_type="api_key",
        target_id=key.id,
        reason=reason,
    )
    return ok(key_out(key))


@keys_router.post(
    "{key_id}/rotate/",
    response=responses({201: Envelope[schemas.KeyCreatedOut]}, 404, 409),
    summary="Rotate an API key",
)
def rotate_key(
    request: HttpRequest, key_id: str, payload: schemas.KeyRotateIn | None = None
) -> Status[dict[str, Any]]:
    """Issue a replacement key with the same settings. The old key keeps
    working for ``grace_seconds`` (default 24 hours), never past its expiry."""
    principal = require(request, "api_keys:write")
    grace = payload.grace_seconds if payload else DEFAULT_GRACE_SECONDS
    old, new, secret = services.rotate_key(principal, key_id, grace)
    record_event(
        request,
        "api_key.rotated",
        target_type="api_key",
        target_id=old.id,
        replacement_id=new.id,
        grace_ends_at=old.grace_ends_at.isoformat() if old.grace_ends_at else None,
    )
    return Status(201, ok(created_out(new, secret)))


class UsageQuery(schemas.Schema):
    days: int = Field(30, ge=1, le=366)


@keys_router.get(
    "{key_id}/usage/",
    response=responses({200: Envelope[schemas.KeyUsageOut]}, 404),
    summary="Show an API key's usage",
)
def key_usage(
    request: HttpRequest, key_id: str, query: Query[UsageQuery]
) -> dict[str, Any]:
    """Requests per UTC day, and errors by status class, over the last ``days``.

    Counts reach the database every few seconds, so the last moments may be
    missing from the current day.
    """
    principal = require(request, "api_keys:read")
    key = services.get_key(principal, key_id)
    daily = [asdict(day) for day in daily_usage(key, query.days)]
    return ok(
        {
            "key_id": key.id,
            "days": query.days,
            "total_requests": sum(d["requests"] for d in daily),
            "daily": daily,
            "last_used_at": key.last_used_at,
            "last_used_ip": key.last_used_ip,
            "last_used_user_agent": key.last_used_user_agent,
        }
    )

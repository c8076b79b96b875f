"""API key use cases: issue, update, revoke, rotate, and who may see what.

Visibility: with ``api_keys:admin`` a caller sees every key of the
organization; otherwise only keys they own. Keys of other organizations, and
keys the caller may not see, are a 404 exactly like keys that do not exist.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from trainwave.server import clock
from trainwave.server.accounts.models import Organization
from trainwave.server.accounts.roles import unknown_permissions
from trainwave.server.apikeys import tokens
from trainwave.server.apikeys.models import ApiKey
from trainwave.server.auth import Principal
from trainwave.server.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, details=[{"field": field, "message": message, "type": "value"}]
    )


def visible_keys(principal: Principal) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.filter(organization_id=principal.organization_id)
    if principal.has("api_keys:admin"):
        return keys
    return keys.filter(owner_id=principal.user_id)


def get_key(principal: Principal, key_id: str) -> ApiKey:
    key = (
        visible_keys(principal)
        .select_related("owner", "created_by", "revoked_by")
        .filter(id=key_id)
        .first()
    )
    if key is None:
        raise NotFound("API key not found.")
    return key


def check_grantable(principal: Principal, permissions: list[str]) -> None:
    """Refuse permissions that do not exist or that the caller lacks.

    A key can never carry more than its creator has right now, so a key with
    ``api_keys:write`` cannot mint a broader one.
    """
    unknown = unknown_permissions(permissions)
    if unknown:
        raise field_error("permissions", f"Unknown permissions: {', '.join(unknown)}.")
    missing = sorted(set(permissions) - principal.permissions)
    if missing:
        raise PermissionDenied(
            missing[0],
            f"You cannot grant permissions you do not hold: {', '.join(missing)}.",
        )


def resolve_expiry(
    organization: Organization,
    now: datetime,
    expires_at: datetime | None,
    expires_in_days: int | None,
) -> datetime | None:
    """Apply the organization's key policy to the requested expiry."""
    if expires_at is not None and expires_in_days is not None:
        raise field_error("expires_at", "Give expires_at or expires_in_days, not both.")
    if expires_in_days is not None:
        expires_at = now + timedelta(days=expires_in_days)
    if expires_at is not None and expires_at.tzinfo is None:
        raise field_error(
            "expires_at", "expires_at needs a time zone, for example 'Z'."
        )
    if expires_at is not None and expires_at <= now:
        raise field_error("expires_at", "expires_at must be in the future.")
    if expires_at is None and organization.default_key_lifetime_days:
        expires_at = now + timedelta(days=organization.default_key_lifetime_days)
    maximum = organization.max_key_lifetime_days
    if maximum:
        latest = now + timedelta(days=maximum)
        if expires_at is None:
            expires_at = latest
        elif expires_at > latest:
            raise field_error(
                "expires_at",
                f"Your organization allows keys to live at most {maximum} days.",
            )
    return expires_at


def issue_key(
    principal: Principal,
    *,
    name: str,
    permissions: list[str] | None,
    environment: str,
    expires_at: datetime | None = None,
    expires_in_days: int | None = None,
    allowed_networks: list[str] | None = None,
    rate_limit_per_minute: int | None = None,
    owner_id: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key owned by the caller; return it and its secret (shown once).

    A key created with another key inherits that key's limits: see
    ``inherit_key_limits``.
    """
    granted = sorted(principal.permissions if permissions is None else set(permissions))
    check_grantable(principal, granted)
    check_rate_limit_override(principal, rate_limit_per_minute)
    organization = Organization.objects.get(id=principal.organization_id)
    now = clock.now()
    expires_at = resolve_expiry(organization, now, expires_at, expires_in_days)
    expires_at, allowed_networks, rate_limit_per_minute = inherit_key_limits(
        principal, environment, expires_at, allowed_networks, rate_limit_per_minute
    )
    new = tokens.generate_key(environment)
    key = ApiKey.objects.create(
        digest=new.digest,
        hint=new.hint,
        name=name.strip(),
        environment=environment,
        organization=organization,
        owner_id=owner_id or principal.user_id,
        created_by_id=principal.user_id,
        created_by_key_id=principal.key_id,
        permissions=granted,
        created_at=now,
        expires_at=expires_at,
        allowed_networks=allowed_networks or [],
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return key, new.secret


NETWORKS_TOO_WIDE = (
    "Allowed networks must lie inside those of the key making the request."
)
LIMIT_TOO_HIGH = "A key cannot allow more requests than the key making the request."


def is_within(networks: list[str], outer: tuple[str, ...]) -> bool:
    """Return whether every network in ``networks`` lies inside one of ``outer``."""
    parents = [ipaddress.ip_network(network, strict=False) for network in outer]
    for network in networks:
        child = ipaddress.ip_network(network, strict=False)
        if not any(
            child.version == parent.version and child.subnet_of(parent)  # type: ignore[arg-type]
            for parent in parents
        ):
            return False
    return True


def inherit_key_limits(
    principal: Principal,
    environment: str,
    expires_at: datetime | None,
    allowed_networks: list[str] | None,
    rate_limit: int | None,
) -> tuple[datetime | None, list[str] | None, int | None]:
    """Keep a key from creating a key with looser limits than its own.

    Keys made in a session are unaffected. A key making a key passes on its
    environment, expiry, allowed networks and rate limit: the new key may
    narrow them, and asking for more is a 400. Omitted values are inherited.
    """
    if principal.key_id is None:
        return expires_at, allowed_networks, rate_limit
    parent_environment = principal.extra.get("key_environment")
    if parent_environment and environment != parent_environment:
        raise field_error(
            "environment",
            f"A {parent_environment} key can only create {parent_environment} keys.",
        )
    parent_expiry = principal.key_expires_at
    if parent_expiry is not None:
        if expires_at is None:
            expires_at = parent_expiry
        elif expires_at > parent_expiry:
            raise field_error(
                "expires_at", "A key cannot outlive the key that creates it."
            )
    parent_networks = tuple(principal.extra.get("key_allowed_networks") or ())
    if parent_networks:
        if not allowed_networks:
            allowed_networks = list(parent_networks)
        elif not is_within(allowed_networks, parent_networks):
            raise field_error("allowed_networks", NETWORKS_TOO_WIDE)
    parent_limit = principal.extra.get("key_rate_limit")
    if parent_limit is not None:
        if rate_limit is None:
            rate_limit = parent_limit
        elif rate_limit > parent_limit:
            raise field_error("rate_limit_per_minute", LIMIT_TOO_HIGH)
    return expires_at, allowed_networks, rate_limit


def check_rate_limit_override(principal: Principal, rate_limit: int | None) -> None:
    """Only ``org:admin`` may set a key's limit above the organization's."""
    if rate_limit is None or principal.has("org:admin"):
        return
    organization = Organization.objects.filter(id=principal.organization_id).first()
    ceiling = organization.key_rate_limit if organization else None
    if ceiling is not None and rate_limit > ceiling:
        raise PermissionDenied(
            "org:admin",
            f"Only an owner can set a key's rate limit above the organization's "
            f"{ceiling} requests per minute.",
        )


def check_update_within_caller(principal: Principal, changes: dict[str, Any]) -> None:
    """Raise unless ``changes`` keep a key as tight as the key making them.

    The same rule as ``inherit_key_limits``: a caller key with allowed
    networks or a rate limit cannot clear or widen them on any key.
    """
    check_rate_limit_override(principal, changes.get("rate_limit_per_minute"))
    caller_networks = tuple(principal.extra.get("key_allowed_networks") or ())
    if "allowed_networks" in changes and caller_networks:
        requested = changes["allowed_networks"] or []
        if not requested or not is_within(requested, caller_networks):
            raise field_error("allowed_networks", NETWORKS_TOO_WIDE)
    caller_limit = principal.extra.get("key_rate_limit")
    if "rate_limit_per_minute" in changes and caller_limit is not None:
        requested_limit = changes["rate_limit_per_minute"]
        if requested_limit is None or requested_limit > caller_limit:
            raise field_error("rate_limit_per_minute", LIMIT_TOO_HIGH)


def update_key(principal: Principal, key_id: str, changes: dict[str, Any]) -> ApiKey:
    key = get_key(principal, key_id)
    check_update_within_caller(principal, changes)
    if key.revoked_at is not None:
        raise Conflict("This API key is revoked and can no longer be changed.")
    fields = []
    for name in ("name", "allowed_networks"):
        if changes.get(name) is not None:
            setattr(
                key, name, changes[name].strip() if name == "name" else changes[name]
            )
            fields.append(name)
    # An explicit null removes the override, so the key falls back to its
    # organization's limit or the server default.
    if "rate_limit_per_minute" in changes:
        key.rate_limit_per_minute = changes["rate_limit_per_minute"]
        fields.append("rate_limit_per_minute")
    if fields:
        key.save(update_fields=fields)
    return key


def revoke_key(principal: Principal, key_id: str, reason: str = "") -> ApiKey:
    """Revoke a key at once, everywhere; revoking twice is a 409."""
    with transaction.atomic():
        key = get_key(principal, key_id)
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise Conflict("This API key is already revoked.")
        key.revoked_at = clock.now()
        key.revoked_by_id = principal.user_id
        key.revoked_reason = reason.strip()
        key.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    return key


def rotate_key(
    principal: Principal, key_id: str, grace_seconds: int
) -> tuple[ApiKey, ApiKey, str]:
    """Replace a key with a new one with the same settings.

    The old key keeps working for ``grace_seconds`` (never past its own
    expiry), then stops; 0 stops it at once. Rotating a revoked key, or one
    already rotated, is a 409. Returns the old key, the new key and its secret.
    """
    now = clock.now()
    with transaction.atomic():
        old = get_key(principal, key_id)
        locked = ApiKey.objects.select_for_update().get(pk=old.pk)
        if locked.revoked_at is not None:
            raise Conflict("This API key is revoked: create a new key instead.")
        if locked.replaced_by_id is not None:
            raise Conflict("This API key was already rotated: rotate its replacement.")
        if old.status_at(now) == "expired":
            raise Conflict("This API key has expired: create a new key instead.")
        new = tokens.generate_key(old.environment)
        lifetime = old.expires_at - old.created_at if old.expires_at else None
        replacement = ApiKey.objects.create(
            digest=new.digest,
            hint=new.hint,
            name=old.name,
            environment=old.environment,
            organization_id=old.organization_id,
            owner_id=old.owner_id,
            created_by_id=principal.user_id,
            created_by_key_id=principal.key_id,
            permissions=old.permissions,
            created_at=now,
            expires_at=now + lifetime if lifetime else None,
            allowed_networks=old.allowed_networks,
            rate_limit_per_minute=old.rate_limit_per_minute,
        )
        grace_ends = now + timedelta(seconds=grace_seconds)
        if old.expires_at is not None:
            grace_ends = min(grace_ends, old.expires_at)
        old.grace_ends_at = grace_ends
        old.replaced_by = replacement
        old.save(update_fields=["grace_ends_at", "replaced_by"])
    return old, replacement, new.secret

"""Recording audit events; the only writer of AuditEvent rows.

Actions use ``resource.verb`` names, listed in :data:`ACTIONS` and in
docs/api.md. Event data never holds a secret: callers pass key IDs and hints,
never keys, passwords or tokens.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from trainwave.server.audit.models import AuditEvent

logger = logging.getLogger("trainwave.audit")

ACTIONS = frozenset(
    {
        "user.signup",
        "user.login",
        "user.login_failed",
        "user.logout",
        "user.password_changed",
        "member.role_changed",
        "member.added",
        "member.removed",
        "organization.updated",
        "api_key.created",
        "api_key.updated",
        "api_key.rotated",
        "api_key.revoked",
        "api_key.expired_used",
        "api_key.revoked_used",
        "job.created",
        "job.cancelled",
        "sso.connection_created",
        "sso.connection_updated",
        "sso.connection_deleted",
        "sso.login",
        "sso.login_failed",
        "sso.member_provisioned",
        "sso.member_deprovisioned",
    }
)


def record_event(
    request: HttpRequest | None,
    action: str,
    *,
    organization_id: str | None = None,
    actor_user_id: str | None = None,
    actor_email: str = "",
    actor_key_id: str | None = None,
    target_type: str = "",
    target_id: str = "",
    outcome: str = "success",
    **data: Any,
) -> AuditEvent:
    """Insert one audit event; actor and request details default to the request's."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    principal = getattr(request, "principal", None)
    if principal is not None:
        actor_user_id = actor_user_id or principal.user_id
        actor_email = actor_email or principal.email
        actor_key_id = actor_key_id or principal.key_id
        organization_id = organization_id or principal.organization_id
    event = AuditEvent(
        action=action,
        outcome=outcome,
        organization_id=organization_id,
        actor_user_id=actor_user_id,
        actor_email=actor_email[:254],
        actor_key_id=actor_key_id,
        target_type=target_type,
        target_id=target_id,
        ip=getattr(request, "client_ip", None) if request is not None else None,
        user_agent=(
            request.headers.get("User-Agent", "") if request is not None else ""
        )[:512],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        data=data,
    )
    event.save()
    logger.info(
        "audit %s",
        action,
        extra={
            "event": action,
            "outcome": outcome,
            "actor_id": actor_user_id,
            "key_id": actor_key_id,
            "organization_id": organization_id,
            "target_id": target_id,
            "ip": event.ip,
            "request_id": event.request_id,
        },
    )
    return event


def record_account_event(request: HttpRequest | None, action: str, user: Any) -> None:
    """Record an event about a person's own account in each of their
    organizations, so every organization's audit log shows its members'
    sign-ins and password changes."""
    from trainwave.server.accounts.models import Membership

    memberships = Membership.objects.filter(user_id=user.pk)
    organization_ids: list[str | None] = list(
        memberships.values_list("organization_id", flat=True)
    )
    for organization_id in organization_ids or [None]:
        record_event(
            request,
            action,
            organization_id=organization_id,
            actor_user_id=user.pk,
            actor_email=user.email,
        )

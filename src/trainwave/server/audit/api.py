"""Audit events of the current organization: ``/api/v1/audit-events/``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from trainwave.server.audit.models import AuditEvent
from trainwave.server.auth import require
from trainwave.server.envelope import IsoDatetime, Page, page, responses
from trainwave.server.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate

audit_router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: str
    created_at: datetime
    action: str
    outcome: str
    actor_user_id: str | None
    actor_email: str
    actor_key_id: str | None
    target_type: str
    target_id: str
    ip: str | None
    user_agent: str
    request_id: str
    data: dict[str, Any]


class AuditFilters(Schema):
    action: str | None = Field(None, max_length=64)
    actor: str | None = Field(None, max_length=254, description="User ID or email.")
    since: IsoDatetime | None = None
    until: IsoDatetime | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def filter_events(organization_id: str | None, filters: AuditFilters) -> Any:
    queryset = AuditEvent.objects.filter(organization_id=organization_id)
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.actor:
        if "@" in filters.actor:
            queryset = queryset.filter(actor_email__iexact=filters.actor)
        else:
            queryset = queryset.filter(actor_user_id=filters.actor)
    if filters.since:
        queryset = queryset.filter(created_at__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(created_at__lt=filters.until)
    return queryset


@audit_router.get(
    "", response=responses({200: Page[AuditEventOut]}), summary="List audit events"
)
def list_events(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    """List the organization's audit events, newest first; needs ``audit:read``."""
    principal = require(request, "audit:read")
    events, next_cursor = paginate(
        filter_events(principal.organization_id, filters), filters.cursor, filters.limit
    )
    return page([AuditEventOut.from_orm(e).model_dump() for e in events], next_cursor)

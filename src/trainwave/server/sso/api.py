"""SSO routes of the JSON API: connections (``/api/v1/sso/connections/``) and
email routing (``/auth/v1/sso/discover/``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from trainwave.server.accounts.models import normalize_email
from trainwave.server.audit.events import record_event
from trainwave.server.auth import require
from trainwave.server.envelope import Envelope, ok, responses
from trainwave.server.sso import schemas
from trainwave.server.sso.connections import (
    connection_for_email,
    connection_out,
    create_connection,
    get_connection,
    start_url,
    update_connection,
)
from trainwave.server.sso.models import SsoConnection

connections_router = Router(tags=["sso"])
discover_router = Router(tags=["sso"])


@connections_router.get(
    "", response=responses({200: Envelope[list[schemas.ConnectionOut]]})
)
def list_connections(request: HttpRequest) -> dict[str, Any]:
    """List the organization's SSO connections; secrets are never included."""
    principal = require(request, "sso:read")
    connections = SsoConnection.objects.filter(
        organization_id=principal.organization_id
    ).order_by("created_at", "id")
    return ok([connection_out(c) for c in connections.prefetch_related("domains")])


@connections_router.post(
    "", response=responses({201: Envelope[schemas.ConnectionOut]}, 409)
)
def create(
    request: HttpRequest, payload: schemas.ConnectionIn
) -> Status[dict[str, Any]]:
    """Create an SSO connection. Needs ``org:admin`` (owners only)."""
    principal = require(request, "org:admin")
    connection = create_connection(str(principal.organization_id), payload)
    record_event(
        request,
        "sso.connection_created",
        target_type="sso_connection",
        target_id=connection.id,
        protocol=connection.protocol,
    )
    return Status(201, ok(connection_out(connection)))


@connections_router.get(
    "{connection_id}/", response=responses({200: Envelope[schemas.ConnectionOut]}, 404)
)
def read(request: HttpRequest, connection_id: str) -> dict[str, Any]:
    principal = require(request, "sso:read")
    return ok(connection_out(get_connection(principal.organization_id, connection_id)))


@connections_router.patch(
    "{connection_id}/",
    response=responses({200: Envelope[schemas.ConnectionOut]}, 404, 409),
)
def update(
    request: HttpRequest, connection_id: str, payload: schemas.ConnectionPatch
) -> dict[str, Any]:
    """Change a connection. A secret sent as an empty string is removed."""
    principal = require(request, "org:admin")
    connection = get_connection(principal.organization_id, connection_id)
    update_connection(connection, payload)
    record_event(
        request,
        "sso.connection_updated",
        target_type="sso_connection",
        target_id=connection.id,
        fields=sorted(payload.model_dump(exclude_unset=True)),
    )
    return ok(connection_out(connection))


@connections_router.delete("{connection_id}/", response=responses({204: None}, 404))
def delete(request: HttpRequest, connection_id: str) -> HttpResponse:
    principal = require(request, "org:admin")
    connection = get_connection(principal.organization_id, connection_id)
    connection.delete()
    record_event(
        request,
        "sso.connection_deleted",
        target_type="sso_connection",
        target_id=connection_id,
    )
    return HttpResponse(status=204)


@discover_router.post(
    "discover/",
    auth=None,
    response=responses({200: Envelope[schemas.DiscoverOut]}, auth=False),
    summary="Find the SSO connection for an email",
)
def discover(request: HttpRequest, payload: schemas.DiscoverIn) -> dict[str, Any]:
    """Return the connection that covers the email's domain and where to start.

    Changes nothing, so it needs no CSRF token.
    """
    connection = connection_for_email(normalize_email(payload.email))
    if connection is None:
        return ok({"sso": False})
    return ok(
        {
            "sso": True,
            "connection_id": connection.id,
            "protocol": connection.protocol,
            "organization_name": connection.organization.name,
            "start_url": start_url(connection),
            "require_sso": connection.require_sso,
        }
    )

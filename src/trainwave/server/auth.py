"""The one authentication contract, shared by every scheme.

An authenticator is a callable that takes the request and

* returns ``None`` when its credential is absent, so the next one is tried;
* raises an :class:`~trainwave.server.errors.ApiError` with status 401 when the
  credential is present but bad (a present, invalid API key is rejected even
  if a valid session cookie is also sent);
* otherwise returns a :class:`Principal`.

Schemes are tried in the order of :data:`SCHEMES` (API key, then session).
When none applies the request is rejected with ``authentication_required``.
Permission checks happen afterwards, through :func:`require`, which raises
``insufficient_permissions`` naming the missing permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader

from trainwave.server.errors import PermissionDenied

API_KEY_HEADER = "X-API-KEY"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: the user, the organization and the permissions.

    Holds only identifiers and plain values, so it can be cached and never
    carries a secret.
    """

    method: str
    user_id: str
    email: str
    organization_id: str | None
    organization_slug: str | None
    role: str | None
    permissions: frozenset[str]
    key_id: str | None = None
    key_name: str | None = None
    key_expires_at: datetime | None = None
    key_grace_ends_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def has(self, permission: str) -> bool:
        return permission in self.permissions


def require(request: HttpRequest, permission: str) -> Principal:
    """Return the request's principal; raise PermissionDenied without ``permission``."""
    principal: Principal = request.principal  # type: ignore[attr-defined]
    if permission not in principal.permissions:
        raise PermissionDenied(permission)
    return principal


def principal_of(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined]


class ApiKeyScheme(APIKeyHeader):
    """``X-API-KEY: tw_live_...``; requests made with a key need no CSRF token."""

    param_name = API_KEY_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if key is None:
            return None
        from trainwave.server.apikeys.verify import authenticate_api_key

        principal = authenticate_api_key(request, key)
        request.principal = principal  # type: ignore[attr-defined]
        return principal


class SessionScheme(APIKeyCookie):
    """The ``session`` cookie set by ``POST /auth/v1/login/``.

    Every unsafe method also needs the ``X-CSRFToken`` header. The session
    authenticator checks it rather than ninja, so that a failure uses the
    ``csrf_token_missing`` code.
    """

    param_name = "session"

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if not key:
            return None
        from trainwave.server.accounts.sessions import authenticate_session

        principal = authenticate_session(request)
        if principal is not None:
            request.principal = principal  # type: ignore[attr-defined]
        return principal


SCHEMES = [ApiKeyScheme(), SessionScheme()]

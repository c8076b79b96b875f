"""Exceptions of the SDK, one per error class of the API.

Every API error carries the envelope's ``code``, ``message`` and
``request_id`` and the HTTP ``status``. Messages come from the server, which
never echoes a credential, and the SDK adds nothing secret to them.
"""

from __future__ import annotations

from typing import Any


class TrainwaveError(Exception):
    """Base class of every error the SDK raises."""


class MissingCredentials(TrainwaveError):
    """No API key or session was found in any of the places the SDK looks."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "No API key found: pass api_key=..., set TRAINWAVE_API_KEY (in the "
            "environment or a .env file), or run: wave auth login"
        )


class ConfigError(TrainwaveError):
    """The stored CLI configuration is unreadable or unsafe."""


class APIConnectionError(TrainwaveError):
    """The server could not be reached, or the connection broke or timed out."""


class APIError(TrainwaveError):
    """An error response of the API, in the ``{"success": false}`` envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        details: Any = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.request_id:
            text += f" (request {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"request_id={self.request_id!r})"
        )


class AuthenticationError(APIError):
    """401: no credentials, wrong password, or an expired session."""


class InvalidAPIKey(AuthenticationError):
    """401 ``invalid_api_key``: the key is malformed, unknown, revoked or expired."""


class PermissionDenied(APIError):
    """403: the credential is valid but may not do this.

    ``permission`` names the missing permission on ``insufficient_permissions``.
    """

    def __init__(self, *args: Any, permission: str | None = None, **kw: Any) -> None:
        self.permission = permission
        super().__init__(*args, **kw)


class NotFound(APIError):
    """404: the object does not exist or the caller may not see it."""


class Conflict(APIError):
    """409: the request conflicts with the object's state, such as a revoked key."""


class ValidationError(APIError):
    """400 or 422: the request was invalid; ``details`` lists the fields."""


class RateLimitExceeded(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kw)


class ServerError(APIError):
    """5xx: the server failed; quote the request ID when you report it."""


class ServiceUnavailable(ServerError):
    """503: a backing service of the server is down; retry shortly."""


def error_class_for(status: int, code: str) -> type[APIError]:
    """Return the exception class for an error response."""
    if code == "invalid_api_key":
        return InvalidAPIKey
    by_status: dict[int, type[APIError]] = {
        401: AuthenticationError,
        403: PermissionDenied,
        404: NotFound,
        409: Conflict,
        400: ValidationError,
        422: ValidationError,
        429: RateLimitExceeded,
        503: ServiceUnavailable,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return ServerError
    return APIError

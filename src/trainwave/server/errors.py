"""API errors and the one place that turns them into the error envelope.

Every error under ``/api/`` and ``/auth/`` leaves the service through
:func:`error_response` as ``{"success": false, "error": {"code", "message"}}``
with ``Content-Type: application/json``: errors raised by the features, ninja's
validation and parsing errors, and Django's own 400, 403, 404, 405, 413 and 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("trainwave.errors")

API_PREFIXES = ("/api/", "/auth/")


class ApiError(Exception):
    """An error with a stable code, a plain message and an HTTP status."""

    status = 400
    code = "bad_request"
    message = "The request is invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.message = message or self.message
        self.details = details
        self.headers = dict(headers or {})
        self.extra = extra
        # Fields for the security log only, never for the response body.
        self.log_fields: dict[str, Any] = {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        error.update(self.extra)
        if self.details is not None:
            error["details"] = self.details
        return {"success": False, "error": error}


class ValidationFailed(ApiError):
    status = 400
    code = "validation_error"
    message = "The request body or query is invalid."


class InvalidJson(ApiError):
    status = 400
    code = "invalid_json"
    message = "The request body is not valid JSON."


class AuthenticationRequired(ApiError):
    status = 401
    code = "authentication_required"
    message = "Authentication required: send an API key in X-API-KEY or log in."


class InvalidApiKey(ApiError):
    status = 401
    code = "invalid_api_key"
    message = "The provided API key is invalid or expired"


class InvalidCredentials(ApiError):
    status = 401
    code = "invalid_credentials"
    message = "The email or password is incorrect."


class SessionExpired(ApiError):
    status = 401
    code = "session_expired"
    message = "Your session has expired: log in again."


class CsrfFailed(ApiError):
    status = 403
    code = "csrf_token_missing"
    message = "CSRF token missing or incorrect"


class PermissionDenied(ApiError):
    status = 403
    code = "insufficient_permissions"

    def __init__(self, permission: str, message: str | None = None) -> None:
        super().__init__(
            message or f"This request needs the {permission} permission.",
            permission=permission,
        )


class NetworkNotAllowed(ApiError):
    status = 403
    code = "ip_not_allowed"
    message = "This API key may not be used from your IP address."


class SignupClosed(ApiError):
    status = 403
    code = "signup_closed"
    message = (
        "Sign-up is closed on this server: ask an administrator for an invitation."
    )


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "You may not perform this request."


class SsoRequired(ApiError):
    status = 403
    code = "sso_required"
    message = (
        "Your organization requires single sign-on: sign in through your "
        "identity provider instead of with a password."
    )


class SsoLoginFailed(ApiError):
    """An SSO sign-in was rejected; the message gives the reason, without secrets."""

    status = 403
    code = "sso_login_failed"
    message = "Single sign-on failed."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    message = "This method is not allowed on this path."


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state of the resource."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email already exists."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Send the body as JSON with Content-Type: application/json."


class UnprocessableEntity(ApiError):
    status = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request."


class RateLimitExceeded(ApiError):
    status = 429
    code = "rate_limit_exceeded"
    message = "Too many requests"


class InternalError(ApiError):
    status = 500
    code = "internal_error"
    message = "Internal server error. Quote the request ID when you report it."


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
    message = "A required backing service is unavailable: retry shortly."


def error_response(request: HttpRequest | None, error: ApiError) -> HttpResponse:
    """Build the JSON error envelope for ``error``; the only error builder."""
    body = error.body()
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["error"]["request_id"] = request_id
    response = JsonResponse(body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def is_api_path(path: str) -> bool:
    """Return whether ``path`` belongs to the JSON API, in any letter case,
    so even a mistyped ``/API/...`` gets a JSON error rather than a page."""
    return path.lower().startswith(API_PREFIXES)


GENERIC_ERRORS: dict[int, type[ApiError]] = {
    400: ApiError,
    401: AuthenticationRequired,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    500: InternalError,
    503: ServiceUnavailable,
}


def error_for_status(status: int) -> ApiError:
    """Return the generic error for a status Django produced on its own."""
    error_class = GENERIC_ERRORS.get(status)
    if error_class is None:
        error = ApiError()
        error.status = status
        return error
    return error_class()


# Django's handlers, named in urls.py. They return JSON under the API prefixes
# and a short plain page elsewhere.


def handler_page(request: HttpRequest, error: ApiError, title: str) -> HttpResponse:
    if is_api_path(request.path):
        return error_response(request, error)
    from django.shortcuts import render

    return render(
        request,
        "error.html",
        {
            "title": title,
            "message": error.message,
            "request_id": getattr(request, "request_id", ""),
        },
        status=error.status,
    )


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return handler_page(request, ApiError(), "Bad request")


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return handler_page(request, Forbidden(), "Forbidden")


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return handler_page(request, NotFound(), "Page not found")


def server_error(request: HttpRequest) -> HttpResponse:
    return handler_page(request, InternalError(), "Something went wrong")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Render a CSRF rejection from Django's middleware (dashboard forms)."""
    from trainwave.server.logs import log_rejection

    log_rejection(request, 403, CsrfFailed.code, reason=reason)
    if is_api_path(request.path):
        return error_response(request, CsrfFailed())
    from django.shortcuts import render

    return render(
        request,
        "csrf_failure.html",
        {"request_id": getattr(request, "request_id", "")},
        status=403,
    )

"""The ninja API object: routers, parsing, and errors in the envelope."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from trainwave.server.auth import SCHEMES
from trainwave.server.config import get_config
from trainwave.server.errors import (
    ApiError,
    AuthenticationRequired,
    CsrfFailed,
    InternalError,
    InvalidJson,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
    error_for_status,
    error_response,
)
from trainwave.server.logs import log_rejection

logger = logging.getLogger("trainwave.errors")


class StrictJsonParser(Parser):
    """Parse bodies as strict UTF-8 JSON; anything else is ``invalid_json``.

    Strings holding a NUL character are rejected too: PostgreSQL cannot store
    them, and no field of this API has a use for one.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            text = request.body.decode("utf-8")
            data = json.loads(text)
        except RequestDataTooBig:
            raise
        except (UnicodeDecodeError, ValueError):
            raise InvalidJson() from None
        if not isinstance(data, dict):
            message = "The request body must be a JSON object."
            raise ValidationFailed(
                message, details=[{"field": "", "message": message, "type": "object"}]
            )
        where = find_nul(data, "")
        if where is not None:
            message = "Text values must not contain NUL characters."
            raise ValidationFailed(
                message, details=[{"field": where, "message": message, "type": "nul"}]
            )
        return data


def find_nul(value: Any, path: str) -> str | None:
    """Return the dotted path of the first string holding NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            found = find_nul(item, child)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ninja's validation errors as ``{field, message, type}`` entries.

    The location keeps only field names and indexes, never the rejected input,
    so a password typed into the wrong field is not echoed back.
    """
    result = []
    for error in errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "payload")
        ]
        result.append(
            {
                "field": ".".join(location),
                "message": str(error.get("msg", "invalid value")),
                "type": str(error.get("type", "invalid")),
            }
        )
    return result


def build_api() -> NinjaAPI:
    config = get_config()
    docs_enabled = config.api_docs
    api = NinjaAPI(
        title="Trainwave API",
        version="1",
        description=(
            "Authentication service and jobs API. Authenticate with an API key in "
            "the X-API-KEY header, or with the session cookie plus X-CSRFToken on "
            "mutations. Every response uses the success or error envelope."
        ),
        openapi_url="/api/v1/openapi.json" if docs_enabled else None,
        docs_url="/api/v1/docs" if docs_enabled else None,
        auth=SCHEMES,
        parser=StrictJsonParser(),
        urls_namespace="api",
    )
    install_error_handlers(api)
    install_routers(api)
    return api


def install_error_handlers(api: NinjaAPI) -> None:
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        if exc.status == 401 or isinstance(exc, CsrfFailed):
            request.auth_failure = auth_failure_reason(exc)  # type: ignore[attr-defined]
        if exc.status >= 400 and not isinstance(exc, CsrfFailed):
            log_rejection(request, exc.status, exc.code, **security_fields(exc))
        return error_response(request, exc)

    def on_authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        return on_api_error(request, AuthenticationRequired())

    def on_validation_error(
        request: HttpRequest, exc: NinjaValidationError
    ) -> HttpResponse:
        return on_api_error(request, ValidationFailed(details=field_errors(exc.errors)))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):
            return on_api_error(request, exc.__cause__)
        if isinstance(exc.__cause__, RequestDataTooBig):
            return on_api_error(request, PayloadTooLarge())
        if exc.status_code == 400:
            return on_api_error(request, InvalidJson())
        return on_api_error(request, error_for_status(exc.status_code))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return on_api_error(request, NotFound())

    def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return on_api_error(request, PayloadTooLarge())

    def on_database_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error(
            "database unavailable: %s",
            type(exc).__name__,
            extra={
                "request_id": getattr(request, "request_id", None),
                "path": request.path,
            },
        )
        return error_response(request, ServiceUnavailable())

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error(
            "unhandled error: %s",
            type(exc).__name__,
            exc_info=exc,
            extra={
                "request_id": getattr(request, "request_id", None),
                "path": request.path,
            },
        )
        return error_response(request, InternalError())

    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, on_api_error),
        (AuthenticationError, on_authentication_error),
        (NinjaValidationError, on_validation_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (OperationalError, on_database_error),
        (InterfaceError, on_database_error),
        (DatabaseError, on_exception),
        (Exception, on_exception),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)


def auth_failure_reason(exc: ApiError) -> str:
    """Return the metrics label for a rejected credential."""
    if isinstance(exc, CsrfFailed):
        return "csrf"
    if isinstance(exc, AuthenticationRequired):
        return "missing"
    return str(exc.log_fields.get("reason") or exc.code)


def security_fields(exc: ApiError) -> dict[str, Any]:
    fields: dict[str, Any] = dict(exc.log_fields)
    if "permission" in exc.extra:
        fields["permission"] = exc.extra["permission"]
    return fields


def install_routers(api: NinjaAPI) -> None:
    from trainwave.server.accounts.api import auth_router, session_router
    from trainwave.server.accounts.members_api import members_router
    from trainwave.server.accounts.organization_api import organization_router
    from trainwave.server.apikeys.api import keys_router
    from trainwave.server.audit.api import audit_router
    from trainwave.server.jobs.api import jobs_router
    from trainwave.server.sso.api import connections_router, discover_router

    api.add_router("/auth/", session_router)
    api.add_router("/api/v1/auth/", auth_router)
    api.add_router("/api/v1/auth/keys/", keys_router)
    api.add_router("/api/v1/jobs/", jobs_router)
    api.add_router("/api/v1/members/", members_router)
    api.add_router("/api/v1/organization/", organization_router)
    api.add_router("/api/v1/audit-events/", audit_router)
    api.add_router("/api/v1/sso/connections/", connections_router)
    api.add_router("/auth/v1/sso/", discover_router)

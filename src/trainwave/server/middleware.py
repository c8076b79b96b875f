"""Request context, access logging and the envelope for Django's own errors."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from trainwave.server.config import get_config
from trainwave.server.errors import (
    InternalError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    error_for_status,
    error_response,
    is_api_path,
)
from trainwave.server.logs import log_rejection, redact_query
from trainwave.server.metrics import observe_request
from trainwave.server.ratelimits.client_address import (
    is_trusted,
    parse_address,
    resolve_client_ip,
)

access_logger = logging.getLogger("trainwave.access")
error_logger = logging.getLogger("trainwave.errors")

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUERY_HEADERS = ("X-Organization", "Idempotency-Key")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = frozenset({"application/json"})
# Browser endpoints of the SSO protocols take HTML form posts (a SAML
# response, the directory sign-in form); Django's CSRF middleware or the
# protocol's own checks guard them instead.
FORM_PREFIXES = ("/auth/sso/",)

GetResponse = Callable[[HttpRequest], HttpResponse]


def is_trusted_peer(remote: str, proxies: tuple[Any, ...]) -> bool:
    address = parse_address(remote)
    return address is not None and bool(proxies) and is_trusted(address, proxies)


def is_envelope(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class RequestContextMiddleware:
    """Give each request an ID and a client IP, and log it once when it ends.

    It is also the last line of defence for the API's error contract. An
    error response that Django produced as HTML under ``/api/`` or ``/auth/``
    (a 404 from the URL resolver, a 405 from a view) is rebuilt as the
    envelope, and an exception that escaped every handler becomes a 500
    envelope.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = (  # type: ignore[attr-defined]
            incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        )
        config = get_config()
        remote = request.META.get("REMOTE_ADDR", "")
        request.client_ip = resolve_client_ip(  # type: ignore[attr-defined]
            remote, request.META.get("HTTP_X_FORWARDED_FOR", ""), config.trusted_proxies
        )
        if not is_trusted_peer(remote, config.trusted_proxies):
            # Only a trusted proxy may report that the client used HTTPS.
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        # HEAD is GET without a body (RFC 9110). The API routes only declare
        # GET, so HEAD is served through them.
        head = request.method == "HEAD" and is_api_path(request.path)
        if head:
            request.method = "GET"
        response = self.get_response(request)
        if head:
            request.method = "HEAD"
            response.content = b""
        if is_api_path(request.path):
            if (
                response.status_code >= 400
                and not is_envelope(response)
                and not request.path.startswith(FORM_PREFIXES)
            ):
                response = self.rebuild(request, response)
            response.headers.setdefault("Cache-Control", "no-store")
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        if getattr(request, "api_key", None) is not None:
            from trainwave.server.apikeys.hooks import after_key_response

            after_key_response(request, response)
        elapsed = time.perf_counter() - started
        self.log(request, response, elapsed)
        observe_request(request, response, elapsed)
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return error_response(request, PayloadTooLarge())
        if not is_api_path(request.path):
            return None
        error_logger.error(
            "unhandled error: %s",
            type(exception).__name__,
            exc_info=exception,
            extra={
                "request_id": getattr(request, "request_id", None),
                "path": request.path,
            },
        )
        return error_response(request, InternalError())

    @staticmethod
    def rebuild(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        error = error_for_status(response.status_code)
        rebuilt = error_response(request, error)
        if response.has_header("Allow"):
            rebuilt["Allow"] = response["Allow"]
        return rebuilt

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, elapsed: float) -> None:
        principal = getattr(request, "principal", None)
        query = redact_query(request.META.get("QUERY_STRING", ""))
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "event": "http.request",
                "method": request.method,
                "path": request.path,
                "query": query,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "ip": getattr(request, "client_ip", None),
                "user_id": principal.user_id if principal else None,
                "key_id": principal.key_id if principal else None,
                "request_id": getattr(request, "request_id", None),
            },
        )


def has_nul(request: HttpRequest) -> bool:
    """Return whether the path, query or a header used in queries contains NUL.

    PostgreSQL rejects NUL in text, so such a value reaching a query would be
    a 500 instead of the 400 it deserves. (A NUL in X-API-KEY fails the key
    format check first, before any query.)
    """
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    return any("\x00" in request.headers.get(name, "") for name in QUERY_HEADERS)


class ApiContentMiddleware:
    """Reject API bodies that are not JSON, and bodies that are too large.

    A cross-site HTML form can send ``text/plain`` or form-encoded bodies
    without a CORS preflight; requiring ``application/json`` closes that
    "simple request" route to a forged mutation.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_path(request.path):
            if has_nul(request):
                log_rejection(request, 400, ValidationFailed.code)
                return error_response(
                    request,
                    ValidationFailed("The URL or a header contains a NUL character."),
                )
            is_form = request.path.startswith(FORM_PREFIXES)
            if request.method in BODY_METHODS and not is_form:
                rejection = self.check(request)
                if rejection is not None:
                    return rejection
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest) -> HttpResponse | None:
        length_header = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(length_header)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            log_rejection(request, 413, PayloadTooLarge.code)
            return error_response(request, PayloadTooLarge())
        has_body = length > 0 or "HTTP_TRANSFER_ENCODING" in request.META
        media_type = request.content_type or ""
        if has_body and media_type.lower() not in JSON_TYPES:
            log_rejection(request, 415, UnsupportedMediaType.code)
            return error_response(request, UnsupportedMediaType())
        return None

"""Per-user and per-IP rate limits, and the ``RateLimit-*`` response headers.

Requests under ``/api/`` and ``/auth/`` are limited before their view runs:

* a request with a session user counts against that user
  (``TRAINWAVE_RATE_LIMIT_USER``);
* a request with no credentials counts against its client address (IPv6 per
  /64) and the route it resolved to (``TRAINWAVE_RATE_LIMIT_ANONYMOUS``). The
  route is the URL pattern, so case, trailing-slash and percent-encoding
  variants of a path that reach the same view share one limit;
* a request with ``X-API-KEY`` is limited by the key's own policy during
  authentication (see ``ratelimits.keys``), except on public routes, which
  never read the key and so limit it per address like any anonymous call.

Whichever decision was made for a request, its headers go on the response.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from trainwave.server.config import get_config
from trainwave.server.errors import ApiError, error_response, is_api_path
from trainwave.server.logs import log_rejection
from trainwave.server.ratelimits import metrics
from trainwave.server.ratelimits.client_address import rate_limit_identity
from trainwave.server.ratelimits.limiter import Decision, limiter

GetResponse = Callable[[HttpRequest], HttpResponse]


def add_headers(response: HttpResponse, decision: Decision) -> None:
    for name, value in decision.headers().items():
        response.headers.setdefault(name, value)


def route_of(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.route if match is not None else request.path


@functools.cache
def public_routes() -> frozenset[str]:
    """Return the URL patterns of operations declared with ``auth=None``.

    Read once from the ninja API. ``_routers`` is private to django-ninja
    (checked with 1.7.1), so a change there shows up as public routes
    missing from this set, which tests/ratelimits catches.
    """
    from trainwave.server.urls import api

    routes = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            if any(operation.auth_param is None for operation in view.operations):
                routes.add(prefix.lstrip("/") + path)
    return frozenset(routes)


def decide_request(request: HttpRequest) -> Decision | None:
    """Take a slot for the request's user or address; None when not limited here."""
    settings = get_config().rate_limits
    if not settings.enabled or not is_api_path(request.path):
        return None
    route = route_of(request)
    # A public route never reads X-API-KEY, so a dummy key must not exempt
    # its caller from the per-address limit.
    if "HTTP_X_API_KEY" in request.META and route not in public_routes():
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return limiter.hit("user", settings.item("user"), str(user.pk))
    identity = rate_limit_identity(getattr(request, "client_ip", ""))
    return limiter.hit("anonymous", settings.item("anonymous"), f"{identity}|{route}")


def reject(request: HttpRequest, error: ApiError) -> HttpResponse:
    log_rejection(request, error.status, error.code, **error.log_fields)
    return error_response(request, error)


class RateLimitMiddleware:
    """Apply the per-user and per-IP limits, and label every limited response."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        decision = getattr(request, "rate_limit", None)
        if decision is not None:
            add_headers(response, decision)
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        try:
            decision = decide_request(request)
        except ApiError as unavailable:
            return reject(request, unavailable)
        if decision is None:
            return None
        request.rate_limit = decision  # type: ignore[attr-defined]
        metrics.count(decision.policy, admitted=decision.admitted)
        if decision.admitted:
            return None
        return reject(request, decision.error())

"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from trainwave.server.config import get_config
from trainwave.server.errors import ServiceUnavailable, error_response

logger = logging.getLogger("trainwave.health")


def healthz(request: HttpRequest) -> HttpResponse:
    """Return 200 while the process can serve requests at all."""
    return JsonResponse({"success": True, "data": {"status": "ok"}})


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return type(error).__name__
    return None


def check_redis() -> str | None:
    if not get_config().redis_url:
        return None
    from trainwave.server.redis_client import get_redis

    try:
        get_redis().ping()
    except Exception as error:  # any failure means not ready
        return type(error).__name__
    return None


def readyz(request: HttpRequest) -> HttpResponse:
    """Return 200 when the database (and Redis, when configured) respond, else 503."""
    failures = {
        name: problem
        for name, problem in (("database", check_database()), ("redis", check_redis()))
        if problem
    }
    if failures:
        logger.error(
            "not ready: %s", ", ".join(sorted(failures)), extra={"failures": failures}
        )
        return error_response(
            request,
            ServiceUnavailable(
                f"Not ready: {', '.join(sorted(failures))} unavailable."
            ),
        )
    return JsonResponse({"success": True, "data": {"status": "ready"}})

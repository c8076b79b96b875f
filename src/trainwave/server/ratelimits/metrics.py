"""Prometheus counters of rate-limit decisions, and the ``/metrics`` view.

Counts are ``trainwave_rate_limit_requests_total{policy, outcome}`` with
outcome ``admitted`` or ``rejected``. With several worker processes the
counters use prometheus-client's multiprocess mode: ``wave server`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the workers start, and
the view sums every process's file, so any worker answers for all of them.

The endpoint is off unless ``TRAINWAVE_METRICS_TOKEN`` is set, and then needs
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse

from trainwave.server.config import get_config

COUNTER_LOCK = threading.Lock()
counters: dict[str, Any] = {}


def decisions_counter() -> Any:
    """Return the counter, created on first use.

    prometheus-client is imported here, not at import time, because its
    multiprocess mode reads PROMETHEUS_MULTIPROC_DIR when it is imported,
    and ``wave server`` sets that only after Django has loaded this module.
    """
    counter = counters.get("decisions")
    if counter is not None:
        return counter
    with COUNTER_LOCK:
        if "decisions" not in counters:
            from prometheus_client import Counter

            counters["decisions"] = Counter(
                "trainwave_rate_limit_requests",
                "Requests checked against a rate limit, by policy and outcome.",
                ["policy", "outcome"],
            )
    return counters["decisions"]


def count(policy: str, admitted: bool) -> None:
    """Count one decision of ``policy``."""
    outcome = "admitted" if admitted else "rejected"
    decisions_counter().labels(policy=policy, outcome=outcome).inc()


def exposition() -> tuple[bytes, str]:
    """Return the metrics text of every worker process (or of this one)."""
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
    )

    decisions_counter()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def is_authorized(request: HttpRequest, token: str) -> bool:
    presented = request.headers.get("Authorization", "")
    expected = f"Bearer {token}"
    return hmac.compare_digest(presented.encode(), expected.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Serve the Prometheus text format to a scraper holding the token."""
    token = get_config().metrics_token
    if token is None:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not is_authorized(request, token):
        response = HttpResponse(
            "A valid bearer token is required.\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)

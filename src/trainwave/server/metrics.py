"""Prometheus metrics of the service, served with the rate-limit counters at
``/metrics`` (see ``ratelimits/metrics.py`` for the endpoint and its token).

* ``trainwave_auth_total{method, outcome, reason}``: authentication results.
  ``method`` is ``api_key``, ``session`` or ``none``; ``reason`` is ``ok`` on
  success, else the rejection's reason (``malformed``, ``unknown``,
  ``revoked``, ``expired``, ``missing``, ``csrf``, ...).
* ``trainwave_request_duration_seconds{method, status_class}``: latency of
  every request, as a histogram.
* ``trainwave_usage_flush_lag_seconds``: seconds between the two most recent
  successful usage flushes of any process, the largest across processes.

Metrics are created on first use, after ``wave server`` has chosen the
multiprocess folder, for the reason ``ratelimits/metrics.py`` gives.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("trainwave.metrics")

LOCK = threading.Lock()
created: dict[str, Any] = {}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def metric(name: str) -> Any:
    existing = created.get(name)
    if existing is not None:
        return existing
    with LOCK:
        if name not in created:
            from prometheus_client import Counter, Gauge, Histogram

            if name == "auth":
                created[name] = Counter(
                    "trainwave_auth",
                    "Authentication results by method, outcome and reason.",
                    ["method", "outcome", "reason"],
                )
            elif name == "duration":
                created[name] = Histogram(
                    "trainwave_request_duration_seconds",
                    "Request latency by HTTP method and status class.",
                    ["method", "status_class"],
                    buckets=LATENCY_BUCKETS,
                )
            elif name == "flush_lag":
                created[name] = Gauge(
                    "trainwave_usage_flush_lag_seconds",
                    "Seconds between the two latest successful usage flushes.",
                    multiprocess_mode="max",
                )
    return created[name]


def credential_method(request: HttpRequest) -> str:
    if "HTTP_X_API_KEY" in request.META:
        return "api_key"
    if "session" in request.COOKIES:
        return "session"
    return "none"


def observe_request(
    request: HttpRequest, response: HttpResponse, seconds: float
) -> None:
    """Record one finished request; never raises into the request."""
    try:
        status_class = f"{response.status_code // 100}xx"
        metric("duration").labels(
            method=request.method, status_class=status_class
        ).observe(seconds)
        principal = getattr(request, "principal", None)
        failure = getattr(request, "auth_failure", None)
        if principal is not None:
            metric("auth").labels(
                method=principal.method, outcome="success", reason="ok"
            ).inc()
        elif failure is not None:
            metric("auth").labels(
                method=credential_method(request), outcome="failure", reason=failure
            ).inc()
    except Exception as error:  # metrics must never break a request
        logger.warning("metrics not recorded: %s", type(error).__name__)


def observe_flush_lag(seconds: float) -> None:
    try:
        metric("flush_lag").set(seconds)
    except Exception as error:
        logger.warning("metrics not recorded: %s", type(error).__name__)

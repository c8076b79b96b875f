"""Time the API-key hot path in one process, without HTTP, step by step.

Calls Django's WSGI handler directly for ``GET /api/v1/auth/test/`` with a
key and for its unauthenticated twin, then the steps of
``authenticate_api_key`` one by one, in interleaved rounds. The difference
between the two requests is the cost of authentication; the steps show where
it goes. Needs the environment of a seeded benchmark database;
``bench/keys.py`` runs it after its HTTP rounds (see docs/benchmarks.md).

    python -m bench.hotpath KEY [ROUNDS]
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

CALLS_PER_ROUND = 1000


def wsgi_environ(path: str, key: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    if key is not None:
        environ["HTTP_X_API_KEY"] = key
    return environ


def cases(key: str) -> dict[str, Callable[[], object]]:
    """Return the timed calls, each a zero-argument function."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    from trainwave.server import clock
    from trainwave.server.accounts.roles import effective_permissions
    from trainwave.server.apikeys import tokens
    from trainwave.server.apikeys.cache import verification_cache
    from trainwave.server.apikeys.verify import (
        authenticate_api_key,
        key_notice_headers,
        shared_epoch_and_count,
    )
    from trainwave.server.redis_client import get_redis

    handler = WSGIHandler()

    def request(path: str, with_key: bool) -> Callable[[], object]:
        def call() -> object:
            environ = wsgi_environ(path, key if with_key else None)
            response = handler(environ, lambda status, headers: None)
            body = b"".join(response)
            response.close()  # type: ignore[attr-defined]
            return body

        return call

    factory = RequestFactory()
    http_request = factory.get("/api/v1/auth/test/", HTTP_X_API_KEY=key)
    http_request.client_ip = "127.0.0.1"  # type: ignore[attr-defined]
    principal = authenticate_api_key(http_request, key)
    digest = tokens.digest_of(key)
    _, cached = verification_cache.get(digest)
    redis = get_redis()

    return {
        "request with key": request("/api/v1/auth/test/", True),
        "request, twin": request("/api/v1/bench/auth/test/", False),
        "authenticate_api_key": lambda: authenticate_api_key(http_request, key),
        "is_well_formed + digest_of": lambda: (
            tokens.is_well_formed(key),
            tokens.digest_of(key),
        ),
        "verification_cache.get": lambda: verification_cache.get(digest),
        "redis pipeline (epoch, count, stamp)": lambda: shared_epoch_and_count(
            cached, http_request, clock.now()
        ),
        "redis PING": redis.ping,
        "effective_permissions": lambda: effective_permissions(
            principal.role or "", principal.permissions
        ),
        "key_notice_headers": lambda: key_notice_headers(principal, clock.now()),
    }


def main(argv: list[str]) -> None:
    django.setup()
    key = argv[0]
    rounds = int(argv[1]) if len(argv) > 1 else 5
    timed = cases(key)
    for call in timed.values():
        for _ in range(200):
            call()
    runs: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(rounds):
        for name, call in timed.items():
            started = time.perf_counter()
            for _ in range(CALLS_PER_ROUND):
                call()
            runs[name].append((time.perf_counter() - started) / CALLS_PER_ROUND)
    result = {
        name: round(statistics.median(values) * 1e6, 1) for name, values in runs.items()
    }
    sys.stdout.write(json.dumps({"microseconds_per_call": result}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The process-wide Redis connection pool, created on first use."""

from __future__ import annotations

import functools

import redis

from trainwave.server.config import get_config

# Short timeouts: when Redis is down a request should fall back or fail in
# milliseconds, not hang a worker.
SOCKET_TIMEOUT_SECONDS = 0.5


@functools.cache
def get_redis() -> redis.Redis:
    url = get_config().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )

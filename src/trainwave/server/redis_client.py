"""The process-wide Redis connection pool, created on first use."""

from __future__ import annotations

import functools
import threading

import redis

from trainwave.server.config import get_config

# Short timeouts: when Redis is down a request should fall back or fail in
# milliseconds, not hang a worker.
SOCKET_TIMEOUT_SECONDS = 0.5

POOL_LOCK = threading.Lock()
pools: dict[str, redis.ConnectionPool] = {}


def pool_for(url: str) -> redis.ConnectionPool:
    """Return the one pool of this process for ``url``.

    Threads that race on first use share one pool. A client that built its
    own pool would close it when garbage collected, cutting off connections
    that another thread is still reading from.
    """
    with POOL_LOCK:
        pool = pools.get(url)
        if pool is None:
            pool = redis.ConnectionPool.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                health_check_interval=30,
            )
            pools[url] = pool
        return pool


@functools.cache
def get_redis() -> redis.Redis:
    url = get_config().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    return redis.Redis(connection_pool=pool_for(url))

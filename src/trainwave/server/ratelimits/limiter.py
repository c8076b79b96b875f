"""Moving-window rate limits, in process memory or shared in Redis.

A limit of N per W seconds admits a request when fewer than N requests were
admitted in the W seconds before it. The window storage is the ``limits``
package's: its ``MemoryStorage`` in the embedded default, and in Redis the
same list layout as its ``RedisStorage`` (newest timestamp first, at most N
entries, under ``tw:limits:<key>``). Redis is reached with one script call that
takes a slot and reports the window, so a decision and its headers cost one
round trip. docs/rate-limits.md explains why the moving window was chosen
over the sliding-window counter.

When Redis is unreachable, decisions fall back to this process's memory
(fail-open per process) or, with ``TRAINWAVE_RATE_LIMIT_FAIL_CLOSED``, raise
``ServiceUnavailable``. One error is logged per outage, and Redis is tried
again every ``RETRY_SECONDS`` until it responds.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trainwave.server import clock
from trainwave.server.config import get_config
from trainwave.server.errors import RateLimitExceeded, ServiceUnavailable

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.storage import MemoryStorage, RedisStorage

logger = logging.getLogger("trainwave.ratelimits")

REDIS_PREFIX = "tw:limits"
RETRY_SECONDS = 1.0

# Shared by the scripts below: take a slot in the window list KEYS[n] if one
# is free, then count the entries still inside the window by binary search
# (the list is newest first). Returns admitted (0/1), count, oldest entry.
ACQUIRE_FUNCTION = """
local function acquire(key, now, limit, expiry, stamp)
    local admitted = 0
    local last = redis.call('lindex', key, limit - 1)
    if not last or tonumber(last) < now - expiry then
        redis.call('lpush', key, stamp)
        redis.call('ltrim', key, 0, limit - 1)
        redis.call('expire', key, math.ceil(expiry))
        admitted = 1
    end
    local low, high, found = 0, limit - 1, -1
    while low <= high do
        local middle = math.floor((low + high) / 2)
        local value = redis.call('lindex', key, middle)
        if value and tonumber(value) > now - expiry then
            found = middle
            low = middle + 1
        else
            high = middle - 1
        end
    end
    local oldest = stamp
    if found >= 0 then
        oldest = redis.call('lindex', key, found)
    end
    return admitted, found + 1, oldest
end
"""

ACQUIRE_SCRIPT = (
    ACQUIRE_FUNCTION
    + """
local admitted, count, oldest = acquire(
    KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[1])
return {admitted, count, oldest}
"""
)

# Tests whether the window is full without taking a slot. Returns the entry
# whose expiry frees the next slot, or false.
FULL_SCRIPT = """
local last = redis.call('lindex', KEYS[1], tonumber(ARGV[2]) - 1)
if last and tonumber(last) > tonumber(ARGV[1]) - tonumber(ARGV[3]) then
    return last
end
return false
"""

DESCRIPTIONS = {
    "api_key": "the rate limit of this API key",
    "user": "the rate limit of your account",
    "anonymous": "the rate limit for unauthenticated requests from your IP address",
    "login_account": "the limit of login attempts for this account",
    "login_account_ip": "the limit of login attempts for this account from your IP "
    "address",
    "login_ip": "the limit of login attempts from your IP address",
    "key_failures": "the limit of failed API key attempts from your IP address",
}


def now_seconds() -> float:
    return clock.now().timestamp()


def describe_window(seconds: int) -> str:
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against one rate limit."""

    policy: str
    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int
    admitted: bool

    def headers(self) -> dict[str, str]:
        """Return the IETF draft ``RateLimit-*`` headers for this decision."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }

    def error(self) -> RateLimitExceeded:
        """Return the 429 for a rejected request, naming the limit it hit."""
        retry = max(1, self.reset_seconds)
        description = DESCRIPTIONS.get(self.policy, f"the {self.policy} rate limit")
        message = (
            f"Too many requests: {description} is {self.limit} per "
            f"{describe_window(self.window_seconds)}. Retry after {retry} seconds."
        )
        error = RateLimitExceeded(
            message, headers={**self.headers(), "Retry-After": str(retry)}
        )
        error.log_fields = {"policy": self.policy}
        return error


def decide(
    policy: str,
    limit: int,
    window: int,
    admitted: bool,
    count: int,
    oldest: float,
    now: float,
) -> Decision:
    """Build a decision from a window's state after a request."""
    frees_in = oldest + window - now if count else 0.0
    return Decision(
        policy=policy,
        limit=limit,
        window_seconds=window,
        remaining=max(0, limit - count),
        reset_seconds=max(0, math.ceil(frees_in)),
        admitted=admitted,
    )


@functools.lru_cache(maxsize=4096)
def window_key(policy: str, amount: int, window: int, identity: str) -> str:
    """Return the storage key of one identity's window (without the prefix)."""
    from limits import RateLimitItemPerSecond

    return RateLimitItemPerSecond(amount, window).key_for(policy, identity)


class RedisHealth:
    """Tracks whether Redis responds, so an outage is logged once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.next_attempt = 0.0

    def is_usable(self) -> bool:
        """Return whether to try Redis now: always, or once per RETRY_SECONDS."""
        if self.down_since is None:
            return True
        with self.lock:
            if time.monotonic() < self.next_attempt:
                return False
            self.next_attempt = time.monotonic() + RETRY_SECONDS
            return True

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.next_attempt = time.monotonic() + RETRY_SECONDS
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        mode = (
            "rejecting limited requests with 503"
            if get_config().rate_limits.fail_closed
            else "limiting per process in memory"
        )
        logger.error(
            "Redis is unreachable, %s until it returns: %s",
            mode,
            type(error).__name__,
        )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since = None
        logger.warning(
            "Redis is reachable again after %.1f s, shared rate limits resumed",
            seconds,
        )


class Limiter:
    """Takes and tests slots in moving windows, for the whole process."""

    def __init__(self) -> None:
        self.health = RedisHealth()
        self.lock = threading.Lock()
        self.memory_storage: MemoryStorage | None = None
        self.redis_storage: RedisStorage | None = None
        self.redis_pool: Any = None
        self.scripts: dict[str, Any] = {}

    @property
    def memory(self) -> MemoryStorage:
        if self.memory_storage is None:
            from limits.storage import MemoryStorage

            with self.lock:
                if self.memory_storage is None:
                    self.memory_storage = MemoryStorage()
        assert self.memory_storage is not None
        return self.memory_storage

    @property
    def redis(self) -> RedisStorage:
        """The ``limits`` Redis storage, on the service's current connection pool."""
        from trainwave.server.redis_client import get_redis

        pool = get_redis().connection_pool
        storage = self.redis_storage
        if storage is not None and self.redis_pool is pool:
            return storage
        from limits.storage import RedisStorage

        with self.lock:
            url = get_config().redis_url or ""
            storage = RedisStorage(url, connection_pool=pool, key_prefix=REDIS_PREFIX)
            self.redis_storage = storage
            self.redis_pool = pool
            self.scripts = {}
        return storage

    def script(self, source: str) -> Any:
        """Return a registered script; redis-py runs it by SHA, loading on a miss."""
        connection = self.redis.get_connection()
        found = self.scripts.get(source)
        if found is None:
            found = connection.register_script(source.encode())
            self.scripts[source] = found
        return found

    def uses_redis(self) -> bool:
        """Return whether this decision should go to Redis; raise if it must."""
        if not get_config().redis_url:
            return False
        if self.health.is_usable():
            return True
        self.check_fail_open()
        return False

    def check_fail_open(self) -> None:
        if get_config().rate_limits.fail_closed:
            raise ServiceUnavailable(
                "The rate-limit store is unavailable: retry shortly."
            )

    def redis_failed(self, error: Exception) -> None:
        self.health.failed(error)
        self.check_fail_open()

    def hit(self, policy: str, item: RateLimitItem, identity: str) -> Decision:
        """Take a slot for ``identity`` under ``policy`` and report the window."""
        amount, window = item.amount, int(item.get_expiry())
        key = window_key(policy, amount, window, identity)
        now = now_seconds()
        if self.uses_redis():
            try:
                admitted, count, oldest = self.script(ACQUIRE_SCRIPT)(
                    keys=[self.redis.prefixed_key(key)],
                    args=[repr(now), amount, window],
                )
            except Exception as error:
                self.redis_failed(error)
            else:
                self.health.succeeded()
                return decide(
                    policy, amount, window, bool(admitted), count, float(oldest), now
                )
        return self.hit_memory(policy, key, amount, window, now)

    def hit_memory(
        self, policy: str, key: str, amount: int, window: int, now: float
    ) -> Decision:
        admitted = self.memory.acquire_entry(key, amount, window)
        oldest, count = self.memory.get_moving_window(key, amount, window)
        return decide(policy, amount, window, admitted, count, oldest, now)

    def check(self, policy: str, item: RateLimitItem, identity: str) -> None:
        """Raise RateLimitExceeded if ``identity`` has no slot left, taking none."""
        amount, window = item.amount, int(item.get_expiry())
        key = window_key(policy, amount, window, identity)
        now = now_seconds()
        if self.uses_redis():
            try:
                last = self.script(FULL_SCRIPT)(
                    keys=[self.redis.prefixed_key(key)],
                    args=[repr(now), amount, window],
                )
            except Exception as error:
                self.redis_failed(error)
            else:
                self.health.succeeded()
                if last:
                    raise decide(
                        policy, amount, window, False, amount, float(last), now
                    ).error()
                return
        oldest, count = self.memory.get_moving_window(key, amount, window)
        if count >= amount:
            raise decide(policy, amount, window, False, count, oldest, now).error()

    def clear(self, policy: str, item: RateLimitItem, identity: str) -> None:
        """Empty ``identity``'s window under ``policy``."""
        key = window_key(policy, item.amount, int(item.get_expiry()), identity)
        self.memory.clear(key)
        if get_config().redis_url and self.health.is_usable():
            try:
                self.redis.clear(key)
            except Exception as error:
                self.health.failed(error)

    def mark(self, name: str, seconds: int) -> None:
        """Remember ``name`` for ``seconds``, in Redis when configured."""
        self.memory.incr(name, seconds)
        if get_config().redis_url and self.health.is_usable():
            try:
                self.redis.incr(name, seconds)
            except Exception as error:
                self.health.failed(error)
            else:
                self.health.succeeded()

    def is_marked(self, name: str) -> bool:
        if get_config().redis_url and self.health.is_usable():
            try:
                found = self.redis.get(name) > 0
            except Exception as error:
                self.health.failed(error)
            else:
                self.health.succeeded()
                return found
        return self.memory.get(name) > 0

    def reset(self) -> None:
        """Forget every window and connection of this process (for tests)."""
        self.memory.reset()
        self.health = RedisHealth()
        self.redis_storage = None
        self.scripts.clear()


limiter = Limiter()

"""Rate limits on API keys: the per-key limit and failed attempts per IP.

With Redis, a request made with a key costs one script call that reads the
auth epoch, tests the client's failed-attempt window, takes a slot in the
key's window and counts the use. Without Redis the same decisions are made
in process memory.

The per-key limit is the key's ``rate_limit_per_minute``, else its
organization's ``key_rate_limit``, else ``TRAINWAVE_RATE_LIMIT_KEY_PER_MINUTE``,
counted over ``TRAINWAVE_RATE_LIMIT_KEY_WINDOW_SECONDS`` (60 unless a test
shortens it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from trainwave.server.config import get_config
from trainwave.server.ratelimits import metrics
from trainwave.server.ratelimits.client_address import rate_limit_identity
from trainwave.server.ratelimits.limiter import (
    ACQUIRE_FUNCTION,
    Decision,
    decide,
    limiter,
    now_seconds,
    window_key,
)

if TYPE_CHECKING:
    from trainwave.server.apikeys.cache import CachedKey

KEY_POLICY = "api_key"
FAILURE_POLICY = "key_failures"

# KEYS: auth epoch, the client's failure window, the key's window, usage
# counts, last-used stamps. ARGV: now, failure limit, failure window, key
# limit (0: no limit), key window, usage field (empty: key unknown yet), key
# ID, usage stamp. Returns {epoch, blocked, admitted, count, oldest}; blocked
# means the client is over its failed-attempt limit, and nothing was taken.
KEY_REQUEST_SCRIPT = (
    ACQUIRE_FUNCTION
    + """
local epoch = redis.call('get', KEYS[1]) or '0'
local now = tonumber(ARGV[1])
local failure_limit = tonumber(ARGV[2])
if failure_limit > 0 then
    local last = redis.call('lindex', KEYS[2], failure_limit - 1)
    if last and tonumber(last) > now - tonumber(ARGV[3]) then
        return {epoch, 1, 0, failure_limit, last}
    end
end
if ARGV[6] == '' then
    return {epoch, 0, 0, 0, ARGV[1]}
end
local admitted, count, oldest = 1, 0, ARGV[1]
local limit = tonumber(ARGV[4])
if limit > 0 then
    admitted, count, oldest = acquire(KEYS[3], now, limit, tonumber(ARGV[5]), ARGV[1])
end
redis.call('hincrby', KEYS[4], ARGV[6], 1)
redis.call('hset', KEYS[5], ARGV[7], ARGV[8])
return {epoch, 0, admitted, count, oldest}
"""
)


@dataclass(frozen=True, slots=True)
class KeyRoundTrip:
    """What the one Redis call of a key request returned."""

    epoch: int
    blocked: Decision | None
    decision: Decision | None


def key_limit(key: CachedKey) -> int:
    """Return ``key``'s limit: its own, else its organization's, else the default."""
    if key.rate_limit_per_minute:
        return key.rate_limit_per_minute
    if key.organization_rate_limit:
        return key.organization_rate_limit
    return get_config().rate_limits.key_per_minute


def client_identity(request: HttpRequest) -> str:
    return rate_limit_identity(getattr(request, "client_ip", ""))


def key_request_round_trip(
    request: HttpRequest,
    key: CachedKey | None,
    usage_field: str,
    stamp: str,
    epoch_key: str,
    counts_key: str,
    last_used_key: str,
) -> KeyRoundTrip:
    """Make the one Redis call of a key request; raises on a Redis error.

    ``key`` is None when the key is not in the process cache yet: the call
    then only reads the epoch and tests the client's failure window.
    """
    settings = get_config().rate_limits
    now = now_seconds()
    failures = settings.item(FAILURE_POLICY)
    failure_amount, failure_window = failures.amount, int(failures.get_expiry())
    identity = client_identity(request)
    failure_key = window_key(FAILURE_POLICY, failure_amount, failure_window, identity)
    amount, window = 0, settings.key_window_seconds
    key_window = failure_key
    if key is not None and settings.enabled:
        amount = key_limit(key)
        key_window = window_key(KEY_POLICY, amount, window, key.key_id)
    prefixed = limiter.redis.prefixed_key
    epoch, blocked, admitted, count, oldest = limiter.script(KEY_REQUEST_SCRIPT)(
        keys=[
            epoch_key,
            prefixed(failure_key),
            prefixed(key_window),
            counts_key,
            last_used_key,
        ],
        args=[
            repr(now),
            failure_amount if settings.enabled else 0,
            failure_window,
            amount,
            window,
            usage_field if key is not None else "",
            key.key_id if key is not None else "",
            stamp,
        ],
    )
    limiter.health.succeeded()
    if blocked:
        failure = decide(
            FAILURE_POLICY,
            failure_amount,
            failure_window,
            False,
            count,
            float(oldest),
            now,
        )
        return KeyRoundTrip(int(epoch), failure, None)
    decision = None
    if amount:
        decision = decide(
            KEY_POLICY, amount, window, bool(admitted), count, float(oldest), now
        )
    return KeyRoundTrip(int(epoch), None, decision)


def check_key_failures(request: HttpRequest) -> None:
    """Raise RateLimitExceeded if the client failed too many key attempts."""
    settings = get_config().rate_limits
    if not settings.enabled:
        return
    try:
        limiter.check(
            FAILURE_POLICY, settings.item(FAILURE_POLICY), client_identity(request)
        )
    except Exception:
        metrics.count(FAILURE_POLICY, admitted=False)
        raise


def record_key_failure(request: HttpRequest) -> None:
    """Count a rejected API key against the client's address."""
    settings = get_config().rate_limits
    if not settings.enabled:
        return
    limiter.hit(FAILURE_POLICY, settings.item(FAILURE_POLICY), client_identity(request))


def hit_key(key: CachedKey) -> Decision | None:
    """Take a slot in ``key``'s window in this process (or Redis, off the hot path)."""
    settings = get_config().rate_limits
    if not settings.enabled:
        return None
    from limits import RateLimitItemPerSecond

    item = RateLimitItemPerSecond(key_limit(key), settings.key_window_seconds)
    return limiter.hit(KEY_POLICY, item, key.key_id)


def enforce(request: HttpRequest, decision: Decision | None) -> None:
    """Attach ``decision``'s headers to the response; raise its 429 if rejected."""
    if decision is None:
        return
    request.rate_limit = decision  # type: ignore[attr-defined]
    metrics.count(decision.policy, admitted=decision.admitted)
    if not decision.admitted:
        raise decision.error()

"""Verifying an ``X-API-KEY`` header: the authenticator of the API-key scheme.

The hot path runs in this order. First, anything that is not a well-formed
key with a valid checksum is rejected without database work. Then the key is
hashed and its digest looked up in the process cache, else in the database by
its unique index, and the digests are compared in constant time. Last come
the checks of revocation, expiry, grace period, the owner's membership and
the allowed networks, and the use is counted. With Redis, the epoch check and
the usage count share one pipelined round trip.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from datetime import datetime, timedelta

from django.http import HttpRequest

from trainwave.server import clock
from trainwave.server.accounts.models import Membership
from trainwave.server.accounts.roles import effective_permissions
from trainwave.server.apikeys import tokens
from trainwave.server.apikeys.cache import EPOCH_KEY, CachedKey, verification_cache
from trainwave.server.apikeys.models import ApiKey
from trainwave.server.apikeys.usage import (
    COUNT_KEY,
    LAST_USED_KEY,
    hour_of,
    usage_recorder,
)
from trainwave.server.auth import Principal
from trainwave.server.config import get_config
from trainwave.server.errors import InvalidApiKey, NetworkNotAllowed
from trainwave.server.ratelimits.keys import KeyRoundTrip
from trainwave.server.ratelimits.limiter import Decision

logger = logging.getLogger("trainwave.apikeys")

EXPIRY_NOTICE = timedelta(days=7)
LOAD_LOCKS = [threading.Lock() for _ in range(64)]
MAX_HEADER_LENGTH = 200


def load_key(digest: bytes) -> CachedKey | None:
    """Read a key with its organization and owner, then the owner's role."""
    key = (
        ApiKey.objects.select_related("organization", "owner")
        .filter(digest=digest)
        .only(
            "id",
            "name",
            "digest",
            "permissions",
            "expires_at",
            "revoked_at",
            "grace_ends_at",
            "allowed_networks",
            "rate_limit_per_minute",
            "environment",
            "organization__id",
            "organization__slug",
            "organization__name",
            "organization__key_rate_limit",
            "owner__id",
            "owner__email",
            "owner__name",
            "owner__is_active",
        )
        .first()
    )
    if key is None or not hmac.compare_digest(bytes(key.digest), digest):
        return None
    membership = (
        Membership.objects.filter(
            user_id=key.owner_id, organization_id=key.organization_id
        )
        .values_list("role", flat=True)
        .first()
    )
    return CachedKey(
        key_id=key.id,
        name=key.name,
        digest=bytes(key.digest),
        organization_id=key.organization.id,
        organization_slug=key.organization.slug,
        organization_name=key.organization.name,
        organization_rate_limit=key.organization.key_rate_limit,
        user_id=key.owner.id,
        email=key.owner.email,
        user_name=key.owner.name,
        user_active=key.owner.is_active,
        role=membership,
        permissions=tuple(key.permissions),
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        grace_ends_at=key.grace_ends_at,
        allowed_networks=tuple(key.allowed_networks or ()),
        rate_limit_per_minute=key.rate_limit_per_minute,
        environment=key.environment,
    )


def shared_epoch_and_count(
    cached: CachedKey | None, request: HttpRequest, now: datetime
) -> KeyRoundTrip:
    """With Redis: read the auth epoch, apply rate limits, count the use.

    One script call does all of it, so the hot path costs one round trip.
    Raises the Redis client's error when Redis is unreachable.
    """
    from trainwave.server.ratelimits.keys import key_request_round_trip

    # The script counts the use in Redis, so start the thread that moves
    # those counts to the database, as record_use would.
    usage_recorder.ensure_flusher()
    usage_field = f"{cached.key_id}|{hour_of(now)}|requests" if cached else ""
    return key_request_round_trip(
        request,
        cached,
        usage_field,
        usage_stamp(request, now),
        EPOCH_KEY,
        COUNT_KEY,
        LAST_USED_KEY,
    )


def usage_stamp(request: HttpRequest, now: datetime) -> str:
    ip = getattr(request, "client_ip", "")
    agent = request.headers.get("User-Agent", "")[:256].replace("|", "/")
    return f"{now.timestamp()}|{ip}|{agent}"


def load_once(digest: bytes, epoch: int | None) -> CachedKey | None:
    """Load a key into the cache, one thread per digest at a time.

    A burst of requests with a key the process has not cached (after a start
    or an epoch bump) would otherwise open one database connection per
    server thread at once; the others wait here and read the cache instead.
    """
    with LOAD_LOCKS[digest[0] % len(LOAD_LOCKS)]:
        hit, cached = verification_cache.get(digest)
        if hit:
            return cached
        fresh = load_key(digest)
        verification_cache.put(digest, fresh, epoch)
        return fresh


def lookup(
    digest: bytes, request: HttpRequest, now: datetime
) -> tuple[CachedKey | None, Decision | None, bool]:
    """Return the key for ``digest``, its rate-limit decision, and whether
    both the decision and the use are already settled (None: not yet).

    Raises RateLimitExceeded when the client failed too many key attempts.
    """
    from trainwave.server.ratelimits.keys import check_key_failures, enforce
    from trainwave.server.ratelimits.limiter import limiter

    hit, cached = verification_cache.get(digest)
    if get_config().redis_url and limiter.uses_redis():
        try:
            trip = shared_epoch_and_count(cached if hit else None, request, now)
        except Exception as error:
            limiter.redis_failed(error)
            # Redis is down: the cache can no longer learn of revocations made
            # by other processes, so read the database every time.
            verification_cache.clear()
            check_key_failures(request)
            return load_key(digest), None, False
        if trip.blocked is not None:
            enforce(request, trip.blocked)
        counted = hit and cached is not None
        verification_cache.sync_epoch(trip.epoch)
        still_cached, cached = verification_cache.get(digest)
        if still_cached:
            return cached, trip.decision, counted
        return load_once(digest, trip.epoch), trip.decision, counted
    if get_config().redis_url:
        verification_cache.clear()
        check_key_failures(request)
        return load_key(digest), None, False
    if hit:
        return cached, None, False
    return load_once(digest, verification_cache.epoch), None, False


def is_network_allowed(ip: str, networks: tuple[str, ...]) -> bool:
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for network in networks:
        parsed = ipaddress.ip_network(network, strict=False)
        if address.version == parsed.version and address in parsed:
            return True
    return False


def reject(
    request: HttpRequest,
    reason: str,
    key_id: str | None = None,
    message: str | None = None,
) -> InvalidApiKey:
    """Build the 401 for a bad key; the reason and key ID go to the log only."""
    from trainwave.server.ratelimits.keys import record_key_failure

    record_key_failure(request)
    error = InvalidApiKey(message)
    error.log_fields = {"reason": reason, "key_id": key_id}
    return error


def authenticate_api_key(request: HttpRequest, presented: str) -> Principal:
    """Return the principal for an ``X-API-KEY`` value, or raise InvalidApiKey.

    Malformed, unknown, revoked and expired keys all raise ``invalid_api_key``.
    The message mentions "revoked" or "expired" only when the presented secret
    matched a stored key, so it reveals nothing about keys the caller does not
    hold. A key used from outside its allowed networks raises NetworkNotAllowed.
    """
    from trainwave.server.ratelimits.keys import check_key_failures, enforce

    shared = bool(get_config().redis_url)
    if not shared:
        check_key_failures(request)
    # No trimming: HTTP servers already drop surrounding spaces, so whitespace
    # left in the value was sent on purpose and the key is not well formed.
    candidate = presented if len(presented) <= MAX_HEADER_LENGTH else ""
    if not tokens.is_well_formed(candidate):
        if shared:
            check_key_failures(request)
        raise reject(request, "malformed")
    now = clock.now()
    key, decision, counted = lookup(tokens.digest_of(candidate), request, now)
    if key is None:
        raise reject(request, "unknown")
    check_lifecycle(request, key, now)
    if not key.user_active or key.role is None:
        raise reject(request, "owner_inactive", key.key_id)
    client_ip = getattr(request, "client_ip", "")
    if not is_network_allowed(client_ip, key.allowed_networks):
        error = NetworkNotAllowed()
        error.log_fields = {"reason": "network", "key_id": key.key_id}
        raise error
    if not counted:
        decision = count_use(request, key, now)
    request.api_key = key  # type: ignore[attr-defined]
    enforce(request, decision)
    return Principal(
        method="api_key",
        user_id=key.user_id,
        email=key.email,
        organization_id=key.organization_id,
        organization_slug=key.organization_slug,
        role=key.role,
        permissions=effective_permissions(key.role, key.permissions),
        key_id=key.key_id,
        key_name=key.name,
        key_expires_at=key.expires_at,
        key_grace_ends_at=key.grace_ends_at,
        extra={
            "organization_name": key.organization_name,
            "user_name": key.user_name,
            # What a key may pass on to keys it creates or edits.
            "key_environment": key.environment,
            "key_allowed_networks": key.allowed_networks,
            "key_rate_limit": key.rate_limit_per_minute,
        },
    )


def count_use(request: HttpRequest, key: CachedKey, now: datetime) -> Decision | None:
    """Take the key's rate-limit slot and count its use, off the one-trip path.

    With Redis this is one more script call, made when the key was not in the
    process cache; without Redis both happen in memory.
    """
    from trainwave.server.ratelimits.keys import hit_key
    from trainwave.server.ratelimits.limiter import limiter

    if get_config().redis_url and limiter.uses_redis():
        try:
            trip = shared_epoch_and_count(key, request, now)
        except Exception as error:
            limiter.redis_failed(error)
        else:
            return trip.decision
    client_ip = getattr(request, "client_ip", "")
    agent = request.headers.get("User-Agent", "")
    usage_recorder.record_use(key.key_id, now, client_ip, agent)
    return hit_key(key)


def check_lifecycle(request: HttpRequest, key: CachedKey, now: datetime) -> None:
    if key.revoked_at is not None and key.revoked_at <= now:
        note_stale_use(request, key, "api_key.revoked_used")
        raise reject(request, "revoked", key.key_id, "This API key has been revoked.")
    ends = [
        moment for moment in (key.expires_at, key.grace_ends_at) if moment is not None
    ]
    if ends and min(ends) <= now:
        note_stale_use(request, key, "api_key.expired_used")
        raise reject(request, "expired", key.key_id, "This API key has expired.")


def note_stale_use(request: HttpRequest, key: CachedKey, action: str) -> None:
    from trainwave.server.audit.events import record_event

    try:
        record_event(
            request,
            action,
            outcome="failure",
            organization_id=key.organization_id,
            actor_user_id=key.user_id,
            actor_email=key.email,
            actor_key_id=key.key_id,
            target_type="api_key",
            target_id=key.key_id,
        )
    except Exception:
        logger.exception("could not record %s for %s", action, key.key_id)


def key_notice_headers(principal: Principal, now: datetime) -> dict[str, str]:
    """Return headers warning that the request's key stops working soon.

    ``Sunset`` (RFC 8594) carries the moment; ``X-API-Key-Status`` names the reason:
    ``grace`` for a rotated key in its grace period, ``expiring`` for a key
    within seven days of its expiry.
    """
    from django.utils.http import http_date

    if principal.key_grace_ends_at is not None:
        return {
            "X-API-Key-Status": "grace",
            "Sunset": http_date(principal.key_grace_ends_at.timestamp()),
            "X-API-Key-Grace-Ends-At": principal.key_grace_ends_at.isoformat(),
        }
    expires_at = principal.key_expires_at
    if expires_at is not None and expires_at - now <= EXPIRY_NOTICE:
        return {
            "X-API-Key-Status": "expiring",
            "Sunset": http_date(expires_at.timestamp()),
            "X-API-Key-Expires-At": expires_at.isoformat(),
        }
    return {}

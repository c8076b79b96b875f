"""The in-process cache of key verifications, and how it is kept honest.

Verifying a key costs a database query. Each process therefore keeps recent
results (known keys and unknown digests alike, so both cost the same) in a
bounded LRU. The cache may never let a revoked key, a removed member or a
demoted role through, so every change that affects a credential bumps an
*auth epoch*:

* with Redis, the epoch is a counter in Redis that every process reads on
  every request (inside the one round trip it makes anyway); a process that
  reads a new value empties its cache first;
* without Redis there is one process, and the bump empties its cache directly.

Changes are caught with model signals after the transaction commits, so the
next request after a revoke, from any process, reads the database again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from trainwave.server.config import get_config

logger = logging.getLogger("trainwave.apikeys")

EPOCH_KEY = "tw:auth-epoch"
MAX_ENTRIES = 10_000
# A bound on staleness should an epoch bump itself fail to reach Redis.
ENTRY_TTL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class CachedKey:
    """The fields of a key and its owner that verification needs, without the secret."""

    key_id: str
    name: str
    digest: bytes
    organization_id: str
    organization_slug: str
    organization_name: str
    organization_rate_limit: int | None
    user_id: str
    email: str
    user_name: str
    user_active: bool
    role: str | None
    permissions: tuple[str, ...]
    expires_at: datetime | None
    revoked_at: datetime | None
    grace_ends_at: datetime | None
    allowed_networks: tuple[str, ...]
    rate_limit_per_minute: int | None
    environment: str = "live"

    def __repr__(self) -> str:
        return f"CachedKey({self.key_id})"


class VerificationCache:
    """A thread-safe LRU from key digest to ``CachedKey`` or ``None`` (unknown)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[bytes, tuple[float, CachedKey | None]] = OrderedDict()
        self.lock = threading.Lock()
        self.epoch: int | None = None

    def get(self, digest: bytes) -> tuple[bool, CachedKey | None]:
        with self.lock:
            entry = self.entries.get(digest)
            if entry is None:
                return False, None
            stored_at, value = entry
            if time.monotonic() - stored_at > ENTRY_TTL_SECONDS:
                del self.entries[digest]
                return False, None
            self.entries.move_to_end(digest)
            return True, value

    def put(self, digest: bytes, value: CachedKey | None, epoch: int | None) -> None:
        with self.lock:
            # A result read under an older epoch could predate a revoke.
            if epoch != self.epoch:
                return
            self.entries[digest] = (time.monotonic(), value)
            self.entries.move_to_end(digest)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def sync_epoch(self, epoch: int | None) -> None:
        """Empty the cache if the shared epoch moved since it was filled."""
        with self.lock:
            if epoch != self.epoch:
                self.entries.clear()
                self.epoch = epoch

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


verification_cache = VerificationCache()


def bump_epoch() -> None:
    """Invalidate every process's cache of key verifications."""
    verification_cache.clear()
    if not get_config().redis_url:
        return
    from trainwave.server.redis_client import get_redis

    try:
        get_redis().incr(EPOCH_KEY)
    except Exception as error:
        # Other processes may trust their entries for up to ENTRY_TTL_SECONDS.
        logger.error("auth epoch bump failed: %s", type(error).__name__)


def bump_epoch_after_commit(**kwargs: Any) -> None:
    """Bump the epoch now for this process and again, everywhere, on commit.

    The second bump matters: a request served between the change and the
    commit could have cached the old state again.
    """
    verification_cache.clear()
    transaction.on_commit(bump_epoch)


def forget_user_keys(user_id: str) -> None:
    """Invalidate cached verifications after a change to ``user_id``'s access."""
    bump_epoch_after_commit()

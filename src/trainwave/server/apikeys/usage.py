"""Usage counting without a database write per request.

Each request made with a key adds one to that key's count for the current
UTC hour and records when, from where and with which user agent it was last
used. Error responses add to the 4xx or 5xx count. These go to a buffer, in
process memory in the embedded default or in Redis when ``REDIS_URL`` is set,
and a flusher moves them to the database every
``TRAINWAVE_USAGE_FLUSH_SECONDS`` (5 by default) with additive upserts.
Additive means several processes can flush at once without losing counts,
and touching only the usage columns means a flush never undoes a revoke made
in between.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, connection, transaction

from trainwave.server.config import get_config
from trainwave.server.metrics import observe_flush_lag

logger = logging.getLogger("trainwave.apikeys.usage")

COUNT_KEY = "tw:usage:counts"
LAST_USED_KEY = "tw:usage:last-used"
FIELDS = ("requests", "errors_4xx", "errors_5xx")

# Takes every buffered count at once, so two flushers never see the same one.
TAKE_ALL_SCRIPT = """
local counts = redis.call('HGETALL', KEYS[1])
local last = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return {counts, last}
"""

Counts = dict[tuple[str, str, str], int]
LastUsed = dict[str, tuple[float, str, str]]


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def outcome_field(status: int) -> str | None:
    if 400 <= status < 500:
        return "errors_4xx"
    if status >= 500:
        return "errors_5xx"
    return None


class MemoryBuffer:
    """Usage buffered in this process; the embedded default."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counts = defaultdict(int)
        self.last_used: LastUsed = {}

    def add(self, key_id: str, hour: str, field: str, amount: int = 1) -> None:
        with self.lock:
            self.counts[(key_id, hour, field)] += amount

    def touch(self, key_id: str, timestamp: float, ip: str, user_agent: str) -> None:
        with self.lock:
            previous = self.last_used.get(key_id)
            if previous is None or previous[0] <= timestamp:
                self.last_used[key_id] = (timestamp, ip, user_agent)

    def take(self) -> tuple[Counts, LastUsed]:
        with self.lock:
            counts, self.counts = dict(self.counts), defaultdict(int)
            last_used, self.last_used = self.last_used, {}
        return counts, last_used

    def give_back(self, counts: Counts, last_used: LastUsed) -> None:
        for (key_id, hour, field), amount in counts.items():
            self.add(key_id, hour, field, amount)
        for key_id, (timestamp, ip, user_agent) in last_used.items():
            self.touch(key_id, timestamp, ip, user_agent)


class RedisBuffer:
    """Usage buffered in Redis, shared by every process and host."""

    def add(self, key_id: str, hour: str, field: str, amount: int = 1) -> None:
        from trainwave.server.redis_client import get_redis

        get_redis().hincrby(COUNT_KEY, f"{key_id}|{hour}|{field}", amount)

    def touch(self, key_id: str, timestamp: float, ip: str, user_agent: str) -> None:
        from trainwave.server.redis_client import get_redis

        get_redis().hset(LAST_USED_KEY, key_id, f"{timestamp}|{ip}|{user_agent}")

    def take(self) -> tuple[Counts, LastUsed]:
        from trainwave.server.redis_client import get_redis

        raw_counts, raw_last = get_redis().eval(
            TAKE_ALL_SCRIPT, 2, COUNT_KEY, LAST_USED_KEY
        )
        counts: Counts = {}
        for field, amount in pairs(raw_counts):
            key_id, hour, name = field.decode().split("|", 2)
            counts[(key_id, hour, name)] = int(amount)
        last_used: LastUsed = {}
        for key_id, value in pairs(raw_last):
            timestamp, ip, user_agent = value.decode().split("|", 2)
            last_used[key_id.decode()] = (float(timestamp), ip, user_agent)
        return counts, last_used

    def give_back(self, counts: Counts, last_used: LastUsed) -> None:
        from trainwave.server.redis_client import get_redis

        pipe = get_redis().pipeline(transaction=False)
        for (key_id, hour, field), amount in counts.items():
            pipe.hincrby(COUNT_KEY, f"{key_id}|{hour}|{field}", amount)
        for key_id, (timestamp, ip, user_agent) in last_used.items():
            pipe.hsetnx(LAST_USED_KEY, key_id, f"{timestamp}|{ip}|{user_agent}")
        pipe.execute()


def pairs(flat: list[Any]) -> list[tuple[Any, Any]]:
    return list(zip(flat[0::2], flat[1::2], strict=True))


def write_counts(counts: Counts, last_used: LastUsed) -> None:
    """Add ``counts`` to the usage table and advance last-used columns."""
    rows: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(FIELDS, 0)
    )
    for (key_id, hour, field), amount in counts.items():
        if field in FIELDS:
            rows[(key_id, hour)][field] += amount
    with transaction.atomic(), connection.cursor() as cursor:
        for (key_id, hour), values in rows.items():
            hour_start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            # Rows of keys deleted meanwhile are skipped by the SELECT ... WHERE.
            cursor.execute(
                "INSERT INTO apikeys_keyusage "
                "(key_id, hour, requests, errors_4xx, errors_5xx) "
                "SELECT id, %s, %s, %s, %s FROM apikeys_apikey WHERE id = %s "
                "ON CONFLICT (key_id, hour) DO UPDATE SET "
                "requests = apikeys_keyusage.requests + excluded.requests, "
                "errors_4xx = apikeys_keyusage.errors_4xx + excluded.errors_4xx, "
                "errors_5xx = apikeys_keyusage.errors_5xx + excluded.errors_5xx",
                [
                    hour_start,
                    values["requests"],
                    values["errors_4xx"],
                    values["errors_5xx"],
                    key_id,
                ],
            )
        for key_id, (timestamp, ip, user_agent) in last_used.items():
            used_at = datetime.fromtimestamp(timestamp, UTC)
            cursor.execute(
                "UPDATE apikeys_apikey SET last_used_at = %s, last_used_ip = %s, "
                "last_used_user_agent = %s "
                "WHERE id = %s AND (last_used_at IS NULL OR last_used_at < %s)",
                [used_at, ip or None, user_agent[:256], key_id, used_at],
            )


class UsageRecorder:
    """Records key usage into the configured buffer and flushes it."""

    def __init__(self) -> None:
        self.memory = MemoryBuffer()
        self.flusher: threading.Thread | None = None
        self.stopping = threading.Event()
        self.start_lock = threading.Lock()
        # Tests turn this off and call flush() themselves.
        self.autoflush = True
        self.last_success = time.monotonic()
        self.failed = False

    @property
    def buffer(self) -> MemoryBuffer | RedisBuffer:
        return RedisBuffer() if get_config().redis_url else self.memory

    def record_use(
        self, key_id: str, moment: datetime, ip: str, user_agent: str
    ) -> None:
        """Count one request made with ``key_id``.

        A failing buffer (Redis down) falls back to process memory.
        """
        self.ensure_flusher()
        try:
            buffer = self.buffer
            buffer.add(key_id, hour_of(moment), "requests")
            buffer.touch(key_id, moment.timestamp(), ip, user_agent)
        except Exception as error:
            # A failed count must not fail the request, so keep it in memory.
            logger.warning(
                "usage buffer unavailable, counting in memory: %s", type(error).__name__
            )
            self.memory.add(key_id, hour_of(moment), "requests")
            self.memory.touch(key_id, moment.timestamp(), ip, user_agent)

    def record_outcome(self, key_id: str, moment: datetime, status: int) -> None:
        """Count an error response to a request made with ``key_id``."""
        field = outcome_field(status)
        if field is None:
            return
        try:
            self.buffer.add(key_id, hour_of(moment), field)
        except Exception:
            self.memory.add(key_id, hour_of(moment), field)

    def flush(self) -> int:
        """Move buffered usage to the database; return how many counts moved.

        On a database failure the counts go back into the buffer, so they are
        written by a later flush instead of being lost.
        """
        self.failed = False
        total = self.flush_buffer(self.memory)
        if get_config().redis_url:
            total += self.flush_buffer(RedisBuffer())
        # The lag grows while flushes fail, so a stuck flusher shows up in
        # the metrics before the counts are missed.
        now = time.monotonic()
        observe_flush_lag(now - self.last_success)
        if not self.failed:
            self.last_success = now
        return total

    def flush_buffer(self, buffer: MemoryBuffer | RedisBuffer) -> int:
        try:
            counts, last_used = buffer.take()
        except Exception as error:
            logger.warning("usage buffer unreadable: %s", type(error).__name__)
            return 0
        if not counts and not last_used:
            return 0
        try:
            write_counts(counts, last_used)
        except DatabaseError as error:
            logger.error(
                "usage flush failed, will retry: %s: %s",
                type(error).__name__,
                str(error).strip()[:200],
            )
            self.failed = True
            try:
                buffer.give_back(counts, last_used)
            except Exception:
                self.memory.give_back(counts, last_used)
            return 0
        return sum(counts.values())

    def ensure_flusher(self) -> None:
        if not self.autoflush:
            return
        if self.flusher is not None and self.flusher.is_alive():
            return
        with self.start_lock:
            if self.flusher is not None and self.flusher.is_alive():
                return
            self.flusher = threading.Thread(
                target=self.run_flusher, name="trainwave-usage-flush", daemon=True
            )
            self.flusher.start()
            atexit.register(self.stop)

    def run_flusher(self) -> None:
        while not self.stopping.wait(get_config().usage_flush_seconds):
            self.flush_safely()
        self.flush_safely()

    def flush_safely(self) -> None:
        try:
            self.flush()
        except Exception:
            logger.exception("usage flush failed")
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        if self.flusher is not None:
            self.flusher.join(timeout=10)


usage_recorder = UsageRecorder()

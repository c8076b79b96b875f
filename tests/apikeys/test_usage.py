"""Usage counting: buffered, flushed additively, never undoing a revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, data_of
from trainwave.server.apikeys.models import ApiKey, KeyUsage
from trainwave.server.apikeys.usage import (
    MemoryBuffer,
    UsageRecorder,
    usage_recorder,
    write_counts,
)

TEST = "/api/v1/auth/test/"
KEYS = "/api/v1/auth/keys/"


def test_usage_counts_requests_and_errors(issue, client: ApiClient) -> None:
    key = issue("k", permissions=["jobs:read"])
    for _ in range(3):
        client.get(TEST, **with_key(key["secret"]), HTTP_USER_AGENT="trainer/1.0")
    client.get("/api/v1/audit-events/", **with_key(key["secret"]))

    usage_recorder.flush()

    row = KeyUsage.objects.get(key_id=key["id"])
    assert row.requests == 4
    assert row.errors_4xx == 1
    assert row.errors_5xx == 0


def test_usage_endpoint_reports_days(
    issue, logged_in: ApiClient, client: ApiClient
) -> None:
    key = issue("k")
    client.get(TEST, **with_key(key["secret"]), HTTP_USER_AGENT="trainer/1.0")
    usage_recorder.flush()

    data = data_of(logged_in.get(f"{KEYS}{key['id']}/usage/?days=7"))

    assert len(data["daily"]) == 7
    assert data["daily"][-1]["requests"] == 1
    assert data["total_requests"] == 1
    assert data["last_used_ip"] == "127.0.0.1"
    assert data["last_used_user_agent"] == "trainer/1.0"


def test_last_used_shown_on_key(issue, logged_in: ApiClient, client: ApiClient) -> None:
    key = issue("k")
    client.get(TEST, **with_key(key["secret"]))
    usage_recorder.flush()

    detail = data_of(logged_in.get(f"{KEYS}{key['id']}/"))

    assert detail["last_used_at"] is not None
    assert detail["last_used_ip"] == "127.0.0.1"


def test_flush_never_undoes_revoke(
    issue, logged_in: ApiClient, client: ApiClient
) -> None:
    key = issue("k")
    client.get(TEST, **with_key(key["secret"]))
    logged_in.send("POST", f"{KEYS}{key['id']}/revoke/")

    usage_recorder.flush()

    assert ApiKey.objects.get(id=key["id"]).revoked_at is not None


def test_two_processes_flush_without_losing_counts(issue, clock) -> None:
    key = issue("k")
    first, second = UsageRecorder(), UsageRecorder()
    for recorder, amount in ((first, 5), (second, 7)):
        recorder.autoflush = False
        for _ in range(amount):
            recorder.record_use(key["id"], clock(), "10.0.0.1", "agent")

    first.flush()
    second.flush()

    assert KeyUsage.objects.get(key_id=key["id"]).requests == 12


def test_older_last_used_never_overwrites_newer(issue, clock) -> None:
    key = issue("k")
    newer = MemoryBuffer()
    older = MemoryBuffer()
    newer.touch(key["id"], clock().timestamp(), "10.0.0.2", "new")
    older.touch(
        key["id"], (clock() - timedelta(minutes=5)).timestamp(), "10.0.0.1", "old"
    )

    write_counts(*newer.take())
    write_counts(*older.take())

    assert ApiKey.objects.get(id=key["id"]).last_used_ip == "10.0.0.2"


def test_failed_flush_keeps_counts(issue, clock, monkeypatch) -> None:
    from django.db import OperationalError

    key = issue("k")
    recorder = UsageRecorder()
    recorder.autoflush = False
    recorder.record_use(key["id"], clock(), "10.0.0.1", "agent")

    def database_down(*args: object) -> None:
        raise OperationalError("down")

    monkeypatch.setattr("trainwave.server.apikeys.usage.write_counts", database_down)
    assert recorder.flush() == 0
    monkeypatch.undo()
    recorder.flush()

    assert KeyUsage.objects.get(key_id=key["id"]).requests == 1


@pytest.mark.django_db(transaction=True)
def test_redis_buffer_counts_and_flushes(owner, redis_backend) -> None:
    from tests.conftest import ApiClient as Fresh

    session = Fresh()
    session.login_as(owner)
    key = data_of(session.send("POST", KEYS, {"name": "k"}), 201)
    caller = Fresh()
    for _ in range(3):
        data_of(caller.get(TEST, **with_key(key["secret"])))

    pending = redis_backend.hgetall("tw:usage:counts")
    usage_recorder.flush()

    # Only this key's fields: another process may share the Redis database.
    mine = {f: v for f, v in pending.items() if f.decode().startswith(key["id"])}
    assert sum(int(v) for v in mine.values()) == 3
    assert KeyUsage.objects.get(key_id=key["id"]).requests == 3
    remaining = redis_backend.hkeys("tw:usage:counts")
    assert not [f for f in remaining if f.decode().startswith(key["id"])]

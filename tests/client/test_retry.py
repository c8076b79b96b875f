"""Retries against a real HTTP stub: which requests retry, how long they wait."""

from __future__ import annotations

import asyncio
import logging
import random
import time

import pytest

from tests.client.stub import Reply, StubServer, error_reply
from trainwave.client import (
    APIConnectionError,
    AsyncClient,
    Client,
    RateLimitExceeded,
    RetryPolicy,
    ServiceUnavailable,
)
from trainwave.client.core import parse_retry_after

KEY = "tw_live_" + "R" * 36
FAST = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05)
JOB = {"success": True, "data": {"id": "job_1", "name": "n", "status": "queued"}}
PAGE = {"success": True, "data": [], "pagination": {"next_cursor": None}}


def client_for(stub: StubServer, retry: RetryPolicy = FAST) -> Client:
    return Client(api_key=KEY, base_url=stub.url, retry=retry)


def test_503_waits_retry_after(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "1"}), Reply(200, PAGE)
    )
    started = time.monotonic()

    jobs = list(client_for(stub).jobs.list())

    assert jobs == []
    assert len(stub.requests) == 2
    assert time.monotonic() - started >= 1.0


def test_429_then_success(stub: StubServer) -> None:
    stub.script(
        error_reply(429, "rate_limit_exceeded", {"Retry-After": "0"}), Reply(200, PAGE)
    )

    list(client_for(stub).jobs.list())

    assert len(stub.requests) == 2


def test_429_exhausts_max_retries(stub: StubServer) -> None:
    limited = error_reply(429, "rate_limit_exceeded", {"Retry-After": "0"})
    stub.script(*[limited] * 5)

    with pytest.raises(RateLimitExceeded) as raised:
        list(client_for(stub).jobs.list())

    assert len(stub.requests) == FAST.max_retries + 1
    assert raised.value.retry_after == 0
    assert raised.value.request_id == "req_stub"


def test_long_retry_after_raised_at_once(stub: StubServer) -> None:
    stub.script(error_reply(429, "rate_limit_exceeded", {"Retry-After": "3600"}))

    with pytest.raises(RateLimitExceeded) as raised:
        client_for(stub).keys.get("key_1")

    assert raised.value.retry_after == 3600
    assert len(stub.requests) == 1


def test_zero_max_retries_never_retries(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "0"}), Reply(200, PAGE)
    )

    with pytest.raises(ServiceUnavailable):
        client_for(stub, RetryPolicy(max_retries=0)).keys.get("key_1")

    assert len(stub.requests) == 1


def test_post_without_idempotency_key_not_retried(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "0"}), Reply(200)
    )

    with pytest.raises(ServiceUnavailable):
        client_for(stub).keys.revoke("key_1")

    assert len(stub.requests) == 1


def test_job_create_retries_same_key(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "0"}), Reply(201, JOB)
    )

    job = client_for(stub).jobs.create("n", image="i", gpu_type="a100")

    first, second = stub.requests
    assert job.id == "job_1"
    assert first.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_connection_error_retried_for_get(stub: StubServer) -> None:
    stub.script(None, Reply(200, PAGE))

    list(client_for(stub).jobs.list())

    assert len(stub.requests) == 2


def test_connection_error_not_retried_for_post(stub: StubServer) -> None:
    stub.script(None, Reply(200))

    with pytest.raises(APIConnectionError):
        client_for(stub).keys.revoke("key_1")

    assert len(stub.requests) == 1


def test_unreachable_server_names_url() -> None:
    client = Client(api_key=KEY, base_url="http://127.0.0.1:9", retry=RetryPolicy(0))

    with pytest.raises(APIConnectionError) as raised:
        client.auth_test()

    assert "http://127.0.0.1:9/api/v1/auth/test/" in str(raised.value)
    assert "TRAINWAVE_API_URL" in str(raised.value)


def test_retry_logged_without_key(
    stub: StubServer, caplog: pytest.LogCaptureFixture
) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "0"}), Reply(200, PAGE)
    )
    caplog.set_level(logging.DEBUG)

    list(client_for(stub).jobs.list())

    assert "retry 1 of 3" in caplog.text
    assert KEY not in caplog.text


def test_async_503_waits_retry_after(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "1"}), Reply(200, JOB)
    )

    async def fetch() -> str:
        async with AsyncClient(api_key=KEY, base_url=stub.url, retry=FAST) as client:
            return (await client.jobs.get("job_1")).id

    started = time.monotonic()
    job_id = asyncio.run(fetch())

    assert job_id == "job_1"
    assert len(stub.requests) == 2
    assert time.monotonic() - started >= 1.0


def test_async_post_not_retried(stub: StubServer) -> None:
    stub.script(
        error_reply(503, "service_unavailable", {"Retry-After": "0"}), Reply(200)
    )

    async def revoke() -> None:
        async with AsyncClient(api_key=KEY, base_url=stub.url, retry=FAST) as client:
            await client.keys.revoke("key_1")

    with pytest.raises(ServiceUnavailable):
        asyncio.run(revoke())

    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(0, 0.5), (1, 1.0), (3, 4.0), (10, 30.0)],
    ids=["first", "second", "fourth", "capped"],
)
def test_backoff_within_ceiling(attempt: int, ceiling: float) -> None:
    policy = RetryPolicy()
    rng = random.Random(7)  # noqa: S311 - seeded jitter, not security

    delays = [policy.delay(attempt, None, rng) for _ in range(200)]

    assert max(delays) <= ceiling
    assert min(delays) >= 0
    assert len(set(delays)) > 100


def test_backoff_never_before_retry_after() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)  # noqa: S311 - seeded jitter, not security

    delays = [policy.delay(0, 2.0, rng) for _ in range(200)]

    assert min(delays) >= 2.0
    assert max(delays) <= 2.0 + policy.backoff_base


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None)],
    ids=["seconds", "zero", "negative", "garbage", "absent"],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date() -> None:
    from email.utils import formatdate

    seconds = parse_retry_after(formatdate(time.time() + 30, usegmt=True))

    assert seconds is not None
    assert 28 <= seconds <= 30

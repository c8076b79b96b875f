"""Limits shared through Redis, and what happens when Redis goes away."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ApiClient, MovableClock, assert_error, data_of, with_key
from tests.ratelimits.conftest import RedisServer
from trainwave.server.apikeys.cache import verification_cache
from trainwave.server.ratelimits.limiter import limiter

AUTH_TEST = "/api/v1/auth/test/"


@pytest.fixture
def issue(logged_in: ApiClient) -> Callable[..., dict[str, Any]]:
    def create(name: str = "ci", **fields: Any) -> dict[str, Any]:
        response = logged_in.send(
            "POST", "/api/v1/auth/keys/", {"name": name, **fields}
        )
        return data_of(response, 201)

    return create


def as_new_process() -> None:
    """Drop this process's memory, as a second server process would start."""
    limiter.memory.reset()
    verification_cache.clear()


def statuses(client: ApiClient, secret: str, times: int) -> list[int]:
    return [client.get(AUTH_TEST, **with_key(secret)).status_code for _ in range(times)]


def test_key_limit_shared_between_processes(
    client: ApiClient, issue: Callable[..., Any], shared_redis: RedisServer
) -> None:
    key = issue(rate_limit_per_minute=3)
    statuses(client, key["secret"], 2)
    as_new_process()

    assert statuses(client, key["secret"], 2) == [200, 429]


def test_cached_key_costs_one_round_trip(
    client: ApiClient, issue: Callable[..., Any], shared_redis: RedisServer
) -> None:
    key = issue(rate_limit_per_minute=50)
    client.get(AUTH_TEST, **with_key(key["secret"]))
    monitor = CommandCounter(shared_redis)

    with monitor:
        client.get(AUTH_TEST, **with_key(key["secret"]))

    assert monitor.commands == ["EVALSHA"]


def test_failures_shared_between_processes(
    client: ApiClient, configure: Callable[..., None], shared_redis: RedisServer
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_FAILURES="2/minute")
    statuses(client, "tw_live_" + "b" * 40, 2)
    as_new_process()

    response = client.get(AUTH_TEST, **with_key("tw_live_" + "c" * 40))

    assert_error(response, 429, "rate_limit_exceeded")


def test_login_limit_shared(
    client: ApiClient, configure: Callable[..., None], shared_redis: RedisServer
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_LOGIN_IP="1/hour")
    body = {"email": "x@example.com", "password": "wrong password!"}
    client.send("POST", "/auth/v1/login/", body)
    as_new_process()

    response = client.send("POST", "/auth/v1/login/", body)

    assert_error(response, 429, "rate_limit_exceeded")


def test_redis_window_moves(
    client: ApiClient,
    issue: Callable[..., Any],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
) -> None:
    key = issue(rate_limit_per_minute=2)
    statuses(client, key["secret"], 1)
    limit_clock.advance(seconds=40)
    statuses(client, key["secret"], 1)
    limit_clock.advance(seconds=30)

    assert statuses(client, key["secret"], 2) == [200, 429]


def test_outage_falls_back_to_memory(
    client: ApiClient,
    issue: Callable[..., Any],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
) -> None:
    key = issue(rate_limit_per_minute=2)
    shared_redis.stop()

    assert statuses(client, key["secret"], 3) == [200, 200, 429]


def test_outage_logged_once(
    client: ApiClient,
    issue: Callable[..., Any],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = issue(rate_limit_per_minute=100)
    shared_redis.stop()

    statuses(client, key["secret"], 5)

    errors = [
        r
        for r in caplog.records
        if r.name == "trainwave.ratelimits" and r.levelno >= 40
    ]
    assert len(errors) == 1
    assert "Redis is unreachable" in errors[0].getMessage()


def test_recovery_resumes_shared_limits(
    client: ApiClient,
    issue: Callable[..., Any],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
) -> None:
    key = issue(rate_limit_per_minute=2)
    shared_redis.stop()
    statuses(client, key["secret"], 1)
    shared_redis.start()
    statuses(client, key["secret"], 2)
    as_new_process()

    assert statuses(client, key["secret"], 1) == [429]


def test_fail_closed_gives_503(
    client: ApiClient,
    issue: Callable[..., Any],
    configure: Callable[..., None],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_FAIL_CLOSED="true")
    key = issue()
    shared_redis.stop()

    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert_error(response, 503, "service_unavailable")


@pytest.mark.parametrize(
    ("path", "method"),
    [("/auth/csrf/", "GET"), ("/auth/v1/login/", "POST"), ("/api/v1/jobs/", "GET")],
    ids=["csrf", "login", "jobs"],
)
def test_fail_closed_anonymous_503(
    client: ApiClient,
    configure: Callable[..., None],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
    path: str,
    method: str,
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_FAIL_CLOSED="true")
    client.csrf_token()
    shared_redis.stop()

    response = client.send(method, path, {"email": "a@example.com", "password": "x"})

    assert_error(response, 503, "service_unavailable")


def test_fail_closed_recovers(
    client: ApiClient,
    issue: Callable[..., Any],
    configure: Callable[..., None],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_FAIL_CLOSED="true")
    key = issue()
    shared_redis.stop()
    client.get(AUTH_TEST, **with_key(key["secret"]))
    shared_redis.start()

    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert response.status_code == 200


class CommandCounter:
    """Records the commands Redis receives while the block runs (MONITOR)."""

    def __init__(self, server: RedisServer) -> None:
        import redis

        self.connection = redis.Redis.from_url(server.url)
        self.commands: list[str] = []

    def __enter__(self) -> CommandCounter:
        self.monitor = self.connection.monitor()
        self.stream = self.monitor.__enter__()
        # MONITOR replies OK before it starts streaming.
        return self

    def __exit__(self, *exc: Any) -> None:
        self.connection.set("tw:test:monitor-end", "1")
        for event in self.stream.listen():
            if event["command"].startswith("SET tw:test:monitor-end"):
                break
            if event.get("client_type") == "lua":
                continue  # run inside a script, not a round trip of its own
            self.commands.append(event["command"].split()[0].upper())
        self.monitor.__exit__(*exc)


def test_outage_never_500(
    client: ApiClient,
    issue: Callable[..., Any],
    shared_redis: RedisServer,
    limit_clock: MovableClock,
    logged_in: ApiClient,
) -> None:
    key = issue()
    shared_redis.stop()

    codes = {
        client.get(AUTH_TEST, **with_key(key["secret"])).status_code,
        client.get(AUTH_TEST, **with_key("garbage")).status_code,
        client.get("/auth/csrf/").status_code,
        logged_in.get("/api/v1/jobs/").status_code,
    }

    assert codes == {200, 401}


def test_outage_logs_at_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    limiter.health.failed(ConnectionError("refused"))

    assert caplog.records[-1].levelno == logging.ERROR

"""Two server processes on PostgreSQL and Redis behave as one service.

These start the real ``wave server`` twice, as two hosts behind a load
balancer would run it, and check that a revoke made through one is honoured
by the other on the very next request, and that usage counted by both adds up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.live import (
    LiveServer,
    drop_postgres_database,
    postgres_database,
    production_env,
    redis_url,
)

pytestmark = pytest.mark.live

EMAIL = "ops@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, LiveServer]]:
    import redis

    database = postgres_database("pair")
    shared = redis_url()
    connection = redis.Redis.from_url(shared)
    for name in connection.scan_iter("tw:*"):
        connection.delete(name)
    env = {**production_env(database, shared), "TRAINWAVE_USAGE_FLUSH_SECONDS": "0.3"}
    first = LiveServer(tmp_path_factory.mktemp("host-a"), **env)
    second = LiveServer(tmp_path_factory.mktemp("host-b"), **env)
    try:
        first.start()
        second.start()
        first.create_owner(EMAIL, PASSWORD)
        yield first, second
    finally:
        first.stop()
        second.stop()
        drop_postgres_database(database)


def session_for(server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10)
    client.get("/auth/csrf/")
    response = client.post(
        "/auth/v1/login/",
        json={"email": EMAIL, "password": PASSWORD},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    return client


def new_key(client: httpx.Client, name: str) -> dict:
    response = client.post(
        "/api/v1/auth/keys/",
        json={"name": name},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def auth_test(server: LiveServer, secret: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}/api/v1/auth/test/", headers={"X-API-KEY": secret}, timeout=10
    )


def test_revoke_through_one_process_rejected_by_other(pair) -> None:
    first, second = pair
    admin = session_for(first)
    key = new_key(admin, "revoke-me")
    for _ in range(3):
        assert auth_test(second, key["secret"]).status_code == 200

    revoked = admin.post(
        f"/api/v1/auth/keys/{key['id']}/revoke/",
        headers={"X-CSRFToken": admin.cookies["csrftoken"]},
    )

    assert revoked.status_code == 200
    after = auth_test(second, key["secret"])
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_api_key"


def test_rotation_grace_seen_by_other_process(pair) -> None:
    first, second = pair
    admin = session_for(first)
    key = new_key(admin, "rotate-me")
    assert auth_test(second, key["secret"]).status_code == 200

    rotated = admin.post(
        f"/api/v1/auth/keys/{key['id']}/rotate/",
        json={"grace_seconds": 0},
        headers={"X-CSRFToken": admin.cookies["csrftoken"]},
    )

    replacement = rotated.json()["data"]["secret"]
    assert auth_test(second, key["secret"]).status_code == 401
    assert auth_test(second, replacement).status_code == 200


def test_usage_from_both_processes_adds_up(pair) -> None:
    first, second = pair
    admin = session_for(first)
    key = new_key(admin, "busy")

    for index in range(20):
        server = first if index % 2 else second
        assert auth_test(server, key["secret"]).status_code == 200

    deadline = time.monotonic() + 15
    total = 0
    while time.monotonic() < deadline:
        usage = admin.get(f"/api/v1/auth/keys/{key['id']}/usage/?days=1").json()["data"]
        total = usage["total_requests"]
        if total >= 20:
            break
        time.sleep(0.3)
    assert total == 20

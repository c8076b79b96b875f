"""The server under database faults: fail fast with 503, recover on its own.

A private PostgreSQL is stopped under a running ``wave server`` and started
again; requests during the outage get 503 ``service_unavailable`` quickly,
and requests after it succeed without restarting the server. A table lock
stands in for a slow database: the statement timeout turns the wait into a
503 instead of a hung worker. Acknowledged writes (audit events) survive.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.faults.private_postgres import PrivatePostgres
from tests.live import LiveServer, production_env

pytestmark = pytest.mark.live

EMAIL = "ops@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def database() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres().init()
    postgres.start()
    postgres.create_database()
    yield postgres
    postgres.remove()


@pytest.fixture(scope="module")
def server(database: PrivatePostgres, tmp_path_factory) -> Iterator[LiveServer]:
    env = {
        **production_env(database.url),
        "TRAINWAVE_DB_STATEMENT_TIMEOUT_MS": "1000",
    }
    with LiveServer(tmp_path_factory.mktemp("server"), **env) as live:
        live.create_owner(EMAIL, PASSWORD)
        yield live


def api_key(server: LiveServer) -> str:
    client = httpx.Client(base_url=server.url, timeout=10)
    client.get("/auth/csrf/")
    client.post(
        "/auth/v1/login/",
        json={"email": EMAIL, "password": PASSWORD},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    created = client.post(
        "/api/v1/auth/keys/",
        json={"name": "fault"},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert created.status_code == 201, created.text
    return created.json()["data"]["secret"]


def test_outage_gives_fast_503_then_recovers(
    server: LiveServer, database: PrivatePostgres
) -> None:
    key = api_key(server)
    headers = {"X-API-KEY": key}
    assert httpx.get(f"{server.url}/api/v1/jobs/", headers=headers).status_code == 200

    database.stop("immediate")
    database.wait_until_down()
    started = time.monotonic()
    during = httpx.get(f"{server.url}/api/v1/jobs/", headers=headers, timeout=30)
    elapsed = time.monotonic() - started
    ready = httpx.get(f"{server.url}/readyz", timeout=30)
    database.start()
    after = httpx.get(f"{server.url}/api/v1/jobs/", headers=headers, timeout=30)

    assert during.status_code == 503
    assert during.json()["error"]["code"] == "service_unavailable"
    assert elapsed < 10
    assert ready.status_code == 503
    assert after.status_code == 200


def test_job_created_before_outage_survives(
    server: LiveServer, database: PrivatePostgres
) -> None:
    key = api_key(server)
    headers = {"X-API-KEY": key}
    created = httpx.post(
        f"{server.url}/api/v1/jobs/",
        json={"name": "kept", "image": "i", "gpu_type": "t4"},
        headers=headers,
    )
    assert created.status_code == 201

    database.stop("immediate")
    database.wait_until_down()
    database.start()

    job = httpx.get(
        f"{server.url}/api/v1/jobs/{created.json()['data']['id']}/", headers=headers
    )
    assert job.status_code == 200
    with psycopg.connect(database.url, connect_timeout=5) as db:
        count = db.execute(
            "SELECT count(*) FROM audit_auditevent "
            "WHERE action = 'job.created' AND target_id = %s",
            [created.json()["data"]["id"]],
        ).fetchone()
    assert count == (1,)


def test_slow_database_times_out_with_503(
    server: LiveServer, database: PrivatePostgres
) -> None:
    key = api_key(server)
    headers = {"X-API-KEY": key}
    assert httpx.get(f"{server.url}/api/v1/jobs/", headers=headers).status_code == 200
    blocker = psycopg.connect(database.url)
    blocker.execute("BEGIN")
    blocker.execute("LOCK TABLE jobs_job IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        slow = httpx.get(f"{server.url}/api/v1/jobs/", headers=headers, timeout=30)
        elapsed = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()

    assert slow.status_code == 503
    assert slow.json()["error"]["code"] == "service_unavailable"
    assert elapsed < 5
    assert httpx.get(f"{server.url}/api/v1/jobs/", headers=headers).status_code == 200

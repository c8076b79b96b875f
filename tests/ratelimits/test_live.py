"""End to end: real server processes, a real Redis, real concurrency."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import requests
from requests.exceptions import RequestException

from tests.live import LiveServer, drop_postgres_database, postgres_database
from tests.live import production_env as production_settings
from tests.ratelimits.conftest import RedisServer

pytestmark = pytest.mark.live

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"
METRICS_TOKEN = "metrics-token-for-tests-" + "m" * 20


def issue_key(base: str, **fields: object) -> str:
    """Log in as the owner and create a key; return its secret."""
    session = requests.Session()
    session.get(f"{base}/auth/csrf/")
    token = session.cookies["csrftoken"]
    login = session.post(
        f"{base}/auth/v1/login/",
        json={"email": EMAIL, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert login.status_code == 200, login.text
    created = session.post(
        f"{base}/api/v1/auth/keys/",
        json={"name": "limited", **fields},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["secret"])


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("exact")
    redis_server = RedisServer(folder).start()
    database = postgres_database("ratelimits")
    env = production_settings(database, redis_server.url)
    env["TRAINWAVE_METRICS_TOKEN"] = METRICS_TOKEN
    try:
        with LiveServer(folder / "server", workers=4, **env) as live:
            live.create_owner(EMAIL, PASSWORD)
            yield live
    finally:
        redis_server.stop()
        drop_postgres_database(database)


def test_four_workers_admit_exactly(four_workers: LiveServer) -> None:
    secret = issue_key(four_workers.url, rate_limit_per_minute=50)
    url = f"{four_workers.url}/api/v1/auth/test/"
    limits = httpx.Limits(max_connections=200)
    with httpx.Client(limits=limits, timeout=30) as client:
        # A fresh connection per request: the server serves a few connections
        # per worker at a time, and kept-alive ones would starve the rest.
        headers = {"X-API-KEY": secret, "Connection": "close"}

        def call(_: int) -> int:
            return client.get(url, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=200) as pool:
            statuses = Counter(pool.map(call, range(200)))

    assert statuses[200] == 50
    assert statuses[429] == 150


def test_metrics_need_token(four_workers: LiveServer) -> None:
    response = httpx.get(f"{four_workers.url}/metrics")

    assert response.status_code == 401


def test_metrics_sum_every_worker(four_workers: LiveServer) -> None:
    secret = issue_key(four_workers.url, rate_limit_per_minute=3)
    for _ in range(40):
        httpx.get(f"{four_workers.url}/api/v1/jobs/", headers={"X-API-KEY": secret})

    response = httpx.get(
        f"{four_workers.url}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )

    rejected = re.search(
        r'trainwave_rate_limit_requests_total\{outcome="rejected",policy="api_key"\} '
        r"([0-9.]+)",
        response.text,
    )
    assert rejected is not None, response.text
    assert float(rejected.group(1)) >= 37


# The guide's retry example needs a global API_KEY, as in the guide.
API_KEY = ""


def api_request_with_retry(url, max_retries=3):  # type: ignore[no-untyped-def]
    """The guide's example, verbatim."""
    for attempt in range(max_retries):
        try:
            response = requests.get(url, headers={"X-API-KEY": API_KEY})
            response.raise_for_status()
            return response.json()
        except RequestException as e:
            if e.response.status_code == 429:  # Rate limit exceeded
                if attempt == max_retries - 1:
                    raise
                sleep_time = (2**attempt) * 0.1  # Exponential backoff
                time.sleep(sleep_time)
            else:
                raise


def test_guide_backoff_succeeds(tmp_path: Path) -> None:
    global API_KEY
    # A one-second window, so the guide's backoff outlasts it within 5 tries.
    env = {"TRAINWAVE_RATE_LIMIT_KEY_WINDOW_SECONDS": "1"}
    with LiveServer(tmp_path, **env) as live:
        live.create_owner(EMAIL, PASSWORD)
        API_KEY = issue_key(live.url, rate_limit_per_minute=1)
        url = f"{live.url}/api/v1/jobs/"
        first = requests.get(url, headers={"X-API-KEY": API_KEY})
        second = requests.get(url, headers={"X-API-KEY": API_KEY})

        result = api_request_with_retry(url, max_retries=5)

    assert first.status_code == 200
    assert second.status_code == 429
    assert result["success"] is True

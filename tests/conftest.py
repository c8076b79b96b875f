"""Fixtures shared by the whole suite: accounts, clients, a movable clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from trainwave.server import clock as server_clock
from trainwave.server.accounts.models import Membership, Organization, User
from trainwave.server.accounts.services import create_account

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_key_state() -> None:
    """Start each test with an empty verification cache and usage buffer,
    and the usage flusher thread off: tests flush when they mean to."""
    from trainwave.server.apikeys.cache import verification_cache
    from trainwave.server.apikeys.usage import usage_recorder

    verification_cache.clear()
    usage_recorder.autoflush = False
    usage_recorder.memory.take()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is the error envelope with ``status`` and ``code``."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def data_of(response: Any, status: int = 200) -> Any:
    """Assert ``response`` is the success envelope with ``status``; return its data."""
    assert response.status_code == status, response.content[:500]
    body = json.loads(response.content)
    assert body["success"] is True
    return body["data"]


class MovableClock:
    """A clock tests move by hand instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    fake = MovableClock(datetime.now(UTC))
    monkeypatch.setattr(server_clock, "now", fake)
    return fake


@dataclass
class Account:
    user: User
    organization: Organization
    password: str = PASSWORD

    @property
    def email(self) -> str:
        return self.user.email


@pytest.fixture
def make_account(db: None) -> Callable[..., Account]:
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, password: str = PASSWORD) -> Account:
        email = email or f"user{next(counter)}@example.com"
        user, organization = create_account(email, password)
        return Account(user, organization, password)

    return make


@pytest.fixture
def owner(make_account: Callable[..., Account]) -> Account:
    return make_account("owner@example.com")


@pytest.fixture
def add_member(db: None) -> Callable[..., Account]:
    """Create a user with ``role`` in an existing organization."""
    counter = iter(range(1, 10_000))

    def add(organization: Organization, role: str, email: str | None = None) -> Account:
        email = email or f"{role}{next(counter)}@example.com"
        user = User.objects.create_user(email, PASSWORD)
        Membership.objects.create(user=user, organization=organization, role=role)
        return Account(user, organization)

    return add


class ApiClient(Client):
    """A test client that enforces CSRF, as browsers and the guide's flow do."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def csrf_token(self) -> str:
        cookie = self.cookies.get("csrftoken")
        if cookie is None or not cookie.value:
            self.get("/auth/csrf/")
            cookie = self.cookies["csrftoken"]
        return cookie.value

    def send(self, method: str, path: str, body: Any = None, **headers: Any) -> Any:
        """Send JSON with the CSRF header, as a logged-in browser script would."""
        headers.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token())
        payload = json.dumps(body) if body is not None else ""
        return self.generic(
            method,
            path,
            payload,
            content_type="application/json" if body is not None else "",
            **headers,
        )

    def login_as(self, account: Account | str, password: str = PASSWORD) -> Any:
        email = account if isinstance(account, str) else account.email
        response = self.send(
            "POST", "/auth/v1/login/", {"email": email, "password": password}
        )
        assert response.status_code == 200, response.content
        return response


@pytest.fixture
def client() -> ApiClient:
    return ApiClient()


@pytest.fixture
def other_client() -> ApiClient:
    return ApiClient()


@pytest.fixture
def logged_in(client: ApiClient, owner: Account) -> ApiClient:
    client.login_as(owner)
    return client


@pytest.fixture
def captured_logs(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, at every level."""
    caplog.set_level(1)
    yield caplog


@pytest.fixture
def redis_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run the test with REDIS_URL set to the test Redis; fail if it is down.

    Clears this project's ``tw:`` keys in that Redis database before and
    after, so tests start from an empty shared state.
    """
    import os

    import redis

    from trainwave.server import config, redis_client

    url = os.environ.get("TRAINWAVE_REDIS_URL", "redis://127.0.0.1:6379/0")
    connection = redis.Redis.from_url(url)
    connection.ping()

    def clear() -> None:
        for name in connection.scan_iter("tw:*"):
            connection.delete(name)

    clear()
    monkeypatch.setenv("REDIS_URL", url)
    config.get_config.cache_clear()
    redis_client.get_redis.cache_clear()
    yield connection
    clear()
    monkeypatch.delenv("REDIS_URL")
    config.get_config.cache_clear()
    redis_client.get_redis.cache_clear()


@pytest.fixture
def issue(owner: Account) -> Callable[..., dict[str, Any]]:
    """Create a key through the API as the owner, in a session of its own."""
    session = ApiClient()
    session.login_as(owner)

    def create(name: str = "ci", **fields: Any) -> dict[str, Any]:
        body = {"name": name, **fields}
        return data_of(session.send("POST", "/api/v1/auth/keys/", body), 201)

    return create


def with_key(secret: str, **headers: Any) -> dict[str, Any]:
    """Return test-client keyword arguments that send ``secret`` as X-API-KEY."""
    return {"HTTP_X_API_KEY": secret, **headers}

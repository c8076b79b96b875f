"""Fixtures for API key tests: issuing keys and calling with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Account, ApiClient, data_of
from trainwave.server.apikeys.cache import verification_cache
from trainwave.server.apikeys.usage import usage_recorder


@pytest.fixture(autouse=True)
def fresh_key_state() -> None:
    """Each test starts with an empty verification cache and usage buffer."""
    verification_cache.clear()
    usage_recorder.autoflush = False
    usage_recorder.memory.take()


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
    return {"HTTP_X_API_KEY": secret, **headers}

"""Fixtures for dashboard pages: a browser-like client that signs in by form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD, Account
from trainwave.server.apikeys.cache import verification_cache
from trainwave.server.apikeys.usage import usage_recorder


class PageClient(Client):
    """A test client that enforces CSRF and posts forms like a browser."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def csrf_token(self) -> str:
        cookie = self.cookies.get("csrftoken")
        if cookie is None or not cookie.value:
            self.get("/sign-in/")
            cookie = self.cookies["csrftoken"]
        return cookie.value

    def submit(self, path: str, data: dict[str, Any] | None = None) -> Any:
        """Post a form with the page's CSRF token, as a browser would."""
        return self.post(
            path, {**(data or {}), "csrfmiddlewaretoken": self.csrf_token()}
        )

    def sign_in(self, account: Account | str, password: str = PASSWORD) -> Any:
        email = account if isinstance(account, str) else account.email
        response = self.submit("/sign-in/", {"email": email, "password": password})
        assert response.status_code == 302, response.content[:500]
        return response


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Hash test passwords quickly; page tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_key_state() -> None:
    verification_cache.clear()
    usage_recorder.autoflush = False
    usage_recorder.memory.take()


@pytest.fixture
def pages() -> PageClient:
    return PageClient()


@pytest.fixture
def signed_in(pages: PageClient, owner: Account) -> PageClient:
    pages.sign_in(owner)
    return pages


def text_of(response: Any) -> str:
    return response.content.decode()

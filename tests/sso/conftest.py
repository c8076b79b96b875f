"""Fixtures for SSO tests: a signing key for the test IdPs, and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from joserfc.jwk import RSAKey

from tests.conftest import ApiClient
from trainwave.server.sso.fetch import clear_cache


@pytest.fixture(autouse=True)
def fresh_fetch_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(scope="session")
def idp_key() -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": "idp-key-1", "alg": "RS256", "use": "sig"}
    )


def follow(client: ApiClient, url: str) -> object:
    """Request an absolute URL of the app with the test client."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def has_session(client: ApiClient) -> bool:
    return client.get("/auth/v1/session/").status_code == 200


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()

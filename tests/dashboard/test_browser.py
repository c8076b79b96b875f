"""The dashboard in real headless Chromium, against a real ``wave server``.

Screenshots of every page land in ``test-artifacts/screenshots/`` for people
to look at; the assertions do not depend on them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.live

playwright_api = pytest.importorskip("playwright.sync_api")

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
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OWNER = "owner@example.com"
VIEWER = "viewer@example.com"
# The name `wave server create-owner` gives the owner's new organization.
OWNER_ORGANIZATION = "owner's organization"
PASSWORD = "correct horse battery staple"
# The server moves usage counts to the database every 5 seconds.
USAGE_WAIT_SECONDS = 15


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("dashboard")) as live:
        live.create_owner(OWNER, PASSWORD)
        live.create_owner(VIEWER, PASSWORD)
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def open_page(browser: Any, server: LiveServer, viewport: dict[str, int]) -> Any:
    context = browser.new_context(base_url=server.url, viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    return context.new_page()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    opened = open_page(browser, server, LAPTOP)
    yield opened
    opened.context.close()


@pytest.fixture
def phone(browser: Any, server: LiveServer) -> Iterator[Any]:
    opened = open_page(browser, server, PHONE)
    yield opened
    opened.context.close()


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/settings/api-keys/")


def generate_key(page: Any, name: str) -> str:
    page.goto("/settings/api-keys/")
    page.get_by_role("link", name="Generate New Key").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Generate key").click()
    page.wait_for_url("**/created/")
    return str(page.locator("#new-key").text_content()).strip()


def auth_test(server: LiveServer, secret: str) -> int:
    response = httpx.get(
        f"{server.url}/api/v1/auth/test/", headers={"X-API-KEY": secret}
    )
    return response.status_code


def wait_for_usage(page: Any) -> None:
    """Reload the key's page until the server has flushed its usage counts."""
    deadline = time.monotonic() + USAGE_WAIT_SECONDS
    while time.monotonic() < deadline:
        if page.get_by_text("0 requests ·").count() == 0:
            return
        time.sleep(0.5)
        page.reload()


def test_sign_in_page(page: Any, phone: Any) -> None:
    page.goto("/")

    page.wait_for_url("**/sign-in/**")
    shoot(page, "01-sign-in")
    phone.goto("/sign-in/")
    shoot(phone, "01-sign-in-phone")
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_sign_in_error(page: Any) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill("wrong password here")

    page.get_by_role("button", name="Sign in").click()

    shoot(page, "02-sign-in-error")
    assert page.get_by_role("alert").text_content().strip() == (
        "The email or password is incorrect."
    )


def test_key_lifecycle(page: Any, server: LiveServer) -> None:
    sign_in(page, OWNER)
    shoot(page, "03-keys-empty")
    page.get_by_role("link", name="Generate New Key").click()
    page.get_by_role("button", name="Generate key").click()
    shoot(page, "04-new-key-errors")
    page.get_by_label("Name", exact=True).fill("ci-runner")
    page.get_by_role("button", name="Generate key").click()
    page.wait_for_url("**/created/")
    shoot(page, "05-key-created")
    secret = str(page.locator("#new-key").text_content()).strip()
    page.get_by_role("button", name="Copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    first_status = auth_test(server, secret)
    # One failing request too, so the chart shows a 4xx part.
    httpx.get(f"{server.url}/api/v1/jobs/job_missing/", headers={"X-API-KEY": secret})

    reloaded = page.reload()

    assert secret.startswith("tw_live_")
    assert copied == secret
    assert first_status == 200
    assert "no-store" in reloaded.headers["cache-control"]
    assert secret not in page.content()
    assert page.get_by_text("already shown").is_visible()
    shoot(page, "06-key-created-reloaded")

    page.get_by_role("link", name="View key details").click()
    wait_for_usage(page)
    shoot(page, "07-key-detail")
    page.get_by_role("link", name="Revoke").click()
    shoot(page, "08-revoke-confirm")
    page.get_by_label("Reason").fill("leaked in a CI log")
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/settings/api-keys/key_*/")
    shoot(page, "09-key-revoked")

    assert page.get_by_role("status").first.text_content().startswith("Revoked")
    assert auth_test(server, secret) == 401


def test_back_never_shows_secret(page: Any) -> None:
    sign_in(page, OWNER)
    secret = generate_key(page, "back-button")
    page.get_by_role("link", name="View key details").click()
    page.wait_for_url("**/settings/api-keys/key_*/")

    page.go_back()

    page.wait_for_load_state()
    assert secret not in page.content()


def test_rotate_with_grace(page: Any, server: LiveServer) -> None:
    sign_in(page, OWNER)
    old_secret = generate_key(page, "deploy-bot")
    page.get_by_role("link", name="View key details").click()
    page.get_by_role("link", name="Rotate").click()
    page.get_by_label("Keep the old key working for").select_option("3600")
    shoot(page, "10-rotate-confirm")

    page.get_by_role("button", name="Rotate key").click()

    page.wait_for_url("**/created/")
    shoot(page, "11-key-rotated")
    new_secret = str(page.locator("#new-key").text_content()).strip()
    assert new_secret != old_secret
    assert auth_test(server, new_secret) == 200
    assert auth_test(server, old_secret) == 200


def test_key_list_pages(page: Any, phone: Any) -> None:
    sign_in(page, OWNER)
    page.goto("/settings/api-keys/?status=all")
    shoot(page, "12-keys-all")
    sign_in(phone, OWNER)
    phone.goto("/settings/api-keys/?status=all")
    shoot(phone, "12-keys-all-phone")
    phone.get_by_role("link", name="ci-runner").first.click()
    shoot(phone, "13-key-detail-phone")

    page.goto("/settings/audit-log/")

    shoot(page, "14-audit-log")
    assert page.get_by_role("cell", name="api_key.revoked", exact=True).count() == 1


def test_viewer_cannot_generate(browser: Any, page: Any, server: LiveServer) -> None:
    sign_in(page, OWNER)
    page.goto("/settings/members/")
    page.get_by_label("Email").fill(VIEWER)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add member").click()
    shoot(page, "15-members")
    viewer = open_page(browser, server, LAPTOP)
    sign_in(viewer, VIEWER)
    viewer.get_by_label("Organization").select_option(label=OWNER_ORGANIZATION)
    viewer.get_by_role("button", name="Switch").click()
    viewer.wait_for_url("**/settings/api-keys/")
    shoot(viewer, "16-keys-viewer")
    token = next(
        cookie["value"]
        for cookie in viewer.context.cookies()
        if cookie["name"] == "csrftoken"
    )

    refused = viewer.request.post(
        "/settings/api-keys/new/",
        form={
            "csrfmiddlewaretoken": token,
            "name": "sneaky",
            "permissions": "jobs:read",
            "environment": "live",
            "expires_in": "30",
        },
        headers={"Referer": f"{server.url}/settings/api-keys/"},
    )

    viewer.goto("/settings/api-keys/new/")
    shoot(viewer, "17-forbidden")
    assert viewer.get_by_role("link", name="Generate New Key").count() == 0
    assert refused.status == 403
    assert "api_keys:write" in refused.text()
    viewer.context.close()


def test_csrf_failure_page(page: Any) -> None:
    sign_in(page, OWNER)
    page.goto("/settings/api-keys/new/")
    page.get_by_label("Name", exact=True).fill("no token")
    page.context.clear_cookies(name="csrftoken")

    page.get_by_role("button", name="Generate key").click()

    shoot(page, "18-csrf-failure")
    assert page.get_by_role("heading", name="This form has expired").is_visible()

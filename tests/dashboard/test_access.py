"""Who may open dashboard pages, session timeouts, and the security headers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conftest import Account, MovableClock
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server.accounts.models import User

PAGES = [
    "/settings/api-keys/",
    "/settings/api-keys/new/",
    "/settings/audit-log/",
    "/settings/members/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=", re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES, ids=["keys", "new-key", "audit", "members"])
def test_anonymous_goes_to_sign_in(pages: PageClient, db: None, path: str) -> None:
    response = pages.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/sign-in/?next={path.replace('/', '%2F')}"


def test_start_page_anonymous(pages: PageClient, db: None) -> None:
    response = pages.get("/")

    assert response["Location"] == "/sign-in/"


def test_start_page_signed_in(signed_in: PageClient) -> None:
    response = signed_in.get("/")

    assert response["Location"] == "/settings/api-keys/"


def test_idle_session_ends(signed_in: PageClient, clock: MovableClock) -> None:
    clock.advance(minutes=31)

    response = signed_in.get("/settings/api-keys/")
    follow_up = signed_in.get("/sign-in/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert "Your session has expired" in text_of(follow_up)


def test_busy_session_ends_at_cap(signed_in: PageClient, clock: MovableClock) -> None:
    for _ in range(35):
        clock.advance(minutes=20)
        assert signed_in.get("/settings/api-keys/").status_code == 200
    clock.advance(minutes=21)

    response = signed_in.get("/settings/api-keys/")

    assert response.status_code == 302


@pytest.mark.parametrize("path", PAGES, ids=["keys", "new-key", "audit", "members"])
def test_pages_have_csp(signed_in: PageClient, path: str) -> None:
    response = signed_in.get(path)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES, ids=["keys", "new-key", "audit", "members"])
def test_no_inline_script_or_style(signed_in: PageClient, path: str) -> None:
    html = text_of(signed_in.get(path))

    assert INLINE_SCRIPT.search(html) is None
    assert STYLE_ATTRIBUTE.search(html) is None


@pytest.mark.parametrize("path", PAGES, ids=["keys", "new-key", "audit", "members"])
def test_pages_not_cached(signed_in: PageClient, path: str) -> None:
    response = signed_in.get(path)

    assert "no-store" in response["Cache-Control"]


def test_sign_in_page_has_csp(pages: PageClient, db: None) -> None:
    response = pages.get("/sign-in/")

    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_not_found_page_is_html(pages: PageClient, db: None) -> None:
    response = pages.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response


def test_api_stays_json(pages: PageClient, db: None) -> None:
    response = pages.get("/api/v1/auth/test/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in response


def test_api_root_unchanged(pages: PageClient, db: None) -> None:
    response = pages.get("/api/v1/no-such-route/")

    assert response["Content-Type"] == "application/json"


def test_csrf_failure_page(pages: PageClient, owner: Account) -> None:
    pages.get("/sign-in/")

    response = pages.post(
        "/sign-in/", {"email": owner.email, "password": owner.password}
    )

    assert response.status_code == 403
    assert "This form has expired" in text_of(response)
    assert "Content-Security-Policy" in response
    assert "session" not in response.cookies


def test_csrf_failure_on_form(signed_in: PageClient) -> None:
    response = signed_in.post(
        "/settings/api-keys/new/",
        {"name": "x", "csrfmiddlewaretoken": "forged" * 8},
    )

    assert response.status_code == 403
    assert "This form has expired" in text_of(response)


def test_no_organization(pages: PageClient, db: None) -> None:
    User.objects.create_user("loner@example.com", "correct horse battery staple")
    pages.sign_in("loner@example.com")

    response = pages.get("/settings/api-keys/")

    assert response.status_code == 403
    assert "not a member of any organization" in text_of(response)


def test_switch_organization(
    signed_in: PageClient,
    owner: Account,
    make_account: Callable[..., Account],
    add_member: Callable[..., Account],
) -> None:
    other = make_account("other@example.com")
    other.organization.name = "Other Lab"
    other.organization.save()
    from trainwave.server.accounts.models import Membership

    Membership.objects.create(
        user=owner.user, organization=other.organization, role="viewer"
    )

    response = signed_in.submit(
        "/organization/", {"organization": other.organization.id}
    )
    page = text_of(signed_in.get("/settings/api-keys/"))

    assert response.status_code == 302
    assert "You are now working in Other Lab." in page
    assert "Generate New Key" not in page


def test_switch_to_foreign_organization(
    signed_in: PageClient, make_account: Callable[..., Account]
) -> None:
    other = make_account("other@example.com")

    response = signed_in.submit(
        "/organization/", {"organization": other.organization.id}
    )

    assert response.status_code == 404

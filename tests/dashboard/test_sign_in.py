"""Signing in and out through the dashboard's forms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Account
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server.audit.models import AuditEvent
from trainwave.server.errors import RateLimitExceeded
from trainwave.server.ratelimits import login as login_limits

WRONG = "The email or password is incorrect."


def sign_in_form(pages: PageClient, email: str, password: str, **extra: str) -> Any:
    return pages.submit("/sign-in/", {"email": email, "password": password, **extra})


def test_sign_in_redirects(pages: PageClient, owner: Account) -> None:
    response = sign_in_form(pages, owner.email, owner.password)

    assert response.status_code == 302
    assert response["Location"] == "/settings/api-keys/"
    assert pages.get("/settings/api-keys/").status_code == 200


def test_sign_in_new_session(pages: PageClient, owner: Account) -> None:
    pages.get("/sign-in/")
    session = pages.session
    session["planted"] = True
    session.save()
    before = pages.cookies["csrftoken"].value

    sign_in_form(pages, owner.email, owner.password)

    assert "planted" not in pages.session
    assert pages.cookies["csrftoken"].value != before


def test_sign_in_records_event(pages: PageClient, owner: Account) -> None:
    sign_in_form(pages, owner.email, owner.password)

    event = AuditEvent.objects.get(action="user.login")
    assert event.actor_user_id == owner.user.pk


@pytest.mark.parametrize(
    "email", ["owner@example.com", "nobody@example.com"], ids=["wrong", "unknown"]
)
def test_sign_in_rejected(pages: PageClient, owner: Account, email: str) -> None:
    response = sign_in_form(pages, email, "not the password")

    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert pages.get("/settings/api-keys/").status_code == 302


def test_failed_sign_in_recorded(
    pages: PageClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []
    monkeypatch.setattr(
        login_limits,
        "check_login_allowed",
        lambda request, email: attempts.append(email),
    )

    sign_in_form(pages, owner.email, "not the password")

    assert attempts == [owner.email]
    assert AuditEvent.objects.filter(action="user.login_failed").count() == 1


def test_sign_in_rate_limited(
    pages: PageClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(request: Any, email: str) -> None:
        raise RateLimitExceeded(
            "Too many failed sign-ins: try again in 60 seconds.",
            headers={"Retry-After": "60"},
        )

    monkeypatch.setattr(login_limits, "check_login_allowed", refuse)

    response = sign_in_form(pages, owner.email, owner.password)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many failed sign-ins" in text_of(response)
    assert pages.get("/settings/api-keys/").status_code == 302


def test_missing_fields_shown(pages: PageClient, db: None) -> None:
    response = sign_in_form(pages, "", "")

    html = text_of(response)
    assert 'id="id_email_error"' in html
    assert "Enter your password." in html


def test_password_not_echoed(pages: PageClient, owner: Account) -> None:
    response = sign_in_form(pages, owner.email, "secret-canary-value")

    assert "secret-canary-value" not in text_of(response)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/settings/members/", "/settings/members/"),
        ("https://evil.example/", "/settings/api-keys/"),
        ("//evil.example/", "/settings/api-keys/"),
        ("/\\evil.example/", "/settings/api-keys/"),
    ],
    ids=["local", "absolute", "scheme-relative", "backslash"],
)
def test_next_is_same_site(
    pages: PageClient, owner: Account, next_url: str, expected: str
) -> None:
    response = sign_in_form(pages, owner.email, owner.password, next=next_url)

    assert response["Location"] == expected


def test_signed_in_skips_form(signed_in: PageClient) -> None:
    response = signed_in.get("/sign-in/")

    assert response["Location"] == "/settings/api-keys/"


def test_sign_out(signed_in: PageClient) -> None:
    response = signed_in.submit("/sign-out/")

    assert response["Location"] == "/sign-in/"
    assert signed_in.get("/settings/api-keys/").status_code == 302
    assert AuditEvent.objects.filter(action="user.logout").count() == 1


def test_sign_out_needs_post(signed_in: PageClient) -> None:
    response = signed_in.get("/sign-out/")

    assert response.status_code == 405
    assert signed_in.get("/settings/api-keys/").status_code == 200


def test_no_sso_link_without_connections(pages: PageClient, owner: Account) -> None:
    assert "Sign in with SSO" not in text_of(pages.get("/sign-in/"))


def test_sso_link_leads_to_email_step(pages: PageClient, owner: Account) -> None:
    from trainwave.server.sso.models import SsoConnection

    SsoConnection.objects.create(
        organization=owner.organization,
        name="Okta",
        protocol="oidc",
        default_role="member",
    )

    sign_in = text_of(pages.get("/sign-in/"))
    step = pages.get("/sign-in/sso/?next=/settings/audit-log/")

    assert "Sign in with SSO" in sign_in
    assert 'action="/auth/sso/start/"' in text_of(step)
    assert 'value="/settings/audit-log/"' in text_of(step)
    assert (
        step["Cache-Control"].startswith("no-cache")
        or "no-store" in step["Cache-Control"]
    )


def test_sso_step_drops_foreign_next(pages: PageClient, owner: Account) -> None:
    step = text_of(pages.get("/sign-in/sso/?next=https://evil.example/"))

    assert "evil.example" not in step

"""Session login, logout and CSRF, driven exactly as the public guide shows."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session

from tests.conftest import PASSWORD, ApiClient, assert_error, data_of


@pytest.mark.django_db
def test_csrf_endpoint_sets_cookie_and_returns_token(client: ApiClient) -> None:
    response = client.get("/auth/csrf/")

    token = data_of(response)["csrf_token"]
    assert response.cookies["csrftoken"].value
    assert not response.cookies["csrftoken"]["httponly"]
    login = client.post(
        "/auth/v1/login/",
        json.dumps({"email": "nobody@example.com", "password": "x"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert_error(login, 401, "invalid_credentials")


def test_login_sets_session_cookie(client: ApiClient, owner) -> None:
    response = client.login_as(owner)

    cookie = response.cookies["session"]
    assert cookie.value
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert data_of(response)["user"]["email"] == "owner@example.com"


def test_login_rotates_csrf_token(client: ApiClient, owner) -> None:
    before = client.csrf_token()

    response = client.login_as(owner)

    after = response.cookies["csrftoken"].value
    assert after and after != before
    old_token_use = client.send("POST", "/auth/v1/logout/", HTTP_X_CSRFTOKEN=before)
    assert_error(old_token_use, 403, "csrf_token_missing")


def test_login_without_csrf_token_is_rejected(client: ApiClient, owner) -> None:
    client.get("/auth/csrf/")

    response = client.post(
        "/auth/v1/login/",
        json.dumps({"email": owner.email, "password": PASSWORD}),
        content_type="application/json",
    )

    assert_error(response, 403, "csrf_token_missing")
    assert "session" not in response.cookies


def test_login_with_forged_token_is_rejected(client: ApiClient, owner) -> None:
    client.csrf_token()

    response = client.send(
        "POST",
        "/auth/v1/login/",
        {"email": owner.email, "password": PASSWORD},
        HTTP_X_CSRFTOKEN="A" * 64,
    )

    assert_error(response, 403, "csrf_token_missing")


def test_login_with_foreign_origin_is_rejected(client: ApiClient, owner) -> None:
    response = client.send(
        "POST",
        "/auth/v1/login/",
        {"email": owner.email, "password": PASSWORD},
        HTTP_ORIGIN="https://evil.example",
    )

    assert_error(response, 403, "csrf_token_missing")


@pytest.mark.parametrize(
    "case",
    ["unknown_email", "wrong_password", "inactive_user"],
    ids=["unknown-email", "wrong-password", "inactive-user"],
)
def test_failed_logins_look_identical(
    client: ApiClient, make_account, case: str
) -> None:
    account = make_account("victim@example.com")
    email, password = account.email, PASSWORD
    if case == "unknown_email":
        email = "nobody@example.com"
    elif case == "wrong_password":
        password = PASSWORD + "x"
    else:
        account.user.is_active = False
        account.user.save()

    response = client.send(
        "POST", "/auth/v1/login/", {"email": email, "password": password}
    )

    error = assert_error(response, 401, "invalid_credentials")
    assert error["message"] == "The email or password is incorrect."
    assert "session" not in response.cookies


def test_login_email_is_case_insensitive(client: ApiClient, owner) -> None:
    response = client.send(
        "POST",
        "/auth/v1/login/",
        {"email": "  OWNER@Example.COM ", "password": PASSWORD},
    )

    assert data_of(response)["user"]["email"] == "owner@example.com"


def test_password_is_not_truncated(client: ApiClient, owner) -> None:
    response = client.send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": PASSWORD[:-1]}
    )

    assert_error(response, 401, "invalid_credentials")


def test_huge_login_password_is_a_quick_400(client: ApiClient, owner) -> None:
    response = client.send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": "x" * 10_000}
    )

    error = assert_error(response, 400, "validation_error")
    assert "x" * 100 not in json.dumps(error)


def test_login_rejects_form_encoded_body(client: ApiClient, owner) -> None:
    response = client.post(
        "/auth/v1/login/",
        {"email": owner.email, "password": PASSWORD},
        HTTP_X_CSRFTOKEN=client.csrf_token(),
    )

    assert_error(response, 415, "unsupported_media_type")


def test_login_rejects_text_plain_body(client: ApiClient, owner) -> None:
    response = client.post(
        "/auth/v1/login/",
        json.dumps({"email": owner.email, "password": PASSWORD}),
        content_type="text/plain",
        HTTP_X_CSRFTOKEN=client.csrf_token(),
    )

    assert_error(response, 415, "unsupported_media_type")


def test_login_issues_fresh_session_id(client: ApiClient, owner) -> None:
    client.cookies["session"] = "plantedsessionid0000000000000000"

    response = client.login_as(owner)

    assert response.cookies["session"].value != "plantedsessionid0000000000000000"


def test_session_id_changes_on_each_login(client: ApiClient, owner) -> None:
    first = client.login_as(owner).cookies["session"].value

    second = client.login_as(owner).cookies["session"].value

    assert first != second
    stale = ApiClient()
    stale.cookies["session"] = first
    assert_error(stale.get("/api/v1/auth/test/"), 401, "authentication_required")


def test_logout_ends_session_on_server(logged_in: ApiClient) -> None:
    session_id = logged_in.cookies["session"].value

    response = logged_in.send("POST", "/auth/v1/logout/")

    assert response.status_code == 204
    assert not Session.objects.filter(session_key=session_id).exists()
    replay = ApiClient()
    replay.cookies["session"] = session_id
    assert_error(replay.get("/api/v1/auth/test/"), 401, "authentication_required")


def test_logout_needs_csrf_token(logged_in: ApiClient) -> None:
    response = logged_in.post("/auth/v1/logout/", content_type="application/json")

    assert_error(response, 403, "csrf_token_missing")


def test_session_endpoint_reports_user(logged_in: ApiClient) -> None:
    data = data_of(logged_in.get("/auth/v1/session/"))

    assert data["user"]["email"] == "owner@example.com"
    assert data["role"] == "owner"
    follow_up = logged_in.send(
        "POST", "/auth/v1/logout/", HTTP_X_CSRFTOKEN=data["csrf_token"]
    )
    assert follow_up.status_code == 204


def test_session_endpoint_without_login(client: ApiClient) -> None:
    assert_error(client.get("/auth/v1/session/"), 401, "authentication_required")


def test_auth_test_reports_session(logged_in: ApiClient, owner) -> None:
    data = data_of(logged_in.get("/api/v1/auth/test/"))

    assert data["method"] == "session"
    assert data["user"]["id"] == owner.user.pk
    assert data["organization"]["slug"] == owner.organization.slug
    assert "jobs:read" in data["permissions"]
    assert data["key"] is None


def test_auth_test_without_credentials(client: ApiClient) -> None:
    assert_error(client.get("/api/v1/auth/test/"), 401, "authentication_required")


def test_guide_curl_style_session_check(logged_in: ApiClient) -> None:
    """The guide's curl sends the session cookie and the CSRF header on a GET."""
    fresh = ApiClient()
    fresh.cookies["session"] = logged_in.cookies["session"].value

    response = fresh.get(
        "/api/v1/auth/test/", HTTP_X_CSRFTOKEN=logged_in.cookies["csrftoken"].value
    )

    assert data_of(response)["method"] == "session"

"""Sign-up, the password policy, hashing and password changes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.conf import settings

from tests.conftest import PASSWORD, ApiClient, assert_error, data_of
from trainwave.server.accounts.models import User

LONG_PASSPHRASE = "my 🐍 rides a long train through the quiet valley at dawn 🚂 ok"


def signup(client: ApiClient, email: str, password: str):
    return client.send(
        "POST", "/auth/v1/signup/", {"email": email, "password": password}
    )


@pytest.mark.django_db
def test_signup_creates_owner_and_logs_in(client: ApiClient) -> None:
    data = data_of(signup(client, "New.Person@Example.com", PASSWORD), 201)

    assert data["user"]["email"] == "new.person@example.com"
    assert data["role"] == "owner"
    assert data_of(client.get("/api/v1/auth/test/"))["method"] == "session"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("elevenchars", "too short"),
        ("password123456", "too common"),
        ("trainwave2024!", "product name"),
        ("jonathan.appleseed", "email local part"),
        ("x" * 257, "too long"),
    ],
    ids=["short", "common", "product-name", "email-local-part", "too-long"],
)
def test_signup_rejects_weak_password(
    client: ApiClient, password: str, reason: str
) -> None:
    response = signup(client, "jonathan.appleseed@example.com", password)

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "password"
    assert not User.objects.filter(email="jonathan.appleseed@example.com").exists()


@pytest.mark.django_db
def test_long_unicode_passphrase_works(client: ApiClient) -> None:
    assert len(LONG_PASSPHRASE) >= 60
    data_of(signup(client, "poet@example.com", LONG_PASSPHRASE), 201)
    fresh = ApiClient()

    fresh.login_as("poet@example.com", LONG_PASSPHRASE)

    truncated = fresh.send(
        "POST",
        "/auth/v1/login/",
        {"email": "poet@example.com", "password": LONG_PASSPHRASE[:-1]},
    )
    assert_error(truncated, 401, "invalid_credentials")


@pytest.mark.django_db
def test_lowercase_phrase_without_composition_rules(client: ApiClient) -> None:
    data_of(signup(client, "simple@example.com", "purple elephants dance quietly"), 201)


def test_signup_duplicate_email_any_case(client: ApiClient, owner) -> None:
    response = signup(client, "OWNER@example.com", PASSWORD)

    assert_error(response, 409, "email_taken")


@pytest.mark.django_db
def test_signup_invalid_email(client: ApiClient) -> None:
    error = assert_error(
        signup(client, "not-an-email", PASSWORD), 400, "validation_error"
    )

    assert error["details"][0]["field"] == "email"


@pytest.mark.django_db
def test_signup_closed_by_setting(client: ApiClient, monkeypatch) -> None:
    from trainwave.server import config

    closed = replace(config.get_config(), signup_open=False)
    monkeypatch.setattr("trainwave.server.accounts.api.get_config", lambda: closed)

    assert_error(signup(client, "late@example.com", PASSWORD), 403, "signup_closed")


@pytest.mark.django_db
def test_signup_needs_csrf(client: ApiClient) -> None:
    response = client.post(
        "/auth/v1/signup/", {"email": "a@example.com"}, content_type="application/json"
    )

    assert_error(response, 403, "csrf_token_missing")


def test_passwords_hashed_with_argon2_and_salted(make_account) -> None:
    first = make_account("one@example.com").user
    second = make_account("two@example.com").user

    assert first.password.startswith("argon2$argon2id$")
    assert first.password != second.password


def test_validators_configured() -> None:
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]

    assert "CommonPasswordValidator" in names
    assert "UserAttributeSimilarityValidator" in names
    assert "MinimumLengthValidator" in names


def test_password_change_needs_current_password(logged_in: ApiClient) -> None:
    response = logged_in.send(
        "POST",
        "/auth/v1/password/",
        {"current_password": "wrong password here", "new_password": LONG_PASSPHRASE},
    )

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "current_password"


def test_password_change_missing_current_password(logged_in: ApiClient) -> None:
    response = logged_in.send(
        "POST", "/auth/v1/password/", {"new_password": LONG_PASSPHRASE}
    )

    assert_error(response, 400, "validation_error")


def test_password_change_ends_other_sessions(
    client: ApiClient, other_client: ApiClient, owner
) -> None:
    client.login_as(owner)
    other_client.login_as(owner)

    response = client.send(
        "POST",
        "/auth/v1/password/",
        {"current_password": PASSWORD, "new_password": LONG_PASSPHRASE},
    )

    data_of(response)
    assert data_of(client.get("/api/v1/auth/test/"))["method"] == "session"
    assert_error(other_client.get("/api/v1/auth/test/"), 401, "authentication_required")


def test_password_change_applies_policy(logged_in: ApiClient) -> None:
    response = logged_in.send(
        "POST",
        "/auth/v1/password/",
        {"current_password": PASSWORD, "new_password": "short"},
    )

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "new_password"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password"),
    [("admin", "admin"), ("admin@localhost", "password"), ("root", "root")],
    ids=["admin-admin", "admin-password", "root-root"],
)
def test_no_default_accounts(client: ApiClient, email: str, password: str) -> None:
    response = client.send(
        "POST", "/auth/v1/login/", {"email": email, "password": password}
    )

    assert_error(response, 401, "invalid_credentials")
    assert User.objects.count() == 0

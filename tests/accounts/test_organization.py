"""The organization's key policy, set through the API and applied to new keys."""

from __future__ import annotations

from tests.conftest import ApiClient, assert_error, data_of

ORG = "/api/v1/organization/"


def test_owner_sets_key_policy(logged_in: ApiClient) -> None:
    response = logged_in.send(
        "PATCH", ORG, {"max_key_lifetime_days": 90, "default_key_lifetime_days": 30}
    )

    data = data_of(response)
    assert data["max_key_lifetime_days"] == 90
    assert data["default_key_lifetime_days"] == 30
    assert data_of(logged_in.get(ORG))["max_key_lifetime_days"] == 90


def test_policy_applies_to_new_keys(logged_in: ApiClient) -> None:
    logged_in.send("PATCH", ORG, {"max_key_lifetime_days": 10})

    too_long = logged_in.send(
        "POST", "/api/v1/auth/keys/", {"name": "k", "expires_in_days": 11}
    )
    capped = data_of(logged_in.send("POST", "/api/v1/auth/keys/", {"name": "k"}), 201)

    assert_error(too_long, 400, "validation_error")
    assert capped["expires_at"] is not None


def test_default_cannot_exceed_maximum(logged_in: ApiClient) -> None:
    logged_in.send("PATCH", ORG, {"max_key_lifetime_days": 10})

    response = logged_in.send("PATCH", ORG, {"default_key_lifetime_days": 20})

    assert_error(response, 400, "validation_error")


def test_null_clears_policy(logged_in: ApiClient) -> None:
    logged_in.send("PATCH", ORG, {"max_key_lifetime_days": 10})

    data = data_of(logged_in.send("PATCH", ORG, {"max_key_lifetime_days": None}))

    assert data["max_key_lifetime_days"] is None


def test_admin_cannot_change_policy(client: ApiClient, owner, add_member) -> None:
    admin = add_member(owner.organization, "admin")
    client.login_as(admin)

    response = client.send("PATCH", ORG, {"max_key_lifetime_days": 1})

    assert (
        assert_error(response, 403, "insufficient_permissions")["permission"]
        == "org:admin"
    )
    assert data_of(client.get(ORG))["max_key_lifetime_days"] is None

"""A key that creates or edits keys can only pass on limits as tight as its own."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ApiClient, assert_error, data_of, with_key

KEYS = "/api/v1/auth/keys/"
WRITE = ["api_keys:read", "api_keys:write", "jobs:read"]


def post_with(client: ApiClient, secret: str, body: dict) -> object:
    return client.post(
        KEYS, json.dumps(body), content_type="application/json", **with_key(secret)
    )


@pytest.fixture
def narrow(issue) -> dict:
    return issue(
        "narrow",
        permissions=WRITE,
        environment="test",
        expires_in_days=1,
        allowed_networks=["127.0.0.1/32"],
        rate_limit_per_minute=5,
    )


def test_child_inherits_limits(narrow: dict, client: ApiClient) -> None:
    child = data_of(
        post_with(
            client,
            narrow["secret"],
            {"name": "c", "environment": "test", "permissions": ["jobs:read"]},
        ),
        201,
    )

    assert child["expires_at"] == narrow["expires_at"]
    assert child["allowed_networks"] == ["127.0.0.1/32"]
    assert child["rate_limit_per_minute"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"environment": "live"}, "environment"),
        ({"environment": "test", "expires_in_days": 30}, "expires_at"),
        (
            {"environment": "test", "allowed_networks": ["10.0.0.0/8"]},
            "allowed_networks",
        ),
        (
            {"environment": "test", "rate_limit_per_minute": 1000},
            "rate_limit_per_minute",
        ),
    ],
    ids=["other-environment", "longer-life", "wider-networks", "higher-limit"],
)
def test_child_cannot_loosen(
    narrow: dict, client: ApiClient, body: dict, field: str
) -> None:
    response = post_with(
        client, narrow["secret"], {"name": "c", "permissions": ["jobs:read"], **body}
    )

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == field


def test_key_cannot_widen_own_networks(narrow: dict, client: ApiClient) -> None:
    response = client.patch(
        f"{KEYS}{narrow['id']}/",
        json.dumps({"allowed_networks": []}),
        content_type="application/json",
        **with_key(narrow["secret"]),
    )

    assert_error(response, 400, "validation_error")


def test_key_cannot_lift_own_rate_limit(narrow: dict, client: ApiClient) -> None:
    response = client.patch(
        f"{KEYS}{narrow['id']}/",
        json.dumps({"rate_limit_per_minute": None}),
        content_type="application/json",
        **with_key(narrow["secret"]),
    )

    assert_error(response, 400, "validation_error")


def test_member_cannot_exceed_organization_limit(
    client: ApiClient, owner, add_member
) -> None:
    owner.organization.key_rate_limit = 10
    owner.organization.save()
    member = add_member(owner.organization, "member")
    client.login_as(member)

    response = client.send(
        "POST", KEYS, {"name": "k", "rate_limit_per_minute": 100_000}
    )

    assert (
        assert_error(response, 403, "insufficient_permissions")["permission"]
        == "org:admin"
    )


def test_owner_may_exceed_organization_limit(logged_in: ApiClient, owner) -> None:
    owner.organization.key_rate_limit = 10
    owner.organization.save()

    response = logged_in.send("POST", KEYS, {"name": "k", "rate_limit_per_minute": 100})

    assert data_of(response, 201)["rate_limit_per_minute"] == 100

"""Authenticating with X-API-KEY: the hot path and every way a key fails."""

from __future__ import annotations

import pytest

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, assert_error, data_of
from trainwave.server.accounts.models import Membership
from trainwave.server.apikeys import tokens
from trainwave.server.audit.models import AuditEvent

TEST = "/api/v1/auth/test/"
KEYS = "/api/v1/auth/keys/"


def test_auth_test_reports_key(issue, client: ApiClient) -> None:
    key = issue("ci", permissions=["jobs:read"])

    data = data_of(client.get(TEST, **with_key(key["secret"])))

    assert data["method"] == "api_key"
    assert data["key"]["id"] == key["id"]
    assert data["key"]["name"] == "ci"
    assert data["permissions"] == ["jobs:read"]


def test_key_reaches_jobs(issue, client: ApiClient) -> None:
    key = issue("ci", permissions=["jobs:read", "jobs:write"])

    created = client.post(
        "/api/v1/jobs/",
        '{"name": "a", "image": "i", "gpu_type": "t4"}',
        content_type="application/json",
        **with_key(key["secret"]),
    )

    assert data_of(created, 201)["created_by_key_id"] == key["id"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "x" * 8192,
        "tw_live_",
        "tw_live_ÄÖÜ" + "a" * 33,
        "tw_live_\x00" + "a" * 35,
        "your-api-key",
        "Bearer tw_live_" + "a" * 36,
    ],
    ids=[
        "empty",
        "whitespace",
        "8kB",
        "prefix-only",
        "non-ascii",
        "nul",
        "guide-placeholder",
        "bearer",
    ],
)
def test_malformed_keys_are_401(
    client: ApiClient, db: None, value: str, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get(TEST, HTTP_X_API_KEY=value)

    error = assert_error(response, 401, "invalid_api_key")
    assert error["message"] == "The provided API key is invalid or expired"


def test_key_with_trailing_newline_is_not_accepted(issue, client: ApiClient) -> None:
    key = issue("k")

    assert_error(
        client.get(TEST, HTTP_X_API_KEY=key["secret"] + "\n"), 401, "invalid_api_key"
    )


def test_well_formed_unknown_key_is_401(client: ApiClient, db) -> None:
    stranger = tokens.generate_key("live").secret

    error = assert_error(client.get(TEST, **with_key(stranger)), 401, "invalid_api_key")

    assert error["message"] == "The provided API key is invalid or expired"


def test_key_in_query_string_is_ignored(issue, client: ApiClient) -> None:
    key = issue("k")

    response = client.get(f"{TEST}?api_key={key['secret']}&X-API-KEY={key['secret']}")

    assert_error(response, 401, "authentication_required")
    assert key["secret"] not in response.content.decode()


def test_invalid_key_wins_over_valid_session(logged_in: ApiClient) -> None:
    response = logged_in.get(TEST, HTTP_X_API_KEY="tw_live_" + "a" * 36)

    assert_error(response, 401, "invalid_api_key")


def test_revoked_key_is_rejected_at_once(
    issue, logged_in: ApiClient, client: ApiClient
) -> None:
    key = issue("k")
    data_of(client.get(TEST, **with_key(key["secret"])))

    logged_in.send("POST", f"{KEYS}{key['id']}/revoke/")

    error = assert_error(
        client.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key"
    )
    assert "revoked" in error["message"]
    assert AuditEvent.objects.filter(
        action="api_key.revoked_used", target_id=key["id"]
    ).exists()


def test_expired_key_is_rejected(issue, client: ApiClient, clock) -> None:
    key = issue("k", expires_in_days=1)
    data_of(client.get(TEST, **with_key(key["secret"])))

    clock.advance(days=1, seconds=1)

    error = assert_error(
        client.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key"
    )
    assert "expired" in error["message"]
    assert AuditEvent.objects.filter(action="api_key.expired_used").exists()


def test_expiring_key_use_carries_notice(issue, client: ApiClient) -> None:
    soon = issue("soon", expires_in_days=3)
    later = issue("later", expires_in_days=30)

    warned = client.get(TEST, **with_key(soon["secret"]))
    quiet = client.get(TEST, **with_key(later["secret"]))

    assert warned["X-API-Key-Status"] == "expiring"
    assert warned["Sunset"].endswith("GMT")
    assert "X-API-Key-Status" not in quiet


def test_demoting_owner_narrows_key_at_once(
    issue, client: ApiClient, owner, add_member
) -> None:
    add_member(owner.organization, "owner")
    key = issue("k")
    assert (
        "audit:read"
        in data_of(client.get(TEST, **with_key(key["secret"])))["permissions"]
    )

    Membership.objects.filter(user=owner.user).update(role="viewer")
    from trainwave.server.apikeys.cache import bump_epoch

    bump_epoch()

    data = data_of(client.get(TEST, **with_key(key["secret"])))
    assert data["permissions"] == ["api_keys:read", "jobs:read", "members:read"]
    denied = client.get("/api/v1/audit-events/", **with_key(key["secret"]))
    assert (
        assert_error(denied, 403, "insufficient_permissions")["permission"]
        == "audit:read"
    )


def test_role_change_through_api_narrows_key(
    logged_in: ApiClient, client: ApiClient, owner, add_member
) -> None:
    member = add_member(owner.organization, "member")
    member_client = ApiClient()
    member_client.login_as(member)
    key = data_of(member_client.send("POST", KEYS, {"name": "m"}), 201)
    assert (
        "jobs:write"
        in data_of(client.get(TEST, **with_key(key["secret"])))["permissions"]
    )

    logged_in.send("PATCH", f"/api/v1/members/{member.user.pk}/", {"role": "viewer"})

    assert (
        "jobs:write"
        not in data_of(client.get(TEST, **with_key(key["secret"])))["permissions"]
    )


def test_removed_member_key_stops(
    logged_in: ApiClient, client: ApiClient, owner, add_member
) -> None:
    member = add_member(owner.organization, "member")
    member_client = ApiClient()
    member_client.login_as(member)
    key = data_of(member_client.send("POST", KEYS, {"name": "m"}), 201)
    data_of(client.get(TEST, **with_key(key["secret"])))

    response = logged_in.send("DELETE", f"/api/v1/members/{member.user.pk}/")

    assert response.status_code == 204
    assert_error(client.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key")


def test_deactivated_user_key_stops(issue, client: ApiClient, owner) -> None:
    key = issue("k")
    data_of(client.get(TEST, **with_key(key["secret"])))

    owner.user.is_active = False
    owner.user.save()

    assert_error(client.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key")


def test_allowed_networks_enforced(issue, client: ApiClient) -> None:
    inside = issue("inside", allowed_networks=["127.0.0.0/8"])
    outside = issue("outside", allowed_networks=["10.0.0.0/8", "2001:db8::/32"])

    allowed = client.get(TEST, **with_key(inside["secret"]))
    refused = client.get(TEST, **with_key(outside["secret"]))

    assert allowed.status_code == 200
    assert_error(refused, 403, "ip_not_allowed")


def test_verified_key_is_served_from_cache(
    issue, client: ApiClient, django_assert_num_queries
) -> None:
    key = issue("k", permissions=["jobs:read"])
    client.get(TEST, **with_key(key["secret"]))

    with django_assert_num_queries(0):
        data_of(client.get(TEST, **with_key(key["secret"])))


def test_unknown_key_costs_one_lookup(
    client: ApiClient, db, django_assert_num_queries
) -> None:
    stranger = tokens.generate_key("live").secret

    with django_assert_num_queries(1):
        client.get(TEST, **with_key(stranger))

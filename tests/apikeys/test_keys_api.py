"""The keys API: every route, and which keys each caller can see."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, assert_error, data_of
from trainwave.server.apikeys.models import ApiKey
from trainwave.server.audit.models import AuditEvent

KEYS = "/api/v1/auth/keys/"


def test_create_returns_secret_once(issue, logged_in: ApiClient) -> None:
    key = issue("deploy", permissions=["jobs:read"])

    listed = logged_in.get(KEYS).content.decode()
    detail = logged_in.get(f"{KEYS}{key['id']}/").content.decode()

    assert key["secret"].startswith("tw_live_")
    assert key["hint"] == f"tw_live_...{key['secret'][-4:]}"
    assert key["secret"] not in listed
    assert key["secret"] not in detail
    assert "secret" not in json.loads(detail)["data"]


def test_database_holds_digest_not_secret(issue) -> None:
    key = issue("deploy")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apikeys_apikey")
        dump = repr(cursor.fetchall())
    stored = ApiKey.objects.get(id=key["id"])

    assert key["secret"] not in dump
    assert key["secret"][8:-6] not in dump
    assert len(bytes(stored.digest)) == 32


def test_key_ids_are_random(issue) -> None:
    ids = [issue(f"k{n}")["id"] for n in range(3)]

    assert all(i.startswith("key_") and len(i) == 26 for i in ids)
    assert len(set(ids)) == 3


def test_default_permissions_are_callers(issue, owner) -> None:
    key = issue("everything")

    assert "org:admin" in key["permissions"]
    assert key["owner"]["id"] == owner.user.pk
    assert key["created_by"]["id"] == owner.user.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"permissions": ["jobs:fly"]}, "permissions"),
        ({"environment": "prod"}, "environment"),
        ({"name": ""}, "name"),
        ({"allowed_networks": ["not-a-network"]}, "allowed_networks"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ],
    ids=[
        "unknown-permission",
        "bad-env",
        "empty-name",
        "bad-network",
        "zero-days",
        "zero-limit",
    ],
)
def test_create_validates_body(logged_in: ApiClient, body: dict, field: str) -> None:
    response = logged_in.send("POST", KEYS, {"name": "k", **body})

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"].startswith(field)


def test_create_with_past_expiry_is_rejected(logged_in: ApiClient, clock) -> None:
    past = (clock() - timedelta(minutes=1)).isoformat()

    response = logged_in.send("POST", KEYS, {"name": "k", "expires_at": past})

    assert (
        assert_error(response, 400, "validation_error")["details"][0]["field"]
        == "expires_at"
    )


def test_organization_policy_caps_lifetime(logged_in: ApiClient, owner, clock) -> None:
    owner.organization.max_key_lifetime_days = 30
    owner.organization.default_key_lifetime_days = 7
    owner.organization.save()

    default = data_of(logged_in.send("POST", KEYS, {"name": "a"}), 201)
    too_long = logged_in.send("POST", KEYS, {"name": "b", "expires_in_days": 90})

    assert default["expires_at"].startswith(
        (clock() + timedelta(days=7)).date().isoformat()
    )
    assert_error(too_long, 400, "validation_error")


def test_cannot_grant_permissions_you_lack(
    client: ApiClient, owner, add_member
) -> None:
    member = add_member(owner.organization, "member")
    client.login_as(member)

    response = client.send("POST", KEYS, {"name": "k", "permissions": ["audit:read"]})

    error = assert_error(response, 403, "insufficient_permissions")
    assert error["permission"] == "audit:read"


def test_key_cannot_mint_broader_key(issue, client: ApiClient) -> None:
    narrow = issue(
        "narrow", permissions=["api_keys:write", "api_keys:read", "jobs:read"]
    )

    response = client.post(
        KEYS,
        json.dumps({"name": "broad", "permissions": ["jobs:write"]}),
        content_type="application/json",
        **with_key(narrow["secret"]),
    )

    assert (
        assert_error(response, 403, "insufficient_permissions")["permission"]
        == "jobs:write"
    )


def test_key_mints_narrower_key_without_csrf(issue, client: ApiClient) -> None:
    writer = issue("writer", permissions=["api_keys:write", "jobs:read"])

    response = client.post(
        KEYS,
        json.dumps({"name": "child", "permissions": ["jobs:read"]}),
        content_type="application/json",
        **with_key(writer["secret"]),
    )

    child = data_of(response, 201)
    assert child["permissions"] == ["jobs:read"]
    assert ApiKey.objects.get(id=child["id"]).created_by_key_id == writer["id"]


def test_session_key_creation_needs_csrf(logged_in: ApiClient) -> None:
    response = logged_in.post(KEYS, {"name": "k"}, content_type="application/json")

    assert_error(response, 403, "csrf_token_missing")


def test_read_only_key_cannot_write(issue, client: ApiClient) -> None:
    reader = issue("reader", permissions=["api_keys:read"])

    listed = client.get(KEYS, **with_key(reader["secret"]))
    created = client.post(
        KEYS,
        json.dumps({"name": "x"}),
        content_type="application/json",
        **with_key(reader["secret"]),
    )
    revoked = client.post(
        f"{KEYS}{reader['id']}/revoke/",
        content_type="application/json",
        **with_key(reader["secret"]),
    )

    assert listed.status_code == 200
    assert (
        assert_error(created, 403, "insufficient_permissions")["permission"]
        == "api_keys:write"
    )
    assert_error(revoked, 403, "insufficient_permissions")


def test_update_name_and_networks(issue, logged_in: ApiClient) -> None:
    key = issue("old")

    response = logged_in.send(
        "PATCH",
        f"{KEYS}{key['id']}/",
        {"name": "new", "allowed_networks": ["10.1.2.0/24"]},
    )

    data = data_of(response)
    assert data["name"] == "new"
    assert data["allowed_networks"] == ["10.1.2.0/24"]


def test_member_sees_only_own_keys(issue, client: ApiClient, owner, add_member) -> None:
    owners_key = issue("owner's")
    member = add_member(owner.organization, "member")
    client.login_as(member)
    own = data_of(client.send("POST", KEYS, {"name": "mine"}), 201)

    listed = [k["id"] for k in data_of(client.get(KEYS))]

    assert listed == [own["id"]]
    assert_error(client.get(f"{KEYS}{owners_key['id']}/"), 404, "not_found")


def test_admin_sees_organization_keys(logged_in: ApiClient, owner, add_member) -> None:
    member = add_member(owner.organization, "member")
    member_client = ApiClient()
    member_client.login_as(member)
    members_key = data_of(member_client.send("POST", KEYS, {"name": "m"}), 201)

    listed = [k["id"] for k in data_of(logged_in.get(KEYS))]
    revoked = logged_in.send("POST", f"{KEYS}{members_key['id']}/revoke/")

    assert members_key["id"] in listed
    assert data_of(revoked)["revoked_by"]["email"] == owner.email


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "stolen"}),
        ("POST", "revoke/", {}),
        ("POST", "rotate/", {}),
        ("GET", "usage/", None),
    ],
    ids=["get", "patch", "revoke", "rotate", "usage"],
)
def test_other_organizations_key_is_404(
    client: ApiClient, make_account, method: str, suffix: str, body: dict | None
) -> None:
    victim = make_account("victim@example.com")
    victim_client = ApiClient()
    victim_client.login_as(victim)
    victims_key = data_of(victim_client.send("POST", KEYS, {"name": "v"}), 201)
    attacker = make_account("attacker@example.com")
    client.login_as(attacker)

    if method == "GET":
        response = client.get(f"{KEYS}{victims_key['id']}/{suffix}")
    else:
        response = client.send(method, f"{KEYS}{victims_key['id']}/{suffix}", body)

    assert_error(response, 404, "not_found")
    assert ApiKey.objects.get(id=victims_key["id"]).revoked_at is None
    assert ApiKey.objects.get(id=victims_key["id"]).name == "v"


def test_unknown_key_id_is_404(logged_in: ApiClient) -> None:
    assert_error(logged_in.get(f"{KEYS}key_doesnotexist/"), 404, "not_found")


def test_revoke_twice_is_409(issue, logged_in: ApiClient) -> None:
    key = issue("k")

    first = logged_in.send("POST", f"{KEYS}{key['id']}/revoke/", {"reason": "leaked"})
    second = logged_in.send("POST", f"{KEYS}{key['id']}/revoke/")

    assert data_of(first)["status"] == "revoked"
    assert data_of(first)["revoked_reason"] == "leaked"
    assert_error(second, 409, "conflict")


def test_list_filters_revoked(issue, logged_in: ApiClient) -> None:
    kept = issue("kept")
    gone = issue("gone")
    logged_in.send("POST", f"{KEYS}{gone['id']}/revoke/")

    active = [k["id"] for k in data_of(logged_in.get(KEYS))]
    revoked = [k["id"] for k in data_of(logged_in.get(f"{KEYS}?status=revoked"))]

    assert active == [kept["id"]]
    assert revoked == [gone["id"]]


def test_list_flags_keys_expiring_within_a_week(issue, logged_in: ApiClient) -> None:
    issue("soon", expires_in_days=3)
    issue("later", expires_in_days=30)

    flags = {k["name"]: k["expires_soon"] for k in data_of(logged_in.get(KEYS))}

    assert flags == {"soon": True, "later": False}


def test_audit_events_for_key_lifecycle(issue, logged_in: ApiClient) -> None:
    key = issue("audited")
    logged_in.send("POST", f"{KEYS}{key['id']}/rotate/", {"grace_seconds": 0})
    logged_in.send("POST", f"{KEYS}{key['id']}/revoke/")

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    dump = repr(list(AuditEvent.objects.values()))

    assert {"api_key.created", "api_key.rotated", "api_key.revoked"} <= actions
    assert key["secret"] not in dump

"""Rotating keys: a replacement at once, the old key for a grace period."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, assert_error, data_of

TEST = "/api/v1/auth/test/"
KEYS = "/api/v1/auth/keys/"


def rotate(client: ApiClient, key_id: str, **body):
    return client.send("POST", f"{KEYS}{key_id}/rotate/", body)


def test_rotation_keeps_settings(issue, logged_in: ApiClient) -> None:
    old = issue(
        "prod", permissions=["jobs:read"], environment="test", rate_limit_per_minute=99
    )

    new = data_of(rotate(logged_in, old["id"]), 201)

    assert new["secret"].startswith("tw_test_")
    assert new["secret"] != old["secret"]
    assert new["permissions"] == ["jobs:read"]
    assert new["name"] == "prod"
    assert new["rate_limit_per_minute"] == 99
    assert data_of(logged_in.get(f"{KEYS}{old['id']}/"))["replaced_by"] == new["id"]


def test_old_key_works_during_grace(
    issue, logged_in: ApiClient, client: ApiClient, clock
) -> None:
    old = issue("k")
    new = data_of(rotate(logged_in, old["id"], grace_seconds=3600), 201)

    during = client.get(TEST, **with_key(old["secret"]))
    clock.advance(seconds=3601)
    after = client.get(TEST, **with_key(old["secret"]))

    assert during.status_code == 200
    assert during["X-API-Key-Status"] == "grace"
    assert datetime.fromisoformat(during["X-API-Key-Grace-Ends-At"])
    assert_error(after, 401, "invalid_api_key")
    assert (
        data_of(client.get(TEST, **with_key(new["secret"])))["key"]["id"] == new["id"]
    )


def test_default_grace_is_24_hours(issue, logged_in: ApiClient, clock) -> None:
    old = issue("k")

    rotate(logged_in, old["id"])

    detail = data_of(logged_in.get(f"{KEYS}{old['id']}/"))
    ends = datetime.fromisoformat(detail["grace_ends_at"].replace("Z", "+00:00"))
    assert abs(ends - (clock() + timedelta(hours=24))) < timedelta(seconds=1)
    assert detail["status"] == "grace"


def test_zero_grace_stops_old_key_at_once(
    issue, logged_in: ApiClient, client: ApiClient
) -> None:
    old = issue("k")
    client.get(TEST, **with_key(old["secret"]))

    rotate(logged_in, old["id"], grace_seconds=0)

    assert_error(client.get(TEST, **with_key(old["secret"])), 401, "invalid_api_key")


def test_grace_never_outlives_expiry(issue, logged_in: ApiClient, clock) -> None:
    old = issue("k", expires_in_days=1)
    clock.advance(minutes=10)

    rotate(logged_in, old["id"], grace_seconds=86400)

    detail = data_of(logged_in.get(f"{KEYS}{old['id']}/"))
    assert detail["grace_ends_at"] == detail["expires_at"]


def test_rotating_revoked_key_is_409(issue, logged_in: ApiClient) -> None:
    old = issue("k")
    logged_in.send("POST", f"{KEYS}{old['id']}/revoke/")

    assert_error(rotate(logged_in, old["id"]), 409, "conflict")


def test_rotating_twice_is_409(issue, logged_in: ApiClient) -> None:
    old = issue("k")
    rotate(logged_in, old["id"])

    assert_error(rotate(logged_in, old["id"]), 409, "conflict")


def test_grace_seconds_validated(issue, logged_in: ApiClient) -> None:
    old = issue("k")

    assert_error(
        rotate(logged_in, old["id"], grace_seconds=-1), 400, "validation_error"
    )

"""The per-key limit, its overrides, its headers, and failed key attempts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import (
    Account,
    ApiClient,
    MovableClock,
    assert_error,
    data_of,
    with_key,
)
from tests.ratelimits.conftest import headers_of
from trainwave.server.accounts.models import Organization

AUTH_TEST = "/api/v1/auth/test/"


@pytest.fixture
def issue(logged_in: ApiClient) -> Callable[..., dict[str, Any]]:
    def create(name: str = "ci", **fields: Any) -> dict[str, Any]:
        response = logged_in.send(
            "POST", "/api/v1/auth/keys/", {"name": name, **fields}
        )
        return data_of(response, 201)

    return create


def call_with(client: ApiClient, secret: str, times: int, **headers: Any) -> list[Any]:
    return [client.get(AUTH_TEST, **with_key(secret, **headers)) for _ in range(times)]


def test_key_over_limit_gets_429(client: ApiClient, issue: Callable[..., Any]) -> None:
    key = issue(rate_limit_per_minute=3)

    responses = call_with(client, key["secret"], 4)

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    error = assert_error(responses[-1], 429, "rate_limit_exceeded")
    assert "rate limit of this API key is 3 per minute" in error["message"]
    assert 1 <= int(responses[-1]["Retry-After"]) <= 60


def test_key_limit_leaves_other_keys(
    client: ApiClient, issue: Callable[..., Any]
) -> None:
    limited = issue("limited", rate_limit_per_minute=1)
    other = issue("other", rate_limit_per_minute=1)
    call_with(client, limited["secret"], 2)

    response = client.get(AUTH_TEST, **with_key(other["secret"]))

    assert response.status_code == 200


def test_key_response_headers(client: ApiClient, issue: Callable[..., Any]) -> None:
    key = issue(rate_limit_per_minute=5)

    first, second = call_with(client, key["secret"], 2)

    assert headers_of(first)["RateLimit-Limit"] == "5"
    assert headers_of(first)["RateLimit-Remaining"] == "4"
    assert headers_of(second)["RateLimit-Remaining"] == "3"
    assert 0 <= int(headers_of(second)["RateLimit-Reset"]) <= 60


def test_rejection_headers_count_down(
    client: ApiClient, issue: Callable[..., Any]
) -> None:
    key = issue(rate_limit_per_minute=1)

    rejected = call_with(client, key["secret"], 2)[-1]

    assert rejected["RateLimit-Remaining"] == "0"
    assert rejected["RateLimit-Reset"] == rejected["Retry-After"]


def test_key_window_resets(
    client: ApiClient, issue: Callable[..., Any], limit_clock: MovableClock
) -> None:
    key = issue(rate_limit_per_minute=2)
    call_with(client, key["secret"], 3)

    limit_clock.advance(seconds=61)
    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert response.status_code == 200


def test_window_moves_not_fixed(
    client: ApiClient, issue: Callable[..., Any], limit_clock: MovableClock
) -> None:
    key = issue(rate_limit_per_minute=2)
    call_with(client, key["secret"], 1)
    limit_clock.advance(seconds=40)
    call_with(client, key["secret"], 1)
    limit_clock.advance(seconds=30)

    admitted, rejected = call_with(client, key["secret"], 2)

    assert admitted.status_code == 200
    assert rejected.status_code == 429


def test_default_limit_applies(
    client: ApiClient, issue: Callable[..., Any], configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_PER_MINUTE="2")
    key = issue()

    responses = call_with(client, key["secret"], 3)

    assert responses[0]["RateLimit-Limit"] == "2"
    assert responses[-1].status_code == 429


def test_organization_limit_applies(
    client: ApiClient, owner: Account, issue: Callable[..., Any]
) -> None:
    Organization.objects.filter(pk=owner.organization.pk).update(key_rate_limit=2)
    key = issue()

    responses = call_with(client, key["secret"], 3)

    assert responses[0]["RateLimit-Limit"] == "2"
    assert responses[-1].status_code == 429


def test_organization_api_sets_limit(
    client: ApiClient, logged_in: ApiClient, issue: Callable[..., Any]
) -> None:
    key = issue()
    client.get(AUTH_TEST, **with_key(key["secret"]))

    logged_in.send("PATCH", "/api/v1/organization/", {"key_rate_limit": 2})
    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert response["RateLimit-Limit"] == "2"


def test_key_override_beats_organization(
    client: ApiClient, owner: Account, issue: Callable[..., Any]
) -> None:
    Organization.objects.filter(pk=owner.organization.pk).update(key_rate_limit=2)
    key = issue(rate_limit_per_minute=7)

    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert response["RateLimit-Limit"] == "7"


def test_patch_sets_override(
    client: ApiClient, logged_in: ApiClient, issue: Callable[..., Any]
) -> None:
    key = issue()

    updated = logged_in.send(
        "PATCH", f"/api/v1/auth/keys/{key['id']}/", {"rate_limit_per_minute": 4}
    )
    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert data_of(updated)["rate_limit_per_minute"] == 4
    assert response["RateLimit-Limit"] == "4"


def test_patch_null_clears_override(
    client: ApiClient, logged_in: ApiClient, issue: Callable[..., Any]
) -> None:
    key = issue(rate_limit_per_minute=4)

    updated = logged_in.send(
        "PATCH", f"/api/v1/auth/keys/{key['id']}/", {"rate_limit_per_minute": None}
    )
    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert data_of(updated)["rate_limit_per_minute"] is None
    assert response["RateLimit-Limit"] == "600"


@pytest.mark.parametrize("value", [0, -5, 2_000_000, "many"], ids=str)
def test_patch_rejects_bad_override(
    logged_in: ApiClient, issue: Callable[..., Any], value: Any
) -> None:
    key = issue()

    response = logged_in.send(
        "PATCH", f"/api/v1/auth/keys/{key['id']}/", {"rate_limit_per_minute": value}
    )

    assert_error(response, 400, "validation_error")


def test_patch_override_needs_write(
    client: ApiClient, issue: Callable[..., Any]
) -> None:
    key = issue(permissions=["api_keys:read"])

    response = client.generic(
        "PATCH",
        f"/api/v1/auth/keys/{key['id']}/",
        '{"rate_limit_per_minute": 100000}',
        content_type="application/json",
        **with_key(key["secret"]),
    )

    error = assert_error(response, 403, "insufficient_permissions")
    assert error["permission"] == "api_keys:write"


def test_bad_keys_get_429(client: ApiClient, configure: Callable[..., None]) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_FAILURES="3/minute")
    bad = "tw_live_" + "a" * 40

    responses = call_with(client, bad, 4)

    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    error = assert_error(responses[-1], 429, "rate_limit_exceeded")
    assert "failed API key attempts" in error["message"]


def test_bad_keys_block_valid_key_too(
    client: ApiClient, issue: Callable[..., Any], configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_FAILURES="2/minute")
    key = issue()
    call_with(client, "garbage", 2)

    response = client.get(AUTH_TEST, **with_key(key["secret"]))

    assert_error(response, 429, "rate_limit_exceeded")


def test_bad_keys_other_ip_unaffected(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_FAILURES="2/minute")
    call_with(client, "garbage", 3, REMOTE_ADDR="198.51.100.7")

    response = client.get(AUTH_TEST, **with_key("garbage", REMOTE_ADDR="198.51.100.8"))

    assert_error(response, 401, "invalid_api_key")


def test_forwarded_for_rotation_gains_nothing(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_KEY_FAILURES="2/minute")
    statuses = [
        client.get(
            AUTH_TEST, **with_key("garbage", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        ).status_code
        for n in range(5)
    ]

    assert statuses == [401, 401, 429, 429, 429]


def test_limits_can_be_turned_off(
    client: ApiClient, issue: Callable[..., Any], configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMITS="false")
    key = issue(rate_limit_per_minute=1)

    responses = call_with(client, key["secret"], 3)

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert not responses[0].has_header("RateLimit-Limit")

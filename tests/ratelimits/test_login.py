"""Login limits: per account, per account and address, per address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Account, ApiClient, MovableClock, assert_error
from trainwave.server.config import RateLimitConfig

LOGIN = "/auth/v1/login/"


@pytest.fixture(autouse=True)
def small_account_budget(configure: Callable[..., None]) -> None:
    """Five attempts per account and hour, so tests hash few passwords."""
    configure(TRAINWAVE_RATE_LIMIT_LOGIN_ACCOUNT="5/hour")


def test_account_budget_default() -> None:
    assert RateLimitConfig().login_account == "100/hour"


def attempt(client: ApiClient, email: str, password: str, ip: str) -> Any:
    return client.send(
        "POST", LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip
    )


def spray(client: ApiClient, email: str, times: int) -> list[int]:
    """Fail ``times`` logins on ``email``, each from a new address."""
    return [
        attempt(
            client, email, "wrong password!", f"198.51.{n // 250}.{n % 250 + 1}"
        ).status_code
        for n in range(times)
    ]


def test_account_limit_across_addresses(client: ApiClient, owner: Account) -> None:
    statuses = spray(client, owner.email, 6)

    assert statuses == [401] * 5 + [429]


def test_account_limit_message(client: ApiClient, owner: Account) -> None:
    spray(client, owner.email, 5)

    response = attempt(client, owner.email, "wrong password!", "192.0.2.200")

    error = assert_error(response, 429, "rate_limit_exceeded")
    assert "login attempts for this account is 5 per hour" in error["message"]


def test_unknown_email_limited_alike(client: ApiClient, db: None) -> None:
    statuses = spray(client, "nobody@example.com", 6)

    assert statuses == [401] * 5 + [429]


def test_known_client_not_locked_out(
    client: ApiClient, other_client: ApiClient, owner: Account
) -> None:
    attempt(other_client, owner.email, owner.password, "192.0.2.10")
    spray(client, owner.email, 6)

    response = attempt(other_client, owner.email, owner.password, "192.0.2.10")

    assert response.status_code == 200


def test_unknown_client_locked_during_attack(
    client: ApiClient, other_client: ApiClient, owner: Account
) -> None:
    spray(client, owner.email, 5)

    response = attempt(other_client, owner.email, owner.password, "192.0.2.11")

    assert_error(response, 429, "rate_limit_exceeded")


def test_account_limit_ends_after_window(
    client: ApiClient, owner: Account, limit_clock: MovableClock
) -> None:
    spray(client, owner.email, 6)

    limit_clock.advance(hours=1, seconds=1)
    response = attempt(client, owner.email, owner.password, "192.0.2.12")

    assert response.status_code == 200


def test_account_and_address_limit(
    client: ApiClient, owner: Account, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_LOGIN_ACCOUNT_IP="3/hour")
    statuses = [
        attempt(client, owner.email, "wrong password!", "192.0.2.20").status_code
        for _ in range(4)
    ]

    assert statuses == [401] * 3 + [429]


def test_success_empties_address_window(
    client: ApiClient, owner: Account, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_LOGIN_ACCOUNT_IP="3/hour")
    for _ in range(2):
        attempt(client, owner.email, "wrong password!", "192.0.2.21")
    attempt(client, owner.email, owner.password, "192.0.2.21")

    statuses = [
        attempt(client, owner.email, "wrong password!", "192.0.2.21").status_code
        for _ in range(3)
    ]

    assert statuses == [401, 401, 401]


def test_address_limit_across_accounts(
    client: ApiClient, configure: Callable[..., None], db: None
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_LOGIN_IP="3/hour")

    statuses = [
        attempt(
            client, f"user{n}@example.com", "wrong password!", "192.0.2.30"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_login_response_headers(client: ApiClient, owner: Account) -> None:
    response = attempt(client, owner.email, "wrong password!", "192.0.2.40")

    assert response["RateLimit-Limit"] == "5"
    assert response["RateLimit-Remaining"] == "4"


def test_lookalike_spellings_share_account_limit() -> None:
    from trainwave.server.ratelimits.login import account_digest

    plain = account_digest("bob@other.com")

    # Fullwidth letters, which NFKC folds to ASCII.
    assert account_digest("\uff42ob@other.com") == plain
    assert account_digest(" BOB@Other.com ") == plain
    assert account_digest("\uff42\uff4f\uff42@other.com") == plain

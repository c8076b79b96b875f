"""Per-user and per-IP limits applied before a view runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import ApiClient, assert_error
from trainwave.server.config import ConfigError, build_config


def test_session_user_limited(
    logged_in: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_USER="2/minute")

    statuses = [logged_in.get("/api/v1/auth/test/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_session_user_message(
    logged_in: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_USER="1/minute")
    logged_in.get("/api/v1/jobs/")

    response = logged_in.get("/api/v1/jobs/")

    error = assert_error(response, 429, "rate_limit_exceeded")
    assert "rate limit of your account is 1 per minute" in error["message"]


def test_session_user_headers(
    logged_in: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_USER="5/minute")

    response = logged_in.get("/api/v1/jobs/")

    assert response["RateLimit-Limit"] == "5"
    assert response["RateLimit-Remaining"] == "4"


def test_anonymous_ip_limited(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="2/minute")

    statuses = [client.get("/auth/csrf/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_anonymous_ip_per_route(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute")
    client.get("/auth/csrf/")

    response = client.get("/api/v1/jobs/")

    assert_error(response, 401, "authentication_required")


def test_unauthenticated_call_carries_headers(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="9/minute")

    response = client.get("/api/v1/jobs/")

    assert response["RateLimit-Limit"] == "9"


@pytest.mark.parametrize(
    "variant",
    ["/auth/%63srf/", "/auth/cs%72f/", "/auth/%63%73%72%66/"],
    ids=["encoded-c", "encoded-r", "all-encoded"],
)
def test_encoded_paths_share_limit(
    client: ApiClient, configure: Callable[..., None], variant: str
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute")
    client.get("/auth/csrf/")

    response = client.get(variant)

    assert_error(response, 429, "rate_limit_exceeded")


@pytest.mark.parametrize(
    ("variant", "status"),
    [("/AUTH/csrf/", 404), ("/auth//csrf/", 404), ("/auth/csrf", 301)],
    ids=["upper-case", "double-slash", "no-trailing-slash"],
)
def test_other_variants_never_reach_view(
    client: ApiClient, configure: Callable[..., None], variant: str, status: int
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute")
    client.get("/auth/csrf/")

    response = client.get(variant)

    assert response.status_code == status


def test_forwarded_for_ignored_without_proxy(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="2/minute")

    statuses = [
        client.get("/auth/csrf/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_trusted_proxy_rightmost_entry(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(
        TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute",
        TRAINWAVE_TRUSTED_PROXIES="10.0.0.0/8",
    )
    client.get(
        "/auth/csrf/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4",
    )

    spoofed = client.get(
        "/auth/csrf/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.4",
    )
    other = client.get(
        "/auth/csrf/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.5"
    )

    assert spoofed.status_code == 429
    assert other.status_code == 200


def test_ipv6_limited_per_64(client: ApiClient, configure: Callable[..., None]) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute")
    client.get("/auth/csrf/", REMOTE_ADDR="2001:db8:1:2::1")

    same_64 = client.get("/auth/csrf/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_64 = client.get("/auth/csrf/", REMOTE_ADDR="2001:db8:1:3::1")

    assert same_64.status_code == 429
    assert other_64.status_code == 200


def test_public_routes_found() -> None:
    from trainwave.server.ratelimits.middleware import public_routes

    assert public_routes() == {
        "auth/csrf/",
        "auth/v1/login/",
        "auth/v1/signup/",
        "auth/v1/sso/discover/",
    }


def test_dummy_key_header_still_limited(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="2/minute")

    statuses = [
        client.get("/auth/csrf/", HTTP_X_API_KEY=f"dummy-{n}").status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_health_probes_not_limited(
    client: ApiClient, configure: Callable[..., None]
) -> None:
    configure(TRAINWAVE_RATE_LIMIT_ANONYMOUS="1/minute")

    statuses = [client.get("/healthz").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


@pytest.mark.parametrize(
    "variable",
    ["TRAINWAVE_RATE_LIMIT_USER", "TRAINWAVE_RATE_LIMIT_LOGIN_ACCOUNT"],
    ids=["user", "login-account"],
)
def test_bad_rate_setting_rejected(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "lots")

    with pytest.raises(ConfigError, match=variable):
        build_config()

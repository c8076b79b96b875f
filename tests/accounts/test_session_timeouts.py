"""Idle and absolute session timeouts, checked with a movable clock."""

from __future__ import annotations

from django.test import override_settings

from tests.conftest import ApiClient, assert_error, data_of


def test_session_expires_after_idle_timeout(client: ApiClient, owner, clock) -> None:
    client.login_as(owner)

    clock.advance(minutes=31)

    assert_error(client.get("/api/v1/auth/test/"), 401, "session_expired")
    assert_error(client.get("/api/v1/auth/test/"), 401, "authentication_required")


def test_busy_session_stays_alive(client: ApiClient, owner, clock) -> None:
    client.login_as(owner)

    for _ in range(5):
        clock.advance(minutes=20)
        assert data_of(client.get("/api/v1/auth/test/"))["method"] == "session"


def test_busy_session_hits_absolute_timeout(client: ApiClient, owner, clock) -> None:
    client.login_as(owner)

    for _ in range(35):
        clock.advance(minutes=20)
        client.get("/api/v1/auth/test/")
    clock.advance(minutes=21)

    assert_error(client.get("/api/v1/auth/test/"), 401, "session_expired")


@override_settings()
def test_timeouts_come_from_configuration(
    client: ApiClient, owner, clock, monkeypatch
) -> None:
    from dataclasses import replace

    from trainwave.server import config

    short = replace(config.get_config(), session_idle_seconds=120)
    monkeypatch.setattr("trainwave.server.accounts.sessions.get_config", lambda: short)
    client.login_as(owner)

    clock.advance(minutes=3)

    assert_error(client.get("/api/v1/auth/test/"), 401, "session_expired")

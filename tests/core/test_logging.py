"""Secrets never reach a log record, and records cannot be forged."""

from __future__ import annotations

import logging

from tests.conftest import ApiClient
from trainwave.server.logs import JsonFormatter, clean, redact_query

CANARY_PASSWORD = "canary-password-7f3a9c2e1b"


def all_log_text(caplog) -> str:
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_login_secrets_never_logged(client: ApiClient, owner, captured_logs) -> None:
    client.send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": CANARY_PASSWORD}
    )
    client.login_as(owner)
    session_id = client.cookies["session"].value
    csrf_token = client.cookies["csrftoken"].value
    client.send("POST", "/auth/v1/logout/")

    text = all_log_text(captured_logs)

    assert CANARY_PASSWORD not in text
    assert owner.password not in text
    assert session_id not in text
    assert csrf_token not in text
    assert "invalid_credentials" in text or "user.login_failed" in text


def test_query_credentials_redacted_in_access_log(
    client: ApiClient, captured_logs
) -> None:
    client.get("/api/v1/jobs/?api_key=tw_live_canaryvalue123&X-API-KEY=canary2&page=2")

    text = all_log_text(captured_logs)

    assert "canaryvalue123" not in text
    assert "canary2" not in text
    assert "page=2" in text


def test_redact_query_keeps_harmless_values() -> None:
    assert (
        redact_query("status=queued&token=abc") == "status=queued&token=%5Bredacted%5D"
    )


def test_newlines_cannot_forge_records() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, "", 0, "login %s", ("evil\r\nFAKE ok",), None
    )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert "\\x0d\\x0a" in line or "\\\\x0d\\\\x0a" in line


def test_clean_masks_key_shaped_text() -> None:
    assert clean("used tw_live_abcdefgh12345678 here") == "used tw_[redacted] here"

"""How the CLI reports SDK errors: one line, a next step, an exit code."""

from __future__ import annotations

import pytest

from trainwave.cli.common import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_PERMISSION,
    EXIT_RATE_LIMITED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    error_line,
    exit_code_for,
)
from trainwave.client import (
    APIConnectionError,
    APIError,
    Conflict,
    InvalidAPIKey,
    MissingCredentials,
    NotFound,
    PermissionDenied,
    RateLimitExceeded,
    ServerError,
    ServiceUnavailable,
    TrainwaveError,
    ValidationError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (MissingCredentials(), EXIT_AUTH),
        (InvalidAPIKey(401, "invalid_api_key", "m"), EXIT_AUTH),
        (PermissionDenied(403, "insufficient_permissions", "m"), EXIT_PERMISSION),
        (NotFound(404, "not_found", "m"), EXIT_NOT_FOUND),
        (ValidationError(400, "validation_error", "m"), EXIT_USAGE),
        (Conflict(409, "conflict", "m"), EXIT_ERROR),
        (RateLimitExceeded(429, "rate_limit_exceeded", "m"), EXIT_RATE_LIMITED),
        (ServerError(500, "internal_error", "m"), EXIT_UNAVAILABLE),
        (ServiceUnavailable(503, "service_unavailable", "m"), EXIT_UNAVAILABLE),
        (APIConnectionError("m"), EXIT_UNAVAILABLE),
        (APIError(418, "teapot", "m"), EXIT_ERROR),
    ],
    ids=lambda value: (
        type(value).__name__ if isinstance(value, Exception) else str(value)
    ),
)
def test_exit_code(error: TrainwaveError, code: int) -> None:
    assert exit_code_for(error) == code


def test_invalid_key_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRAINWAVE_API_KEY", raising=False)
    error = InvalidAPIKey(
        401, "invalid_api_key", "The provided API key is invalid or expired", "req_1"
    )

    assert error_line(error) == (
        "error: invalid_api_key: The provided API key is invalid or expired "
        "(request req_1) - run wave auth login"
    )


def test_permission_line_names_permission() -> None:
    error = PermissionDenied(
        403, "insufficient_permissions", "Needs jobs:write.", permission="jobs:write"
    )

    assert "ask an organization admin for the jobs:write permission" in error_line(
        error
    )


def test_rate_limit_line_says_when() -> None:
    error = RateLimitExceeded(429, "rate_limit_exceeded", "Too many", retry_after=12)

    assert error_line(error).endswith("- wait 12s and retry")


def test_validation_line_lists_fields() -> None:
    details = [{"field": "name", "message": "too short"}]
    error = ValidationError(400, "validation_error", "Invalid.", details=details)

    assert error_line(error).endswith("- name: too short")


def test_invalid_key_from_environment_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINWAVE_API_KEY", "tw_live_stale")
    error = InvalidAPIKey(401, "invalid_api_key", "Invalid.")

    assert error_line(error).endswith(
        "- run wave auth login, or fix TRAINWAVE_API_KEY, "
        "which wins over a stored login"
    )

"""Login throttling (placeholder until the rate-limit policies land)."""

from __future__ import annotations

from django.http import HttpRequest


def check_login_allowed(request: HttpRequest, email: str) -> None:
    """Raise RateLimitExceeded when too many logins failed for this account or IP."""
    # TODO: enforce the per-account and per-IP login limits.


def record_login_failure(request: HttpRequest, email: str) -> None:
    """Count a failed login against the account and the client IP."""

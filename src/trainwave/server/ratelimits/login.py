"""Login throttling that stops password guessing without locking owners out.

Every login attempt takes a slot in up to three moving windows, before the
password is checked, so concurrent attempts cannot overshoot a limit:

* ``login_ip``: attempts from one client address, whatever the account
  (default 300 per hour), against spraying many accounts;
* ``login_account_ip``: attempts on one account from one address (default
  10 per 15 minutes); a successful login empties this window;
* ``login_account``: attempts on one account from addresses that are not
  *known* for it (default 100 per hour). An address becomes known for an
  account when a login to that account succeeds from it, for
  ``TRAINWAVE_LOGIN_KNOWN_CLIENT_DAYS`` days.

An attacker who fails on purpose from elsewhere exhausts only the account's
budget for unknown addresses, so the owner, logging in from a known address,
is still let in (under the per-address window). The account is named by a
digest of the normalised email, whether or not it exists, so unknown emails
are throttled the same way and nothing is enumerated.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest

from trainwave.server.config import get_config
from trainwave.server.ratelimits import metrics
from trainwave.server.ratelimits.client_address import rate_limit_identity
from trainwave.server.ratelimits.limiter import Decision, limiter


def account_digest(email: str) -> str:
    """Return the limiter's name for an account, from the same normal form
    that login uses, so look-alike spellings of one email share its limits."""
    from trainwave.server.accounts.models import normalize_email

    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def client_of(request: HttpRequest) -> str:
    return rate_limit_identity(getattr(request, "client_ip", ""))


def known_client_name(account: str, client: str) -> str:
    return f"tw:login-known:{account}:{client}"


def is_known_client(request: HttpRequest, email: str) -> bool:
    """Return whether a login to ``email`` succeeded from this client lately."""
    return limiter.is_marked(
        known_client_name(account_digest(email), client_of(request))
    )


def check_login_allowed(request: HttpRequest, email: str) -> None:
    """Count a login attempt; raise RateLimitExceeded when a login limit is hit."""
    settings = get_config().rate_limits
    if not settings.enabled:
        return
    account, client = account_digest(email), client_of(request)
    windows = [
        ("login_ip", client),
        ("login_account_ip", f"{account}|{client}"),
    ]
    if not is_known_client(request, email):
        windows.append(("login_account", account))
    tightest: Decision | None = None
    for policy, identity in windows:
        decision = limiter.hit(policy, settings.item(policy), identity)
        metrics.count(policy, admitted=decision.admitted)
        if tightest is None or decision.remaining < tightest.remaining:
            tightest = decision
        if not decision.admitted:
            request.rate_limit = decision  # type: ignore[attr-defined]
            raise decision.error()
    request.rate_limit = tightest  # type: ignore[attr-defined]


def record_login_success(request: HttpRequest, email: str) -> None:
    """Mark the client as known for the account and empty its attempt window."""
    settings = get_config().rate_limits
    if not settings.enabled:
        return
    account, client = account_digest(email), client_of(request)
    limiter.clear(
        "login_account_ip", settings.item("login_account_ip"), f"{account}|{client}"
    )
    limiter.mark(
        known_client_name(account, client), settings.known_client_days * 86_400
    )

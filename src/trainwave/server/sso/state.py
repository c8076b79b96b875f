"""The sign-in a browser has started, kept in its session until the IdP returns.

Binding ``state``, ``nonce``, the PKCE verifier and the SAML request ID to
the session means a callback only works in the browser that started it, and
removing the entry on first read makes every callback single-use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from trainwave.server import clock

SESSION_KEY = "trainwave.sso.pending"
# How long a person may spend at the IdP before the sign-in must start over.
PENDING_SECONDS = 600


@dataclass
class PendingLogin:
    connection_id: str
    protocol: str
    next_path: str = "/"
    state: str = ""
    nonce: str = ""
    code_verifier: str = ""
    saml_request_id: str = ""
    started_at: float = field(default_factory=lambda: clock.now().timestamp())


def safe_next(request: HttpRequest, value: str | None) -> str:
    """Return ``value`` if it is a path on this site, else ``/``.

    Rejects absolute URLs, scheme-relative ``//host`` and ``/\\host`` forms,
    so a sign-in link cannot send the person to another site afterwards.
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return value


def save_pending(request: HttpRequest, pending: PendingLogin) -> None:
    request.session[SESSION_KEY] = asdict(pending)


def pop_pending(request: HttpRequest) -> PendingLogin | None:
    """Remove and return the session's pending sign-in, if it has not expired."""
    raw = request.session.pop(SESSION_KEY, None)
    if not isinstance(raw, dict):
        return None
    try:
        pending = PendingLogin(**raw)
    except TypeError:
        return None
    if clock.now().timestamp() - pending.started_at > PENDING_SECONDS:
        return None
    return pending

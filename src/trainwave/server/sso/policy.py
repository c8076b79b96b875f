"""Whether a user may still sign in with a password."""

from __future__ import annotations

from trainwave.server.accounts.models import User
from trainwave.server.errors import SsoRequired
from trainwave.server.sso.models import SsoConnection


def check_password_login_allowed(user: User) -> None:
    """Raise SsoRequired if an organization of ``user`` requires SSO.

    The break-glass user of a connection is exempt from that connection's
    requirement, so an owner can still get in when the IdP is down.
    """
    requiring = SsoConnection.objects.filter(
        require_sso=True,
        enabled=True,
        organization__memberships__user=user,
    ).exclude(break_glass_user=user)
    if requiring.exists():
        raise SsoRequired()

"""Whether a user may still sign in with a password."""

from __future__ import annotations

from trainwave.server.accounts.models import Membership, User
from trainwave.server.errors import SsoRequired
from trainwave.server.sso.models import SsoConnection


def sso_only_organizations(user_id: str) -> set[str]:
    """Return the IDs of the user's organizations that require SSO of them.

    The break-glass user of a connection is exempt from that connection's
    requirement, so an owner can still get in when the IdP is down.
    """
    requiring = SsoConnection.objects.filter(
        require_sso=True,
        enabled=True,
        organization__memberships__user_id=user_id,
    ).exclude(break_glass_user_id=user_id)
    return set(requiring.values_list("organization_id", flat=True))


def check_password_login_allowed(user: User) -> None:
    """Raise SsoRequired if every organization of ``user`` requires SSO.

    A person who also belongs to organizations that allow passwords may log
    in with one, but that session cannot act in the SSO-only organizations
    (see ``accounts.sessions.excluded_organizations``). Being added to an
    SSO-only organization therefore never locks anyone out of their others.
    """
    sso_only = sso_only_organizations(user.pk)
    if not sso_only:
        return
    memberships = Membership.objects.filter(user_id=user.pk)
    organizations = set(memberships.values_list("organization_id", flat=True))
    if organizations <= sso_only:
        raise SsoRequired()

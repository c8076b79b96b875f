"""Turning a verified IdP identity into a user, a membership and a session.

Users are found by (issuer, subject) only. An email alone never links an IdP
identity to an existing account, because another IdP (or a careless one)
could assert any email. So a first sign-in whose email already belongs to an
account is rejected.
NOTE: there is no way yet for an owner to link an existing account to an IdP
identity; such people must keep signing in with their password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from trainwave.server import clock
from trainwave.server.accounts.models import Membership, User, normalize_email
from trainwave.server.accounts.roles import OWNER, ROLE_RANK
from trainwave.server.accounts.sessions import ACTIVE_ORGANIZATION, mark_login
from trainwave.server.audit.events import record_event
from trainwave.server.errors import SsoLoginFailed
from trainwave.server.sso.models import SsoConnection, SsoIdentity

logger = logging.getLogger("trainwave.security")

SESSION_BACKEND = "trainwave.server.accounts.backends.EmailBackend"


@dataclass(frozen=True)
class IdpUser:
    """The identity an identity provider vouched for, after every protocol check."""

    issuer: str
    subject: str
    email: str
    name: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)


def mapped_role(connection: SsoConnection, groups: frozenset[str]) -> str | None:
    """Return the role the groups grant, or None when the user may not enter.

    Without a group mapping everyone gets the default role. With one, the
    most privileged mapped role wins, and a user in no mapped group gets None.
    """
    mapping: dict[str, str] = connection.group_roles or {}
    if not mapping:
        return connection.default_role
    granted = [role for group, role in mapping.items() if group in groups]
    if not granted:
        return None
    return max(granted, key=lambda role: ROLE_RANK[role])


def reject(
    request: HttpRequest, connection: SsoConnection, reason: str, message: str
) -> SsoLoginFailed:
    """Log a rejected sign-in; return the error for the caller to raise.

    ``reason`` is a short code for logs and the audit event; ``message`` is
    shown to the person. Neither may contain a token or assertion.
    """
    logger.warning(
        "sso login rejected: %s",
        reason,
        extra={
            "event": "sso.login_failed",
            "reason": reason,
            "connection_id": connection.id,
            "path": request.path,
            "request_id": getattr(request, "request_id", None),
        },
    )
    error = SsoLoginFailed(message)
    error.log_fields = {"reason": reason, "connection_id": connection.id}
    return error


def check_email_domain(
    request: HttpRequest, connection: SsoConnection, email: str
) -> None:
    domain = email.rpartition("@")[2]
    covered = set(connection.domains.values_list("domain", flat=True))
    if domain not in covered:
        raise reject(
            request,
            connection,
            "email_domain_not_covered",
            "Your identity provider sent an email address outside the domains "
            "of this SSO connection.",
        )


def find_or_create_user(
    request: HttpRequest, connection: SsoConnection, idp_user: IdpUser
) -> tuple[User, bool]:
    identity = (
        SsoIdentity.objects.select_related("user")
        .filter(issuer=idp_user.issuer, subject=idp_user.subject)
        .first()
    )
    if identity is not None:
        if identity.connection_id != connection.id:
            raise reject(
                request,
                connection,
                "identity_of_other_connection",
                "This identity belongs to another SSO connection.",
            )
        identity.last_login_at = clock.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user, False
    email = normalize_email(idp_user.email)
    if not email or "@" not in email:
        raise reject(
            request,
            connection,
            "email_missing",
            "Your identity provider sent no email.",
        )
    check_email_domain(request, connection, email)
    if User.objects.filter(email=email).exists():
        raise reject(
            request,
            connection,
            "email_taken",
            "An account with this email already exists and is not linked to "
            "this identity provider: ask an organization owner to link it.",
        )
    user = User.objects.create_user(email, None, name=idp_user.name[:150])
    SsoIdentity.objects.create(
        connection=connection,
        issuer=idp_user.issuer,
        subject=idp_user.subject,
        user=user,
        last_login_at=clock.now(),
    )
    return user, True


def deprovision(
    request: HttpRequest | None, connection: SsoConnection, user: User
) -> bool:
    """Remove the user's membership (never an owner's); return whether one went.

    Deleting the membership bumps the key-verification epoch, so the user's
    API keys for the organization stop working on the next request.
    """
    deleted, _ = (
        Membership.objects.filter(user=user, organization_id=connection.organization_id)
        .exclude(role=OWNER)
        .delete()
    )
    if deleted:
        record_event(
            request,
            "sso.member_deprovisioned",
            organization_id=connection.organization_id,
            actor_user_id=user.pk,
            actor_email=user.email,
            target_type="user",
            target_id=user.pk,
        )
    return bool(deleted)


def apply_role(
    request: HttpRequest, connection: SsoConnection, user: User, role: str
) -> None:
    """Create or update the membership; an owner's role is never changed."""
    membership = Membership.objects.filter(
        user=user, organization_id=connection.organization_id
    ).first()
    if membership is None:
        Membership.objects.create(
            user=user, organization_id=connection.organization_id, role=role
        )
        record_event(
            request,
            "sso.member_provisioned",
            organization_id=connection.organization_id,
            actor_user_id=user.pk,
            actor_email=user.email,
            target_type="user",
            target_id=user.pk,
            role=role,
        )
    elif membership.role != role and membership.role != OWNER:
        membership.role = role
        membership.save(update_fields=["role"])


def complete_login(
    request: HttpRequest, connection: SsoConnection, idp_user: IdpUser
) -> User:
    """Provision the user, sync their role, and start a normal session.

    Raises SsoLoginFailed, with the membership removed, when the user is in
    none of the mapped groups.
    """
    with transaction.atomic():
        user, _created = find_or_create_user(request, connection, idp_user)
        if not user.is_active:
            raise reject(
                request, connection, "user_inactive", "This account is disabled."
            )
        role = mapped_role(connection, idp_user.groups)
        if role is None:
            deprovision(request, connection, user)
        else:
            apply_role(request, connection, user, role)
    if role is None:
        raise reject(
            request,
            connection,
            "no_mapped_group",
            "You are not in any group that gives access to this organization.",
        )
    # A new session for every sign-in, exactly as for password login, so a
    # session id planted before the redirect is worthless afterwards.
    request.session.flush()
    login(request, user, backend=SESSION_BACKEND)
    mark_login(request, method="sso")
    request.session[ACTIVE_ORGANIZATION] = connection.organization_id
    record_event(
        request,
        "sso.login",
        organization_id=connection.organization_id,
        actor_user_id=user.pk,
        actor_email=user.email,
        target_type="sso_connection",
        target_id=connection.id,
        protocol=connection.protocol,
    )
    return user

"""SSO connections, the identities they vouch for, and one-time protocol state."""

from __future__ import annotations

from django.db import models

from trainwave.server import clock
from trainwave.server.accounts.models import Organization, User
from trainwave.server.accounts.roles import ROLE_CHOICES
from trainwave.server.ids import new_id

OIDC = "oidc"
SAML = "saml"
LDAP = "ldap"
PROTOCOL_CHOICES = [(OIDC, "OpenID Connect"), (SAML, "SAML 2.0"), (LDAP, "LDAP")]


def new_connection_id() -> str:
    return new_id("sso")


class SsoConnection(models.Model):
    """An organization's link to one identity provider.

    ``settings`` contains the provider's public settings (issuer, URLs, search
    bases); ``encrypted_secrets`` contains client secrets and bind passwords,
    sealed by ``sso.secrets`` and never returned by the API.
    """

    id = models.CharField(
        primary_key=True, max_length=32, default=new_connection_id, editable=False
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_connections"
    )
    name = models.CharField(max_length=150)
    protocol = models.CharField(max_length=8, choices=PROTOCOL_CHOICES)
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict)
    encrypted_secrets = models.TextField(blank=True, default="")
    default_role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    # IdP group name or DN -> role. When not empty, a user must be in at least
    # one of these groups to sign in, and leaving all of them removes the
    # membership at the next sign-in.
    group_roles = models.JSONField(default=dict)
    # Members of the organization must sign in through SSO; only the
    # break-glass user may still use a password.
    require_sso = models.BooleanField(default=False)
    break_glass_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.protocol} connection {self.id}"


class SsoDomain(models.Model):
    """An email domain routed to one connection; a domain has one owner."""

    domain = models.CharField(max_length=253, unique=True)
    connection = models.ForeignKey(
        SsoConnection, on_delete=models.CASCADE, related_name="domains"
    )

    def __str__(self) -> str:
        return self.domain


class SsoIdentity(models.Model):
    """A user as known to one identity provider, keyed by (issuer, subject)."""

    connection = models.ForeignKey(
        SsoConnection, on_delete=models.CASCADE, related_name="identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=500)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sso_identities"
    )
    created_at = models.DateTimeField(default=clock.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="sso_identity_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class SamlRequest(models.Model):
    """An AuthnRequest we sent, waiting for its response (InResponseTo).

    The assertion consumer service fills ``result`` after validation; the
    browser that started the login (which keeps ``request_id`` in its
    session) then finishes it and deletes the row, so each is used once.
    """

    request_id = models.CharField(max_length=100, unique=True)
    connection = models.ForeignKey(SsoConnection, on_delete=models.CASCADE)
    expires_at = models.DateTimeField()
    result = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.request_id


class UsedAssertion(models.Model):
    """A SAML assertion ID already consumed, kept until it expires (replay cache)."""

    issuer = models.CharField(max_length=500)
    assertion_id = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "assertion_id"], name="sso_assertion_once"
            ),
        ]

    def __str__(self) -> str:
        return self.assertion_id

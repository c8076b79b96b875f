"""LDAP and Active Directory sign-in with ldap3."""

from __future__ import annotations

from django.http import HttpRequest

from trainwave.server.sso.models import SsoConnection
from trainwave.server.sso.provisioning import IdpUser, reject


def authenticate(
    request: HttpRequest, connection: SsoConnection, username: str, password: str
) -> IdpUser:
    # TODO: directory sign-in is not implemented yet; every attempt fails.
    raise reject(
        request, connection, "ldap_not_implemented", "Directory sign-in is unavailable."
    )

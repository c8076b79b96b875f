"""LDAP and Active Directory sign-in with ldap3.

The person's own password is checked by binding as them, over StartTLS or
LDAPS with certificate and host name checks. An empty or all-whitespace
password is rejected before any connection is opened, because many servers
treat a simple bind without a password as an anonymous bind that succeeds.
Everything typed by the person is escaped before it enters a filter.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest
from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from trainwave.server.sso.models import SsoConnection, SsoIdentity
from trainwave.server.sso.provisioning import IdpUser, deprovision, reject
from trainwave.server.sso.secrets import unseal

TIMEOUT_SECONDS = 5
MAX_USERNAME_LENGTH = 256
# Active Directory's matching rule that follows group membership through
# every level of nesting (LDAP_MATCHING_RULE_IN_CHAIN).
IN_CHAIN = "1.2.840.113556.1.4.1941"
# userAccountControl flag of a disabled Active Directory account.
ACCOUNT_DISABLE = 0x2
MAX_GROUP_DEPTH = 10
INVALID = "The username or password is incorrect."


def server_for(connection: SsoConnection) -> Server:
    settings = connection.settings
    parts = urlsplit(settings["server_url"])
    tls = Tls(
        validate=ssl.CERT_REQUIRED,
        version=ssl.PROTOCOL_TLS_CLIENT,
        ca_certs_data=settings.get("ca_cert") or None,
    )
    return Server(
        parts.hostname or "",
        port=parts.port,
        use_ssl=parts.scheme == "ldaps",
        tls=tls,
        connect_timeout=TIMEOUT_SECONDS,
        # Without the schema, ldap3 lets us ask for attributes that only one
        # directory has (objectGUID on AD, entryUUID on OpenLDAP).
        get_info=NONE,
    )


def open_connection(
    connection: SsoConnection, user: str | None, password: str | None
) -> Connection:
    """Open a TLS-protected connection and bind; raise LDAPException on failure."""
    ldap = Connection(
        server_for(connection),
        user=user,
        password=password,
        receive_timeout=TIMEOUT_SECONDS,
        raise_exceptions=False,
        read_only=True,
    )
    ldap.open()
    plain = urlsplit(connection.settings["server_url"]).scheme == "ldap"
    if plain and not ldap.start_tls():
        raise LDAPException("StartTLS failed")
    return ldap


def user_filter(settings: dict[str, Any], username: str) -> str:
    value = escape_filter_chars(username)
    alternatives = "".join(f"({name}={value})" for name in settings["login_attributes"])
    return f"(&(objectClass={settings['user_object_class']})(|{alternatives}))"


def find_user(
    request: HttpRequest, connection: SsoConnection, username: str
) -> tuple[str, dict[str, Any]]:
    """Look the user up with the service account; return their DN and attributes."""
    settings = connection.settings
    bind_password = unseal(connection.encrypted_secrets, connection.id).get(
        "bind_password"
    )
    service = open_connection(connection, settings["bind_dn"] or None, bind_password)
    try:
        if settings["bind_dn"] and not service.bind():
            raise reject(
                request,
                connection,
                "ldap_service_bind_failed",
                "The directory rejected the service account. Ask an admin to "
                "check the SSO connection.",
            )
        service.search(
            settings["user_base_dn"],
            user_filter(settings, username),
            search_scope=SUBTREE,
            attributes=[
                settings["email_attribute"],
                settings["name_attribute"],
                "entryUUID",
                "objectGUID",
                "userAccountControl",
            ],
            size_limit=2,
        )
        entries = [
            e for e in service.response or [] if e.get("type") == "searchResEntry"
        ]
    finally:
        service.unbind()
    if len(entries) != 1:
        raise reject(request, connection, "ldap_user_not_found", INVALID)
    return str(entries[0]["dn"]), dict(entries[0]["attributes"])


def first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def is_disabled(attributes: dict[str, Any]) -> bool:
    control = first(attributes.get("userAccountControl"))
    return control.isdigit() and bool(int(control) & ACCOUNT_DISABLE)


def group_names(entries: Iterable[dict[str, Any]]) -> set[str]:
    """Return each group's DN and its cn, so a mapping may use either."""
    names = set()
    for entry in entries:
        names.add(str(entry["dn"]))
        names.add(first(entry["attributes"].get("cn")))
    names.discard("")
    return names


def read_groups(ldap: Connection, connection: SsoConnection, user_dn: str) -> set[str]:
    settings = connection.settings
    base = settings["group_base_dn"] or settings["user_base_dn"]
    if settings["directory_type"] == "active_directory":
        ldap.search(
            base,
            f"(member:{IN_CHAIN}:={escape_filter_chars(user_dn)})",
            search_scope=SUBTREE,
            attributes=["cn"],
        )
        return group_names(
            e for e in ldap.response or [] if e.get("type") == "searchResEntry"
        )
    # OpenLDAP has no in-chain rule: walk groupOfNames membership upwards,
    # one level per search, stopping at cycles and at a fixed depth.
    found: dict[str, dict[str, Any]] = {}
    frontier = [user_dn]
    for _ in range(MAX_GROUP_DEPTH):
        members = "".join(f"(member={escape_filter_chars(dn)})" for dn in frontier)
        ldap.search(
            base,
            f"(&(objectClass=groupOfNames)(|{members}))",
            search_scope=SUBTREE,
            attributes=["cn"],
        )
        new = [
            entry
            for entry in ldap.response or []
            if entry.get("type") == "searchResEntry" and entry["dn"] not in found
        ]
        if not new:
            break
        for entry in new:
            found[entry["dn"]] = entry
        frontier = [entry["dn"] for entry in new]
    return group_names(found.values())


def authenticate(
    request: HttpRequest, connection: SsoConnection, username: str, password: str
) -> IdpUser:
    """Check the credentials against the directory; return who they belong to."""
    username = username.strip()
    if not password.strip() or not username or len(username) > MAX_USERNAME_LENGTH:
        raise reject(request, connection, "ldap_empty_credentials", INVALID)
    try:
        user_dn, attributes = find_user(request, connection, username)
        if is_disabled(attributes):
            for identity in SsoIdentity.objects.filter(
                connection=connection, subject=subject_of(user_dn, attributes)
            ).select_related("user"):
                deprovision(request, connection, identity.user)
            raise reject(request, connection, "ldap_account_disabled", INVALID)
        ldap = open_connection(connection, user_dn, password)
        try:
            if not ldap.bind():
                raise reject(request, connection, "ldap_bind_failed", INVALID)
            groups = read_groups(ldap, connection, user_dn)
        finally:
            ldap.unbind()
    except LDAPException as error:
        raise reject(
            request,
            connection,
            f"ldap_unavailable:{type(error).__name__}",
            "The directory could not be reached securely. Try again later.",
        ) from None
    settings = connection.settings
    return IdpUser(
        issuer=settings["server_url"],
        subject=subject_of(user_dn, attributes),
        email=first(attributes.get(settings["email_attribute"])),
        name=first(attributes.get(settings["name_attribute"]))[:150],
        groups=frozenset(groups),
    )


def subject_of(user_dn: str, attributes: dict[str, Any]) -> str:
    """Return a stable identifier: AD's objectGUID, OpenLDAP's entryUUID, or the DN."""
    for name in ("objectGUID", "entryUUID"):
        value = first(attributes.get(name))
        if value:
            return value
    return user_dn

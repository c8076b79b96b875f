"""Creating, changing and reading SSO connections (the admin use cases)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import IntegrityError, transaction
from pydantic import ValidationError as PydanticError

from trainwave.server import clock
from trainwave.server.accounts.models import Membership
from trainwave.server.config import get_config
from trainwave.server.errors import Conflict, NotFound, ValidationFailed
from trainwave.server.sso import schemas
from trainwave.server.sso.models import LDAP, OIDC, SAML, SsoConnection, SsoDomain
from trainwave.server.sso.secrets import seal, unseal

SETTINGS_SCHEMAS: dict[str, type[schemas.Schema]] = {
    OIDC: schemas.OidcSettings,
    SAML: schemas.SamlSettings,
    LDAP: schemas.LdapSettings,
}
SECRET_NAMES = {OIDC: {"client_secret"}, SAML: set(), LDAP: {"bind_password"}}
DOMAIN_PATTERN = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, details=[{"field": field, "message": message, "type": "invalid"}]
    )


def check_settings(protocol: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate ``raw`` for ``protocol``; return it with defaults filled in."""
    try:
        parsed = SETTINGS_SCHEMAS[protocol].model_validate(raw)
    except PydanticError as error:
        details = [
            {
                "field": "settings." + ".".join(str(part) for part in item["loc"]),
                "message": item["msg"],
                "type": item["type"],
            }
            for item in error.errors()
        ]
        raise ValidationFailed(
            f"The {protocol} settings are invalid.", details=details
        ) from None
    settings = parsed.model_dump()
    if protocol == OIDC:
        check_url("settings.issuer", settings["issuer"])
    elif protocol == SAML:
        settings = read_idp_metadata(settings)
        check_url("settings.idp_sso_url", settings["idp_sso_url"])
        check_certificate(settings["idp_x509_cert"])
    else:
        check_ldap_transport(settings)
    return settings


def read_idp_metadata(settings: dict[str, Any]) -> dict[str, Any]:
    """Fill the idp_* settings from IdP metadata given as XML or a URL.

    The metadata is read once, here; the stored settings keep only the
    values taken from it, so a later change at the URL changes nothing.
    """
    from trainwave.server.sso.fetch import FetchFailed, fetch_text

    xml = settings.pop("idp_metadata_xml", "")
    url = settings.pop("idp_metadata_url", "")
    if url and not xml:
        check_url("settings.idp_metadata_url", url)
        try:
            xml = fetch_text(url)
        except FetchFailed:
            raise invalid(
                "settings.idp_metadata_url", "The IdP metadata could not be fetched."
            ) from None
    if xml:
        from onelogin.saml2.idp_metadata_parser import (
            OneLogin_Saml2_IdPMetadataParser,
        )

        try:
            parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml).get("idp", {})
        except Exception:
            # defusedxml and lxml raise many types for hostile or broken XML.
            raise invalid(
                "settings.idp_metadata_xml", "The IdP metadata is not valid XML."
            ) from None
        settings["idp_entity_id"] = parsed.get("entityId", "")
        settings["idp_sso_url"] = parsed.get("singleSignOnService", {}).get("url", "")
        settings["idp_x509_cert"] = parsed.get("x509cert", "")
    for name in ("idp_entity_id", "idp_sso_url", "idp_x509_cert"):
        if not settings.get(name):
            raise invalid(
                f"settings.{name}",
                f"{name} is missing: enter it, or give the IdP metadata.",
            )
    return settings


def check_url(field: str, url: str) -> None:
    """Allow only http(s) URLs, and only https in production.

    The server fetches OIDC discovery documents and keys from these URLs, so
    a ``file:`` or other scheme must never get as far as a request.
    """
    parts = urlsplit(url)
    production = get_config().production
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise invalid(field, f"Use an {' or '.join(allowed)} URL with a host name.")
    if production and is_internal_address(parts.hostname):
        raise invalid(
            field, "The URL points at a loopback, private or link-local address."
        )


def is_internal_address(host: str) -> bool:
    """Whether ``host`` is an IP literal the server should never fetch from.

    NOTE: host names are not resolved here, so a name that resolves to an
    internal address still passes; block those at the egress proxy.
    """
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def check_certificate(pem: str) -> None:
    from cryptography import x509

    text = pem.strip()
    if "BEGIN CERTIFICATE" not in text:
        text = f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----"
    try:
        x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        raise invalid(
            "settings.idp_x509_cert", "The IdP certificate is not a PEM certificate."
        ) from None


def check_ldap_transport(settings: dict[str, Any]) -> None:
    """Reject a directory URL that would send passwords in clear text."""
    scheme = urlsplit(settings["server_url"]).scheme
    if scheme not in ("ldap", "ldaps"):
        raise invalid("settings.server_url", "Use an ldaps:// or ldap:// URL.")
    if scheme == "ldap" and not settings["start_tls"]:
        raise invalid(
            "settings.start_tls",
            "Plain ldap:// sends passwords in clear text: turn on start_tls "
            "or use ldaps://.",
        )


def check_domains(domains: list[str]) -> list[str]:
    cleaned = []
    for domain in domains:
        value = domain.strip().lower().rstrip(".")
        if not DOMAIN_PATTERN.fullmatch(value):
            raise invalid("email_domains", f"{domain!r} is not a domain name.")
        cleaned.append(value)
    return sorted(set(cleaned))


def check_secrets(protocol: str, secrets: dict[str, str]) -> None:
    unknown = set(secrets) - SECRET_NAMES[protocol]
    if unknown:
        allowed = ", ".join(sorted(SECRET_NAMES[protocol])) or "none"
        raise invalid(
            "secrets", f"Unknown secret {sorted(unknown)[0]!r}; allowed: {allowed}."
        )


def check_group_roles(group_roles: Mapping[str, str]) -> None:
    if any(not name.strip() for name in group_roles):
        raise invalid("group_roles", "Group names must not be empty.")


def check_break_glass(organization_id: str, user_id: str | None) -> None:
    if user_id is None:
        return
    is_owner = Membership.objects.filter(
        organization_id=organization_id, user_id=user_id, role="owner"
    ).exists()
    if not is_owner:
        raise invalid(
            "break_glass_user_id",
            "The break-glass user must be an owner of this organization.",
        )


def start_url(connection: SsoConnection) -> str:
    return "/auth/sso/start/?" + urlencode({"connection": connection.id})


def connection_out(connection: SsoConnection) -> dict[str, Any]:
    secrets = unseal(connection.encrypted_secrets, connection.id)
    return {
        "id": connection.id,
        "name": connection.name,
        "protocol": connection.protocol,
        "enabled": connection.enabled,
        "settings": connection.settings,
        "secrets_set": sorted(secrets),
        "email_domains": sorted(d.domain for d in connection.domains.all()),
        "default_role": connection.default_role,
        "group_roles": connection.group_roles,
        "require_sso": connection.require_sso,
        "break_glass_user_id": connection.break_glass_user_id,
        "start_url": start_url(connection),
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
    }


def set_domains(connection: SsoConnection, domains: list[str]) -> None:
    connection.domains.all().delete()
    try:
        with transaction.atomic():
            SsoDomain.objects.bulk_create(
                SsoDomain(domain=domain, connection=connection) for domain in domains
            )
    except IntegrityError:
        raise Conflict(
            "One of these email domains already belongs to another SSO connection."
        ) from None


def check_require_sso(require_sso: bool, break_glass_user_id: str | None) -> None:
    """Refuse to require SSO without a break-glass owner.

    Otherwise the owner who turns it on loses password sign-in at once, and
    an outage of the identity provider would lock every member out.
    """
    if require_sso and not break_glass_user_id:
        message = (
            "Requiring SSO needs a break-glass owner who keeps password sign-in: "
            "set break_glass_user_id."
        )
        raise ValidationFailed(
            message,
            details=[
                {"field": "break_glass_user_id", "message": message, "type": "value"}
            ],
        )


def create_connection(
    organization_id: str, payload: schemas.ConnectionIn
) -> SsoConnection:
    """Validate and store a new connection; secrets are sealed before saving."""
    settings = check_settings(payload.protocol, payload.settings)
    check_secrets(payload.protocol, payload.secrets)
    check_group_roles(payload.group_roles)
    check_break_glass(organization_id, payload.break_glass_user_id)
    check_require_sso(payload.require_sso, payload.break_glass_user_id)
    domains = check_domains(payload.email_domains)
    with transaction.atomic():
        connection = SsoConnection(
            organization_id=organization_id,
            name=payload.name.strip(),
            protocol=payload.protocol,
            enabled=payload.enabled,
            settings=settings,
            default_role=payload.default_role,
            group_roles=payload.group_roles,
            require_sso=payload.require_sso,
            break_glass_user_id=payload.break_glass_user_id,
        )
        connection.encrypted_secrets = seal(payload.secrets, connection.id)
        connection.save(force_insert=True)
        set_domains(connection, domains)
    return connection


def update_connection(
    connection: SsoConnection, payload: schemas.ConnectionPatch
) -> SsoConnection:
    """Apply the fields present in ``payload``; a secret set to '' is removed."""
    fields = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        if fields.get("settings") is not None:
            connection.settings = check_settings(
                connection.protocol, fields["settings"]
            )
        if fields.get("secrets") is not None:
            check_secrets(connection.protocol, fields["secrets"])
            secrets = unseal(connection.encrypted_secrets, connection.id)
            secrets.update(fields["secrets"])
            secrets = {name: value for name, value in secrets.items() if value}
            connection.encrypted_secrets = seal(secrets, connection.id)
        if fields.get("group_roles") is not None:
            check_group_roles(fields["group_roles"])
            connection.group_roles = fields["group_roles"]
        if "break_glass_user_id" in fields:
            check_break_glass(connection.organization_id, fields["break_glass_user_id"])
            connection.break_glass_user_id = fields["break_glass_user_id"]
        for name in ("name", "enabled", "default_role", "require_sso"):
            if fields.get(name) is not None:
                setattr(connection, name, fields[name])
        check_require_sso(connection.require_sso, connection.break_glass_user_id)
        connection.updated_at = clock.now()
        connection.save()
        if fields.get("email_domains") is not None:
            set_domains(connection, check_domains(fields["email_domains"]))
    return connection


def get_connection(organization_id: str | None, connection_id: str) -> SsoConnection:
    connection = SsoConnection.objects.filter(
        organization_id=organization_id, id=connection_id
    ).first()
    if connection is None:
        raise NotFound("SSO connection not found.")
    return connection


def connection_for_email(email: str) -> SsoConnection | None:
    """Return the enabled connection covering the email's domain, if any."""
    domain = email.strip().lower().rpartition("@")[2].rstrip(".")
    if not domain:
        return None
    entry = (
        SsoDomain.objects.select_related("connection__organization")
        .filter(domain=domain, connection__enabled=True)
        .first()
    )
    return entry.connection if entry else None

"""Request and response bodies of the SSO connections API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class OidcSettings(Schema):
    issuer: str = Field(max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    scopes: list[str] = ["openid", "email", "profile"]
    groups_claim: str = "groups"
    # Signature algorithms accepted on ID tokens; "none" and HMAC are never
    # allowed, because an attacker could sign with a public key or skip signing.
    algorithms: list[Literal["RS256", "RS384", "RS512", "PS256", "ES256", "EdDSA"]] = [
        "RS256",
        "ES256",
        "PS256",
    ]


class SamlSettings(Schema):
    # Either the three idp_* values, or the IdP's metadata (as XML or an
    # https URL fetched once, when the connection is saved) to read them from.
    idp_metadata_xml: str = Field(default="", max_length=200_000)
    idp_metadata_url: str = Field(default="", max_length=1000)
    idp_entity_id: str = Field(default="", max_length=500)
    idp_sso_url: str = Field(default="", max_length=1000)
    idp_x509_cert: str = Field(default="", max_length=20000)
    email_attribute: str = "urn:oid:0.9.2342.19200300.100.1.3"
    name_attribute: str = "urn:oid:2.16.840.1.113730.3.1.241"
    groups_attribute: str = "groups"


class LdapSettings(Schema):
    server_url: str = Field(max_length=500)
    start_tls: bool = True
    # PEM of the CA that signed the directory's certificate; empty means the
    # system trust store.
    ca_cert: str = Field(default="", max_length=20000)
    bind_dn: str = Field(default="", max_length=500)
    user_base_dn: str = Field(max_length=500)
    # Attributes a user may type to sign in, tried as one OR filter: "uid"
    # on OpenLDAP; "userPrincipalName", "sAMAccountName", "mail" on AD.
    login_attributes: list[str] = ["uid", "mail"]
    user_object_class: str = "person"
    email_attribute: str = "mail"
    name_attribute: str = "cn"
    # "active_directory" reads nested groups with LDAP_MATCHING_RULE_IN_CHAIN;
    # "openldap" walks groupOfNames membership upwards from the user's DN.
    directory_type: Literal["active_directory", "openldap"] = "openldap"
    group_base_dn: str = Field(default="", max_length=500)


Protocol = Literal["oidc", "saml", "ldap"]


class ConnectionIn(Schema):
    name: str = Field(min_length=1, max_length=150)
    protocol: Protocol
    enabled: bool = True
    settings: dict[str, object]
    # Write-only: client_secret (OIDC) or bind_password (LDAP).
    secrets: dict[str, str] = {}
    email_domains: list[str] = Field(default=[], max_length=50)
    default_role: Literal["admin", "member", "viewer"] = "member"
    group_roles: dict[str, Literal["admin", "member", "viewer"]] = {}
    require_sso: bool = False
    break_glass_user_id: str | None = None


class ConnectionPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=150)
    enabled: bool | None = None
    settings: dict[str, object] | None = None
    secrets: dict[str, str] | None = None
    email_domains: list[str] | None = Field(default=None, max_length=50)
    default_role: Literal["admin", "member", "viewer"] | None = None
    group_roles: dict[str, Literal["admin", "member", "viewer"]] | None = None
    require_sso: bool | None = None
    break_glass_user_id: str | None = None


class ConnectionOut(Schema):
    id: str
    name: str
    protocol: Protocol
    enabled: bool
    settings: dict[str, object]
    secrets_set: list[str]
    email_domains: list[str]
    default_role: str
    group_roles: dict[str, str]
    require_sso: bool
    break_glass_user_id: str | None
    start_url: str
    created_at: datetime
    updated_at: datetime


class DiscoverIn(Schema):
    email: str = Field(max_length=254)


class DiscoverOut(Schema):
    sso: bool
    connection_id: str | None = None
    protocol: str | None = None
    organization_name: str | None = None
    start_url: str | None = None
    require_sso: bool = False

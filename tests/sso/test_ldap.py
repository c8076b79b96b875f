"""Directory sign-in against a real slapd over StartTLS, and its attacks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ApiClient, data_of
from tests.sso.conftest import has_session
from tests.sso.directories import SUFFIX, Slapd
from trainwave.server.accounts.models import Membership
from trainwave.server.sso import ldap
from trainwave.server.sso.models import SsoConnection, SsoDomain
from trainwave.server.sso.secrets import seal

CONNECTION_ID = "sso_ldapTestConnection0001"
LOGIN = f"/auth/sso/ldap/{CONNECTION_ID}/login/"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-password"

LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Corp
dc: corp

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: {READER_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: {READER_PASSWORD}

dn: uid=carol,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: C
mail: carol@corp.example
userPassword: carol-password

dn: uid=dave,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: dave
cn: Dave
sn: D
mail: dave@corp.example
userPassword: dave-password

dn: uid=frank,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: frank
cn: Frank
sn: F
mail: frank@corp.example
userPassword: frank-password

dn: cn=platform-team,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: platform-team
member: uid=carol,ou=people,{SUFFIX}

dn: cn=ml-admins,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: ml-admins
member: cn=platform-team,ou=groups,{SUFFIX}

dn: cn=ml-users,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: ml-users
member: uid=dave,ou=people,{SUFFIX}
"""


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd")).start(LDIF)
    yield server
    server.stop()


def ldap_settings(slapd: Slapd, **changes: Any) -> dict[str, Any]:
    settings = {
        "server_url": slapd.url,
        "start_tls": True,
        "ca_cert": slapd.ca_certificate,
        "bind_dn": READER_DN,
        "user_base_dn": f"ou=people,{SUFFIX}",
        "login_attributes": ["uid", "mail"],
        "user_object_class": "inetOrgPerson",
        "email_attribute": "mail",
        "name_attribute": "cn",
        "directory_type": "openldap",
        "group_base_dn": f"ou=groups,{SUFFIX}",
    }
    settings.update(changes)
    return settings


@pytest.fixture
def connection(slapd: Slapd, make_account: Any) -> SsoConnection:
    owner = make_account("owner@example.com")
    connection = SsoConnection(
        id=CONNECTION_ID,
        organization=owner.organization,
        name="Corp directory",
        protocol="ldap",
        settings=ldap_settings(slapd),
        default_role="viewer",
        group_roles={"ml-admins": "admin", "ml-users": "member"},
    )
    connection.encrypted_secrets = seal(
        {"bind_password": READER_PASSWORD}, CONNECTION_ID
    )
    connection.save()
    SsoDomain.objects.create(domain="corp.example", connection=connection)
    return connection


def sign_in(client: ApiClient, username: str, password: str) -> Any:
    form = client.get(LOGIN)
    assert form.status_code == 200
    return client.post(
        LOGIN,
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


def test_nested_group_maps_admin(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "carol", "carol-password")

    assert response.status_code == 302
    assert data_of(client.get("/auth/v1/session/"))["role"] == "admin"


def test_login_by_mail(client: ApiClient, connection: SsoConnection) -> None:
    sign_in(client, "dave@corp.example", "dave-password")

    assert data_of(client.get("/auth/v1/session/"))["role"] == "member"


def test_start_shows_form(client: ApiClient, connection: SsoConnection) -> None:
    response = client.get("/auth/sso/start/?email=carol@corp.example")

    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_wrong_password(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "carol", "not-carols-password")

    assert response.status_code == 403
    assert not has_session(client)


def test_no_mapped_group(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "frank", "frank-password")

    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="frank@corp.example").exists()


def test_form_needs_csrf(client: ApiClient, connection: SsoConnection) -> None:
    response = client.post(LOGIN, {"username": "carol", "password": "carol-password"})

    assert response.status_code == 403
    assert not has_session(client)


@pytest.mark.parametrize(
    "password", ["", " ", "\t \n"], ids=["empty", "space", "whitespace"]
)
def test_empty_password_never_binds(
    client: ApiClient,
    connection: SsoConnection,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    opened: list[str | None] = []
    real_open = ldap.open_connection

    def spy(connection: SsoConnection, user: str | None, secret: str | None) -> Any:
        opened.append(user)
        return real_open(connection, user, secret)

    monkeypatch.setattr(ldap, "open_connection", spy)

    response = sign_in(client, "carol", password)

    assert response.status_code == 403
    assert opened == []
    assert not has_session(client)


@pytest.mark.parametrize(
    "username",
    ["*", "*)(uid=*))(|(uid=*", "carol)(&)", "\\2a", "car*"],
    ids=["star", "or-injection", "and-true", "escaped-star", "wildcard"],
)
def test_filter_injection_rejected(
    client: ApiClient, connection: SsoConnection, username: str
) -> None:
    response = sign_in(client, username, "carol-password")

    assert response.status_code == 403
    assert not has_session(client)


def test_filter_escapes_input() -> None:
    built = ldap.user_filter(
        {"login_attributes": ["uid"], "user_object_class": "person"}, "*)(uid=*"
    )

    assert built == "(&(objectClass=person)(|(uid=\\2a\\29\\28uid=\\2a)))"


def test_untrusted_certificate_fails_closed(
    client: ApiClient, connection: SsoConnection, captured_logs: Any
) -> None:
    connection.settings = {**connection.settings, "ca_cert": ""}
    connection.save()

    response = sign_in(client, "carol", "carol-password")

    assert response.status_code == 403
    assert "ldap_unavailable" in captured_logs.text
    assert not has_session(client)


def test_bind_password_not_logged(
    client: ApiClient, connection: SsoConnection, captured_logs: Any
) -> None:
    sign_in(client, "carol", "carol-password")

    assert READER_PASSWORD not in captured_logs.text
    assert "carol-password" not in captured_logs.text

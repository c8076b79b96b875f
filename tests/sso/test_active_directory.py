"""Active Directory sign-in against a real Samba AD domain controller.

Provisioning the domain takes about 11 s on a 2-core machine, so the DC is
started once per module. These tests carry the ``live`` marker and run once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ApiClient, data_of
from tests.sso.conftest import has_session
from tests.sso.directories import AD_BASE, SambaDc
from trainwave.server.accounts.models import Membership
from trainwave.server.sso.models import SsoConnection, SsoDomain
from trainwave.server.sso.secrets import seal

pytestmark = pytest.mark.live

CONNECTION_ID = "sso_adTestConnection000001"
LOGIN = f"/auth/sso/ldap/{CONNECTION_ID}/login/"
READER_PASSWORD = "Reader-Passw0rd!"


@pytest.fixture(scope="module")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaDc]:
    if shutil.which("samba-tool") is None or os.geteuid() != 0:
        pytest.skip("Samba AD needs samba-tool and root (scripts/sso-deps installs it)")
    if SambaDc.port_in_use():
        pytest.skip("127.0.0.1:389 is taken by another program")
    dc = SambaDc(tmp_path_factory.mktemp("samba"))
    dc.provision()
    for name, password in [
        ("reader", READER_PASSWORD),
        ("dave", "Dave-Passw0rd!"),
        ("erin", "Erin-Passw0rd!"),
    ]:
        dc.tool("user", "create", name, password, f"--mail-address={name}@corp.example")
    for group in ("ml-admins", "platform-team", "ml-users"):
        dc.tool("group", "add", group)
    dc.tool("group", "addmembers", "ml-admins", "platform-team")
    dc.tool("group", "addmembers", "platform-team", "dave")
    dc.tool("group", "addmembers", "ml-users", "erin")
    dc.start()
    yield dc
    dc.stop()


@pytest.fixture
def connection(samba: SambaDc, make_account: Any) -> SsoConnection:
    owner = make_account("owner@example.com")
    connection = SsoConnection(
        id=CONNECTION_ID,
        organization=owner.organization,
        name="Corp AD",
        protocol="ldap",
        settings={
            "server_url": samba.url,
            "start_tls": True,
            "ca_cert": samba.ca_certificate,
            "bind_dn": "reader@corp.example",
            "user_base_dn": f"cn=Users,{AD_BASE}",
            "login_attributes": ["userPrincipalName", "sAMAccountName", "mail"],
            "user_object_class": "user",
            "email_attribute": "mail",
            "name_attribute": "cn",
            "directory_type": "active_directory",
            "group_base_dn": AD_BASE,
        },
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
    client.get(LOGIN)
    return client.post(
        LOGIN,
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


@pytest.mark.parametrize(
    "username", ["dave@corp.example", "dave"], ids=["upn", "sam-account-name"]
)
def test_nested_group_maps_admin(
    client: ApiClient, connection: SsoConnection, username: str
) -> None:
    response = sign_in(client, username, "Dave-Passw0rd!")

    assert response.status_code == 302
    assert data_of(client.get("/auth/v1/session/"))["role"] == "admin"


def test_wrong_password(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "dave@corp.example", "Wrong-Passw0rd!")

    assert response.status_code == 403
    assert not has_session(client)


def test_disabled_account_deprovisioned(
    client: ApiClient, connection: SsoConnection, samba: SambaDc
) -> None:
    sign_in(client, "erin@corp.example", "Erin-Passw0rd!")
    assert Membership.objects.filter(user__email="erin@corp.example").exists()
    samba.tool("user", "disable", "erin")
    try:
        response = sign_in(ApiClient(), "erin@corp.example", "Erin-Passw0rd!")
    finally:
        samba.tool("user", "enable", "erin")

    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="erin@corp.example").exists()

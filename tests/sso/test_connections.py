"""The SSO connections API, secret storage, routing and the require-SSO rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Account, ApiClient, assert_error, data_of
from trainwave.server.config import get_config
from trainwave.server.sso import connections
from trainwave.server.sso.models import SsoConnection
from trainwave.server.sso.secrets import SecretsUnreadable, seal, unseal

CONNECTIONS = "/api/v1/sso/connections/"
CLIENT_SECRET = "canary-client-secret-4c1d"


def oidc_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Corp IdP",
        "protocol": "oidc",
        "settings": {"issuer": "https://idp.corp.example", "client_id": "trainwave"},
        "secrets": {"client_secret": CLIENT_SECRET},
        "email_domains": ["corp.example"],
        "default_role": "member",
        "group_roles": {"ml-admins": "admin"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def connection(logged_in: ApiClient) -> dict[str, Any]:
    return data_of(logged_in.send("POST", CONNECTIONS, oidc_body()), 201)


def test_create_hides_secret(logged_in: ApiClient) -> None:
    response = logged_in.send("POST", CONNECTIONS, oidc_body())

    data = data_of(response, 201)
    assert data["secrets_set"] == ["client_secret"]
    assert CLIENT_SECRET not in response.content.decode()


def test_secret_stored_encrypted(connection: dict[str, Any]) -> None:
    stored = SsoConnection.objects.get(id=connection["id"])

    assert CLIENT_SECRET not in stored.encrypted_secrets
    assert unseal(stored.encrypted_secrets, stored.id) == {
        "client_secret": CLIENT_SECRET
    }


def test_list_hides_secret(logged_in: ApiClient, connection: dict[str, Any]) -> None:
    response = logged_in.get(CONNECTIONS)

    assert data_of(response)[0]["id"] == connection["id"]
    assert CLIENT_SECRET not in response.content.decode()


def test_sealed_secret_bound_to_connection(db: None) -> None:
    blob = seal({"bind_password": "p"}, "sso_one")

    with pytest.raises(SecretsUnreadable):
        unseal(blob, "sso_two")


def test_admin_reads_but_cannot_create(
    client: ApiClient,
    owner: Account,
    add_member: Callable[..., Account],
    connection: dict[str, Any],
) -> None:
    admin = add_member(owner.organization, "admin")
    other = ApiClient()
    other.login_as(admin)

    listed = other.get(CONNECTIONS)
    created = other.send("POST", CONNECTIONS, oidc_body(email_domains=["b.example"]))

    assert len(data_of(listed)) == 1
    assert_error(created, 403, "insufficient_permissions")


def test_member_cannot_read(
    owner: Account, add_member: Callable[..., Account], connection: dict[str, Any]
) -> None:
    member = add_member(owner.organization, "member")
    other = ApiClient()
    other.login_as(member)

    assert_error(other.get(CONNECTIONS), 403, "insufficient_permissions")


@pytest.mark.parametrize(
    "settings",
    [
        {"issuer": "file:///etc/passwd", "client_id": "x"},
        {"issuer": "ftp://idp.example", "client_id": "x"},
        {"client_id": "x"},
    ],
    ids=["file-url", "ftp-url", "no-issuer"],
)
def test_bad_oidc_settings_rejected(
    logged_in: ApiClient, settings: dict[str, Any]
) -> None:
    response = logged_in.send("POST", CONNECTIONS, oidc_body(settings=settings))

    assert_error(response, 400, "validation_error")


def test_plain_ldap_rejected(logged_in: ApiClient) -> None:
    body = oidc_body(
        protocol="ldap",
        secrets={"bind_password": "x"},
        settings={
            "server_url": "ldap://dir.corp.example",
            "start_tls": False,
            "user_base_dn": "dc=corp,dc=example",
        },
    )

    assert_error(logged_in.send("POST", CONNECTIONS, body), 400, "validation_error")


def test_unknown_secret_rejected(logged_in: ApiClient) -> None:
    body = oidc_body(secrets={"bind_password": "x"})

    assert_error(logged_in.send("POST", CONNECTIONS, body), 400, "validation_error")


def test_domain_owned_once(logged_in: ApiClient, connection: dict[str, Any]) -> None:
    response = logged_in.send("POST", CONNECTIONS, oidc_body(name="Second"))

    assert_error(response, 409, "conflict")


def test_patch_replaces_secret(
    logged_in: ApiClient, connection: dict[str, Any]
) -> None:
    path = f"{CONNECTIONS}{connection['id']}/"

    response = logged_in.send("PATCH", path, {"secrets": {"client_secret": "new"}})

    stored = SsoConnection.objects.get(id=connection["id"])
    assert data_of(response)["secrets_set"] == ["client_secret"]
    assert unseal(stored.encrypted_secrets, stored.id)["client_secret"] == "new"


def test_delete_connection(logged_in: ApiClient, connection: dict[str, Any]) -> None:
    response = logged_in.send("DELETE", f"{CONNECTIONS}{connection['id']}/")

    assert response.status_code == 204
    assert not SsoConnection.objects.filter(id=connection["id"]).exists()


def test_discover_covered_domain(client: ApiClient, connection: dict[str, Any]) -> None:
    response = client.send(
        "POST", "/auth/v1/sso/discover/", {"email": "Ana@Corp.Example"}
    )

    data = data_of(response)
    assert data["connection_id"] == connection["id"]
    assert data["start_url"] == f"/auth/sso/start/?connection={connection['id']}"


def test_discover_other_domain(client: ApiClient, connection: dict[str, Any]) -> None:
    response = client.send("POST", "/auth/v1/sso/discover/", {"email": "a@b.example"})

    assert data_of(response) == {
        "sso": False,
        "connection_id": None,
        "protocol": None,
        "organization_name": None,
        "start_url": None,
        "require_sso": False,
    }


def require_sso(owner: Account, break_glass: Account | None) -> None:
    SsoConnection.objects.create(
        organization=owner.organization,
        name="Corp",
        protocol="oidc",
        settings={"issuer": "https://idp.example", "client_id": "x"},
        default_role="member",
        require_sso=True,
        break_glass_user=break_glass.user if break_glass else None,
    )


def test_require_sso_blocks_password(
    owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")
    require_sso(owner, break_glass=owner)
    client = ApiClient()

    response = client.send(
        "POST",
        "/auth/v1/login/",
        {"email": member.email, "password": member.password},
    )

    assert_error(response, 403, "sso_required")
    assert "_auth_user_id" not in client.session


def test_break_glass_owner_logs_in(owner: Account) -> None:
    require_sso(owner, break_glass=owner)

    ApiClient().login_as(owner)


def test_owner_without_break_glass_blocked(owner: Account) -> None:
    require_sso(owner, break_glass=None)

    response = ApiClient().send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": owner.password}
    )

    assert_error(response, 403, "sso_required")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/",
        "https://10.0.0.5/",
        "https://[::1]/",
    ],
    ids=["loopback", "metadata-service", "private", "ipv6-loopback"],
)
def test_internal_issuer_rejected_in_production(
    logged_in: ApiClient, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    production = dataclasses.replace(get_config(), production=True)
    monkeypatch.setattr(connections, "get_config", lambda: production)
    settings = {"issuer": url, "client_id": "x"}

    response = logged_in.send("POST", CONNECTIONS, oidc_body(settings=settings))

    assert_error(response, 400, "validation_error")


def test_http_issuer_rejected_in_production(
    logged_in: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = dataclasses.replace(get_config(), production=True)
    monkeypatch.setattr(connections, "get_config", lambda: production)
    settings = {"issuer": "http://idp.corp.example", "client_id": "x"}

    response = logged_in.send("POST", CONNECTIONS, oidc_body(settings=settings))

    assert_error(response, 400, "validation_error")


def test_require_sso_needs_break_glass(logged_in: ApiClient) -> None:
    response = logged_in.send("POST", CONNECTIONS, oidc_body(require_sso=True))

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "break_glass_user_id"
    assert not SsoConnection.objects.exists()


def test_require_sso_patch_needs_break_glass(
    logged_in: ApiClient, connection: dict[str, Any]
) -> None:
    response = logged_in.send(
        "PATCH", f"{CONNECTIONS}{connection['id']}/", {"require_sso": True}
    )

    assert_error(response, 400, "validation_error")
    assert SsoConnection.objects.get(id=connection["id"]).require_sso is False


def test_added_to_sso_org_keeps_own_org(
    owner: Account, make_account, add_member
) -> None:
    outsider = make_account("carol@victim.test")
    add_member(owner.organization, "viewer", email=None)
    from trainwave.server.accounts.models import Membership

    Membership.objects.create(
        user=outsider.user, organization=owner.organization, role="viewer"
    )
    require_sso(owner, break_glass=owner)
    client = ApiClient()

    response = client.send(
        "POST",
        "/auth/v1/login/",
        {"email": outsider.email, "password": outsider.password},
    )
    chosen = client.get(
        "/api/v1/auth/test/", HTTP_X_ORGANIZATION=owner.organization.slug
    )

    assert data_of(response)["organization"]["id"] == outsider.organization.pk
    assert_error(chosen, 404, "not_found")

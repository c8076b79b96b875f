"""Sign in through each real IdP in Chromium, against a real ``wave server``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.live import LiveServer
from tests.sso.directories import SUFFIX, Slapd
from tests.sso.idps import OidcProvider
from tests.sso.saml_idp import SamlIdp
from tests.sso.test_ldap import LDIF, READER_DN, READER_PASSWORD

pytestmark = pytest.mark.live

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("sso-live")).start()
    live.create_owner(OWNER_EMAIL, OWNER_PASSWORD)
    yield live
    live.stop()


def owner_client(server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10)
    token = client.get("/auth/csrf/").json()["data"]["csrf_token"]
    response = client.post(
        "/auth/v1/login/",
        json={"email": OWNER_EMAIL, "password": OWNER_PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.text
    client.headers["X-CSRFToken"] = response.json()["data"]["csrf_token"]
    return client


def create_connection(server: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    client = owner_client(server)
    try:
        response = client.post("/api/v1/sso/connections/", json=body)
    finally:
        client.close()
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def session_of(page: Any, server: LiveServer) -> dict[str, Any]:
    page.goto(f"{server.url}/auth/v1/session/")
    body: dict[str, Any] = json.loads(page.inner_text("body"))
    return body


def test_oidc_browser_login(
    server: LiveServer, browser: Any, idp_key: RSAKey, tmp_path: Path
) -> None:
    idp = OidcProvider(tmp_path, clients=[], jwks={}, accounts={})
    connection = create_connection(
        server,
        {
            "name": "Corp OIDC",
            "protocol": "oidc",
            "settings": {
                "issuer": idp.issuer,
                "client_id": "browser-test",
                "scopes": ["openid", "email", "profile", "groups"],
            },
            "secrets": {"client_secret": "browser-test-secret"},
            "email_domains": ["oidc.example"],
            "default_role": "viewer",
            "group_roles": {"ml-admins": "admin"},
        },
    )
    idp.config["clients"] = [
        {
            "client_id": "browser-test",
            "client_secret": "browser-test-secret",
            "redirect_uris": [
                f"{server.url}/auth/sso/oidc/{connection['id']}/callback/"
            ],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
    ]
    idp.config["jwks"] = {"keys": [idp_key.as_dict(private=True)]}
    idp.config["accounts"] = {
        "dana": {"email": "dana@oidc.example", "groups": ["ml-admins"]}
    }
    idp.start()
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/auth/sso/start/?email=dana@oidc.example")
        page.fill("input[name=login]", "dana")
        page.fill("input[name=password]", "any-password")
        page.click("button[type=submit]")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/settings/api-keys/")

        session = session_of(page, server)
    finally:
        page.close()
        idp.stop()

    assert session["data"]["user"]["email"] == "dana@oidc.example"
    assert session["data"]["role"] == "admin"


def test_saml_browser_login(server: LiveServer, browser: Any, tmp_path: Path) -> None:
    idp = SamlIdp(
        tmp_path,
        {
            "erin": {
                "password": "erin-idp-password",
                "name_id": "erin@saml.example",
                "attributes": {"mail": ["erin@saml.example"], "groups": ["ml-users"]},
            }
        },
    )
    connection = create_connection(
        server,
        {
            "name": "Corp SAML",
            "protocol": "saml",
            "settings": {
                "idp_entity_id": idp.entity_id,
                "idp_sso_url": idp.sso_url,
                "idp_x509_cert": idp.certificate,
                "email_attribute": "urn:mace:dir:attribute-def:mail",
                "groups_attribute": "groups",
            },
            "email_domains": ["saml.example"],
            "default_role": "viewer",
            "group_roles": {"ml-users": "member"},
        },
    )
    metadata = httpx.get(
        f"{server.url}/auth/sso/saml/{connection['id']}/metadata/", timeout=10
    )
    idp.start(metadata.text)
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/auth/sso/start/?email=erin@saml.example")
        page.fill("input[name=username]", "erin")
        page.fill("input[name=password]", "erin-idp-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/settings/api-keys/")

        session = session_of(page, server)
    finally:
        page.close()
        idp.stop()

    assert session["data"]["user"]["email"] == "erin@saml.example"
    assert session["data"]["role"] == "member"


def test_ldap_browser_login(server: LiveServer, browser: Any, tmp_path: Path) -> None:
    slapd = Slapd(tmp_path).start(LDIF)
    try:
        create_connection(
            server,
            {
                "name": "Corp directory",
                "protocol": "ldap",
                "settings": {
                    "server_url": slapd.url,
                    "start_tls": True,
                    "ca_cert": slapd.ca_certificate,
                    "bind_dn": READER_DN,
                    "user_base_dn": f"ou=people,{SUFFIX}",
                    "user_object_class": "inetOrgPerson",
                    "group_base_dn": f"ou=groups,{SUFFIX}",
                },
                "secrets": {"bind_password": READER_PASSWORD},
                "email_domains": ["corp.example"],
                "default_role": "viewer",
                "group_roles": {"ml-admins": "admin"},
            },
        )
        page = browser.new_page()
        try:
            page.goto(f"{server.url}/auth/sso/start/?email=carol@corp.example")
            page.fill("input[name=username]", "carol")
            page.fill("input[name=password]", "carol-password")
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/settings/api-keys/")

            session = session_of(page, server)
        finally:
            page.close()
    finally:
        slapd.stop()

    assert session["data"]["user"]["email"] == "carol@corp.example"
    assert session["data"]["role"] == "admin"

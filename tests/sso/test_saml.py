"""SAML 2.0 sign-in against a real pysaml2 IdP, and tampered responses."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import RequestFactory
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from tests.conftest import ApiClient, assert_error, data_of
from tests.sso.conftest import has_session
from tests.sso.idps import form_fields
from tests.sso.saml_idp import SamlIdp, make_certificate
from trainwave.server.accounts.models import Membership
from trainwave.server.sso import saml
from trainwave.server.sso.models import SsoConnection, SsoDomain, SsoIdentity

CONNECTION_ID = "sso_samlTestConnection0001"
# python3-saml rejects single-label host names such as Django's "testserver".
HOST = "127.0.0.1"
ACS_PATH = f"/auth/sso/saml/{CONNECTION_ID}/acs/"
NS = {
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}


def user(name_id: str, groups: list[str]) -> dict[str, Any]:
    return {
        "password": "idp-password",
        "name_id": name_id,
        "attributes": {"mail": [name_id], "displayName": [name_id], "groups": groups},
    }


USERS = {
    "alice": user("alice@corp.example", ["ml-admins"]),
    "bob": user("bob@corp.example", ["ml-users"]),
    "carol": user("carol@corp.example", ["sales"]),
    # An IdP account whose NameID extends the victim's: the comment-injection
    # attack turns it into the victim's NameID for a naive text reader.
    "mallory": {
        **user("alice@corp.example.evil.example", ["ml-admins"]),
        "attributes": {"mail": ["mallory@corp.example"], "groups": ["ml-users"]},
    },
}


@pytest.fixture
def client() -> ApiClient:
    return ApiClient(HTTP_HOST=HOST)


def connection_settings(idp: SamlIdp) -> dict[str, Any]:
    return {
        "idp_entity_id": idp.entity_id,
        "idp_sso_url": idp.sso_url,
        "idp_x509_cert": idp.certificate,
        "email_attribute": "urn:mace:dir:attribute-def:mail",
        "name_attribute": "urn:mace:dir:attribute-def:displayName",
        "groups_attribute": "groups",
    }


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamlIdp]:
    provider = SamlIdp(tmp_path_factory.mktemp("saml"), USERS)
    sp = SsoConnection(id=CONNECTION_ID, settings=connection_settings(provider))
    metadata = saml.sp_metadata(RequestFactory().get("/", HTTP_HOST=HOST), sp)
    provider.start(metadata)
    yield provider
    provider.stop()


@pytest.fixture
def connection(idp: SamlIdp, make_account: Any) -> SsoConnection:
    owner = make_account("owner@example.com")
    connection = SsoConnection.objects.create(
        id=CONNECTION_ID,
        organization=owner.organization,
        name="Corp SAML",
        protocol="saml",
        settings=connection_settings(idp),
        default_role="viewer",
        group_roles={"ml-admins": "admin", "ml-users": "member"},
    )
    SsoDomain.objects.create(domain="corp.example", connection=connection)
    return connection


def idp_response(client: ApiClient, username: str) -> dict[str, str]:
    """Start at our SP, sign in at the IdP; return the form it posts to our ACS."""
    start = client.get(f"/auth/sso/start/?connection={CONNECTION_ID}")
    assert start.status_code == 302, start.content[:300]
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=10)
    action, fields = form_fields(login_page.text)
    fields.update(username=username, password="idp-password")
    posted = browser.post(
        requests.compat.urljoin(login_page.url, action), data=fields, timeout=10
    )
    acs, response_fields = form_fields(posted.text)
    assert urlsplit(acs).path == ACS_PATH
    return response_fields


def post_response(client: ApiClient, fields: dict[str, str]) -> Any:
    """Post to the ACS as the IdP's page would; follow to the finish step."""
    response = client.post(ACS_PATH, fields)
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def sign_in(client: ApiClient, username: str) -> Any:
    return post_response(client, idp_response(client, username))


def decode(fields: dict[str, str]) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(base64.b64decode(fields["SAMLResponse"]), parser)


def encode(fields: dict[str, str], document: etree._Element | bytes) -> dict[str, str]:
    raw = document if isinstance(document, bytes) else etree.tostring(document)
    return {**fields, "SAMLResponse": base64.b64encode(raw).decode()}


def strip_signatures(document: etree._Element) -> etree._Element:
    for signature in document.findall(".//ds:Signature", NS):
        signature.getparent().remove(signature)
    return document


RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def sign_assertion(
    document: etree._Element,
    key_pem: str,
    cert_pem: str,
    sign_algorithm: str = RSA_SHA256,
    digest_algorithm: str = SHA256,
) -> etree._Element:
    """Drop every signature, then sign only the assertion with ``key_pem``."""
    strip_signatures(document)
    assertion = document.find("saml:Assertion", NS)
    assert assertion is not None
    signed = OneLogin_Saml2_Utils.add_sign(
        etree.tostring(assertion),
        key_pem,
        cert_pem,
        sign_algorithm=sign_algorithm,
        digest_algorithm=digest_algorithm,
    )
    document.replace(assertion, etree.fromstring(signed))
    return document


def resign(idp: SamlIdp, document: etree._Element) -> etree._Element:
    return sign_assertion(document, idp.key_path.read_text(), idp.certificate)


def test_login_maps_admin_role(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert data_of(client.get("/auth/v1/session/"))["role"] == "admin"


def test_identity_keyed_by_name_id(
    client: ApiClient, connection: SsoConnection, idp: SamlIdp
) -> None:
    sign_in(client, "bob")

    identity = SsoIdentity.objects.get(user__email="bob@corp.example")
    assert identity.issuer == idp.entity_id
    assert identity.subject == "bob@corp.example"


def test_unmapped_group_rejected(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "carol")

    assert response.status_code == 403
    assert not has_session(client)


def test_left_group_deprovisioned(client: ApiClient, connection: SsoConnection) -> None:
    sign_in(client, "bob")
    connection.group_roles = {"ml-admins": "admin"}
    connection.save()

    response = sign_in(ApiClient(HTTP_HOST=HOST), "bob")

    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="bob@corp.example").exists()


def test_metadata_names_acs(client: ApiClient, connection: SsoConnection) -> None:
    response = client.get(f"/auth/sso/saml/{CONNECTION_ID}/metadata/")

    assert response.status_code == 200
    assert f"http://{HOST}{ACS_PATH}".encode() in response.content


def test_unsigned_rejected(client: ApiClient, connection: SsoConnection) -> None:
    fields = idp_response(client, "alice")
    forged = encode(fields, strip_signatures(decode(fields)))

    response = post_response(client, forged)

    assert response.status_code == 403
    assert not has_session(client)


def test_resigned_by_idp_accepted(
    client: ApiClient, connection: SsoConnection, idp: SamlIdp
) -> None:
    # Control for the tests below: re-signing alone must not break a response.
    fields = idp_response(client, "alice")

    response = post_response(client, encode(fields, resign(idp, decode(fields))))

    assert response.status_code == 302
    assert has_session(client)


def test_other_certificate_rejected(
    client: ApiClient, connection: SsoConnection, tmp_path: Path
) -> None:
    key_path, cert_path = make_certificate(tmp_path, "attacker")
    fields = idp_response(client, "alice")
    document = sign_assertion(
        decode(fields), key_path.read_text(), cert_path.read_text()
    )

    response = post_response(client, encode(fields, document))

    assert response.status_code == 403
    assert not has_session(client)


def set_attribute(path: str, name: str, value: str) -> Any:
    def change(document: etree._Element) -> None:
        for element in document.iterfind(path, NS):
            element.set(name, value)

    return change


def set_text(path: str, value: str) -> Any:
    def change(document: etree._Element) -> None:
        for element in document.iterfind(path, NS):
            element.text = value

    return change


PAST = "2000-01-01T00:00:00Z"
FUTURE = "2999-01-01T00:00:00Z"
CONFIRMATION = ".//saml:SubjectConfirmationData"


@pytest.mark.parametrize(
    "change",
    [
        set_attribute(".", "Destination", "http://127.0.0.1/elsewhere/"),
        set_text(".//saml:Audience", "http://other-sp.example/metadata/"),
        set_attribute(CONFIRMATION, "Recipient", "http://127.0.0.1/elsewhere/"),
        set_attribute(CONFIRMATION, "NotOnOrAfter", PAST),
        set_attribute(".//saml:Conditions", "NotOnOrAfter", PAST),
        set_attribute(".//saml:Conditions", "NotBefore", FUTURE),
        set_attribute(CONFIRMATION, "InResponseTo", "_other-request"),
    ],
    ids=[
        "destination",
        "audience",
        "recipient",
        "confirmation-expired",
        "conditions-expired",
        "not-yet-valid",
        "in-response-to",
    ],
)
def test_condition_enforced(
    client: ApiClient, connection: SsoConnection, idp: SamlIdp, change: Any
) -> None:
    fields = idp_response(client, "alice")
    document = decode(fields)
    change(document)

    response = post_response(client, encode(fields, resign(idp, document)))

    assert response.status_code == 403
    assert not has_session(client)


def forged_assertion(document: etree._Element) -> etree._Element:
    """Return an unsigned copy of the assertion with the victim's NameID."""
    assertion = document.find("saml:Assertion", NS)
    assert assertion is not None
    forged = etree.fromstring(etree.tostring(assertion))
    strip_signatures(forged)
    forged.set("ID", "_forged")
    name_id = forged.find(".//saml:NameID", NS)
    assert name_id is not None
    name_id.text = "victim@corp.example"
    return forged


def test_wrapping_sibling_rejected(
    client: ApiClient, connection: SsoConnection
) -> None:
    fields = idp_response(client, "mallory")
    document = decode(fields)
    signed = document.find("saml:Assertion", NS)
    assert signed is not None
    signed.addprevious(forged_assertion(document))

    response = post_response(client, encode(fields, document))

    assert response.status_code == 403
    assert not has_session(client)


def test_wrapping_moved_assertion_rejected(
    client: ApiClient, connection: SsoConnection
) -> None:
    fields = idp_response(client, "mallory")
    document = decode(fields)
    signed = document.find("saml:Assertion", NS)
    assert signed is not None
    forged = forged_assertion(document)
    wrapper = etree.SubElement(forged, "{urn:oasis:names:tc:SAML:2.0:assertion}Advice")
    document.replace(signed, forged)
    wrapper.append(signed)

    response = post_response(client, encode(fields, document))

    assert response.status_code == 403
    assert not has_session(client)


def test_idp_metadata_by_url(logged_in: ApiClient, idp: SamlIdp) -> None:
    body = {
        "name": "From metadata",
        "protocol": "saml",
        "settings": {"idp_metadata_url": idp.entity_id},
        "email_domains": ["metadata.example"],
    }

    response = logged_in.send("POST", "/api/v1/sso/connections/", body)

    settings = data_of(response, 201)["settings"]
    assert settings["idp_entity_id"] == idp.entity_id
    assert settings["idp_sso_url"] == idp.sso_url


def test_idp_metadata_with_dtd_rejected(logged_in: ApiClient) -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        "&x;</md:EntityDescriptor>"
    )
    body = {
        "name": "Hostile",
        "protocol": "saml",
        "settings": {"idp_metadata_xml": xml},
    }

    response = logged_in.send("POST", "/api/v1/sso/connections/", body)

    assert_error(response, 400, "validation_error")


def test_comment_in_name_id(client: ApiClient, connection: SsoConnection) -> None:
    victim = ApiClient(HTTP_HOST=HOST)
    sign_in(victim, "alice")
    fields = idp_response(client, "mallory")
    raw = base64.b64decode(fields["SAMLResponse"]).decode()
    # Exclusive canonicalization drops comments, so the signature stays valid.
    tampered = raw.replace(
        "alice@corp.example.evil.example</",
        "alice@corp.example<!---->.evil.example</",
    )
    assert tampered != raw

    response = post_response(client, encode(fields, tampered.encode()))

    # python3-saml reads the NameID with comments removed, so the signed
    # literal survives whole and maps to mallory's own identity.
    assert response.status_code == 302
    session = data_of(client.get("/auth/v1/session/"))
    assert session["user"]["email"] == "mallory@corp.example"
    identity = SsoIdentity.objects.get(user__email="mallory@corp.example")
    assert identity.subject == "alice@corp.example.evil.example"


@pytest.mark.parametrize(
    ("signature", "digest"),
    [
        (
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        ),
        (
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        ),
    ],
    ids=["rsa-sha1", "sha1-digest"],
)
def test_sha1_rejected(
    client: ApiClient,
    connection: SsoConnection,
    idp: SamlIdp,
    signature: str,
    digest: str,
) -> None:
    fields = idp_response(client, "alice")
    document = strip_signatures(decode(fields))
    resigned = OneLogin_Saml2_Utils.add_sign(
        etree.tostring(document),
        idp.key_path.read_text(),
        idp.certificate,
        sign_algorithm=signature,
        digest_algorithm=digest,
    )

    response = post_response(client, encode(fields, resigned))

    assert response.status_code == 403
    assert not has_session(client)


def test_replayed_response_rejected(
    client: ApiClient, connection: SsoConnection
) -> None:
    fields = idp_response(client, "alice")
    post_response(client, fields)
    assert client.send("POST", "/auth/v1/logout/").status_code == 204

    response = post_response(client, fields)

    assert response.status_code == 403
    assert not has_session(client)


def test_replay_in_other_browser(client: ApiClient, connection: SsoConnection) -> None:
    fields = idp_response(client, "alice")
    attacker = ApiClient(HTTP_HOST=HOST)

    response = post_response(attacker, fields)

    assert response.status_code == 403
    assert not has_session(attacker)


def test_expired_response_rejected(
    client: ApiClient, connection: SsoConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = idp_response(client, "alice")
    later = OneLogin_Saml2_Utils.now() + 3600
    monkeypatch.setattr(OneLogin_Saml2_Utils, "now", staticmethod(lambda: later))

    response = post_response(client, fields)

    assert response.status_code == 403
    assert not has_session(client)


def test_unsolicited_rejected(client: ApiClient, connection: SsoConnection) -> None:
    fields = idp_response(client, "alice")
    document = decode(fields)
    del document.attrib["InResponseTo"]

    response = post_response(client, encode(fields, document))

    assert response.status_code == 403


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        b'InResponseTo="x">&x;</samlp:Response>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        b'InResponseTo="x">&c;</samlp:Response>',
    ],
    ids=["external-entity", "entity-expansion"],
)
def test_dtd_rejected(
    client: ApiClient, connection: SsoConnection, payload: bytes
) -> None:
    response = client.post(
        ACS_PATH, {"SAMLResponse": base64.b64encode(payload).decode()}
    )

    assert response.status_code == 403
    assert b"root:" not in response.content

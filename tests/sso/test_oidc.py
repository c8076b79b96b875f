"""OpenID Connect sign-in against a real oidc-provider IdP, and its attacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import RequestFactory
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import Account, ApiClient, assert_error, data_of
from tests.sso.conftest import follow, has_session
from tests.sso.idps import OidcProvider, drive_login
from trainwave.server.accounts.models import Membership, User
from trainwave.server.errors import SsoLoginFailed
from trainwave.server.sso import oidc
from trainwave.server.sso.fetch import fetch_json
from trainwave.server.sso.models import SsoConnection, SsoDomain, SsoIdentity
from trainwave.server.sso.secrets import seal

CONNECTION_ID = "sso_oidcTestConnection0001"
CLIENT_ID = "trainwave-test"
CALLBACK = f"http://testserver/auth/sso/oidc/{CONNECTION_ID}/callback/"
ACCOUNTS = {
    "alice": {"email": "alice@corp.example", "groups": ["ml-admins"]},
    "bob": {"email": "bob@corp.example", "groups": ["ml-users"]},
    "carol": {"email": "carol@corp.example", "groups": ["sales"]},
    "taken": {"email": "owner@corp.example", "groups": ["ml-users"]},
    "outsider": {"email": "eve@evil.example", "groups": ["ml-users"]},
    "unverified": {
        "email": "unverified@corp.example",
        "email_verified": False,
        "groups": ["ml-users"],
    },
}


@pytest.fixture(scope="module")
def idp(
    tmp_path_factory: pytest.TempPathFactory, idp_key: RSAKey
) -> Iterator[OidcProvider]:
    client = {
        "client_id": CLIENT_ID,
        "client_secret": "test-client-secret",
        "redirect_uris": [CALLBACK],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    provider = OidcProvider(
        tmp_path_factory.mktemp("oidc"),
        clients=[client],
        jwks={"keys": [idp_key.as_dict(private=True)]},
        accounts=ACCOUNTS,
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def connection(idp: OidcProvider, owner: Account) -> SsoConnection:
    connection = SsoConnection(
        id=CONNECTION_ID,
        organization=owner.organization,
        name="Corp IdP",
        protocol="oidc",
        settings={
            "issuer": idp.issuer,
            "client_id": CLIENT_ID,
            "scopes": ["openid", "email", "profile", "groups"],
            "groups_claim": "groups",
            "algorithms": ["RS256"],
        },
        default_role="viewer",
        group_roles={"ml-admins": "admin", "ml-users": "member"},
    )
    connection.encrypted_secrets = seal(
        {"client_secret": "test-client-secret"}, CONNECTION_ID
    )
    connection.save()
    SsoDomain.objects.create(domain="corp.example", connection=connection)
    return connection


def start(client: ApiClient, email: str, **params: str) -> str:
    query = urlencode({"email": email, **params})
    response = client.get(f"/auth/sso/start/?{query}")
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def sign_in(client: ApiClient, username: str, **params: str) -> Any:
    authorize = start(client, f"{username}@corp.example", **params)
    callback = drive_login(authorize, CALLBACK, username)
    return follow(client, callback)


def test_login_maps_admin_role(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert data_of(client.get("/auth/v1/session/"))["role"] == "admin"


def test_authorize_uses_pkce(client: ApiClient, connection: SsoConnection) -> None:
    query = parse_qs(urlsplit(start(client, "a@corp.example")).query)

    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["nonce"][0]) >= 43
    assert len(query["state"][0]) >= 43


def test_user_linked_by_subject(client: ApiClient, connection: SsoConnection) -> None:
    sign_in(client, "bob")

    identity = SsoIdentity.objects.get(subject="bob")
    assert identity.issuer == connection.settings["issuer"]
    assert identity.user.email == "bob@corp.example"


def test_role_follows_groups(client: ApiClient, connection: SsoConnection) -> None:
    sign_in(client, "alice")
    connection.group_roles = {"ml-admins": "viewer"}
    connection.save()

    sign_in(ApiClient(), "alice")

    membership = Membership.objects.get(user__email="alice@corp.example")
    assert membership.role == "viewer"


def test_left_group_deprovisioned(client: ApiClient, connection: SsoConnection) -> None:
    sign_in(client, "bob")
    key = data_of(client.send("POST", "/api/v1/auth/keys/", {"name": "ci"}), 201)
    connection.group_roles = {"ml-admins": "admin"}
    connection.save()
    other = ApiClient()

    response = sign_in(other, "bob")

    assert response.status_code == 403
    assert not has_session(other)
    assert not Membership.objects.filter(user__email="bob@corp.example").exists()
    after = ApiClient().get("/api/v1/auth/test/", HTTP_X_API_KEY=key["secret"])
    assert_error(after, 401, "invalid_api_key")


def test_unmapped_user_rejected(client: ApiClient, connection: SsoConnection) -> None:
    response = sign_in(client, "carol")

    assert response.status_code == 403
    assert b"not in any group" in response.content
    assert not has_session(client)


def test_email_outside_domains(client: ApiClient, connection: SsoConnection) -> None:
    authorize = start(client, "x@corp.example")
    response = follow(client, drive_login(authorize, CALLBACK, "outsider"))

    assert response.status_code == 403
    assert not User.objects.filter(email="eve@evil.example").exists()


def test_existing_email_not_linked(
    client: ApiClient, connection: SsoConnection, make_account: Any
) -> None:
    existing = make_account("owner@corp.example")

    response = sign_in(client, "taken")

    assert response.status_code == 403
    assert not SsoIdentity.objects.filter(user=existing.user).exists()
    assert not has_session(client)


def test_unverified_email_rejected(
    client: ApiClient, connection: SsoConnection
) -> None:
    response = sign_in(client, "unverified")

    assert response.status_code == 403
    assert not User.objects.filter(email="unverified@corp.example").exists()


def test_same_subject_other_issuer(
    client: ApiClient, connection: SsoConnection, make_account: Any
) -> None:
    other = make_account("someone@corp.example")
    SsoIdentity.objects.create(
        connection=connection,
        issuer="https://other-idp.example",
        subject="bob",
        user=other.user,
    )

    sign_in(client, "bob")

    session = data_of(client.get("/auth/v1/session/"))
    assert session["user"]["email"] == "bob@corp.example"


def test_changed_state_rejected(client: ApiClient, connection: SsoConnection) -> None:
    callback = drive_login(start(client, "a@corp.example"), CALLBACK, "alice")
    forged = callback.replace("state=", "state=x")

    response = follow(client, forged)

    assert response.status_code == 403
    assert not has_session(client)


def test_replayed_callback_rejected(
    client: ApiClient, connection: SsoConnection
) -> None:
    callback = drive_login(start(client, "a@corp.example"), CALLBACK, "alice")
    follow(client, callback)
    assert client.send("POST", "/auth/v1/logout/").status_code == 204

    response = follow(client, callback)

    assert response.status_code == 403
    assert not has_session(client)


def test_callback_in_other_browser(
    client: ApiClient, other_client: ApiClient, connection: SsoConnection
) -> None:
    callback = drive_login(start(client, "a@corp.example"), CALLBACK, "alice")

    response = follow(other_client, callback)

    assert response.status_code == 403
    assert not has_session(other_client)


def test_json_client_gets_envelope(
    client: ApiClient, connection: SsoConnection
) -> None:
    response = client.get(
        f"/auth/sso/oidc/{CONNECTION_ID}/callback/?state=x&code=y",
        HTTP_ACCEPT="application/json",
    )

    assert_error(response, 403, "sso_login_failed")


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/jobs?page=2", "/jobs?page=2"),
    ],
    ids=["absolute", "scheme-relative", "backslash", "relative"],
)
def test_next_stays_on_site(
    client: ApiClient, connection: SsoConnection, next_path: str, landing: str
) -> None:
    response = sign_in(client, "alice", next=next_path)

    assert response["Location"] == landing


# ID token checks, with tokens minted outside the IdP: signed by the IdP's
# own key (to change one claim at a time) or by another key.


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def good_claims(idp: OidcProvider, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": idp.issuer,
        "aud": CLIENT_ID,
        "sub": "alice",
        "nonce": "expected-nonce",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def verify(connection: SsoConnection, token: str) -> dict[str, Any]:
    request = RequestFactory().get("/auth/sso/oidc/x/callback/")
    document = fetch_json(
        connection.settings["issuer"] + "/.well-known/openid-configuration"
    )
    return oidc.verify_id_token(request, connection, document, token, "expected-nonce")


def test_good_token_accepted(
    connection: SsoConnection, idp: OidcProvider, idp_key: RSAKey
) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "idp-key-1"}, good_claims(idp), idp_key)

    assert verify(connection, token)["sub"] == "alice"


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "other-nonce"},
        {"nonce": None},
        {"aud": "another-client"},
        {"iss": "issuer-with-slash"},
        {"exp": int(time.time()) - 3600},
        {"nbf": int(time.time()) + 3600},
        {"sub": None},
    ],
    ids=[
        "wrong-nonce",
        "no-nonce",
        "wrong-aud",
        "iss-slash",
        "expired",
        "nbf-future",
        "no-sub",
    ],
)
def test_bad_claims_rejected(
    connection: SsoConnection,
    idp: OidcProvider,
    idp_key: RSAKey,
    changes: dict[str, Any],
) -> None:
    if changes.get("iss") == "issuer-with-slash":
        changes = {"iss": idp.issuer + "/"}
    token = jwt.encode(
        {"alg": "RS256", "kid": "idp-key-1"}, good_claims(idp, **changes), idp_key
    )

    with pytest.raises(SsoLoginFailed):
        verify(connection, token)


def test_other_key_rejected(connection: SsoConnection, idp: OidcProvider) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1"})
    token = jwt.encode({"alg": "RS256", "kid": "idp-key-1"}, good_claims(idp), attacker)

    with pytest.raises(SsoLoginFailed):
        verify(connection, token)


def test_unknown_kid_rejected(connection: SsoConnection, idp: OidcProvider) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
    token = jwt.encode({"alg": "RS256", "kid": "attacker"}, good_claims(idp), attacker)

    with pytest.raises(SsoLoginFailed):
        verify(connection, token)


def test_alg_none_rejected(connection: SsoConnection, idp: OidcProvider) -> None:
    token = f"{b64({'alg': 'none', 'kid': 'idp-key-1'})}.{b64(good_claims(idp))}."

    with pytest.raises(SsoLoginFailed):
        verify(connection, token)


def test_hmac_with_public_key_rejected(
    connection: SsoConnection, idp: OidcProvider, idp_key: RSAKey
) -> None:
    # The classic key-confusion forgery: HS256 keyed with the IdP's public key.
    signing_input = (
        f"{b64({'alg': 'HS256', 'kid': 'idp-key-1'})}.{b64(good_claims(idp))}"
    )
    secret = idp_key.as_pem(private=False)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    with pytest.raises(SsoLoginFailed):
        verify(connection, f"{signing_input}.{signature}")


def test_discovery_issuer_mismatch(
    client: ApiClient, connection: SsoConnection, idp: OidcProvider
) -> None:
    connection.settings = {**connection.settings, "issuer": idp.issuer + "/"}
    connection.save()

    response = client.get(f"/auth/sso/start/?connection={CONNECTION_ID}")

    assert response.status_code == 403
    assert b"another issuer" in response.content


def test_logs_hold_no_tokens(
    client: ApiClient, connection: SsoConnection, captured_logs: Any
) -> None:
    callback = drive_login(start(client, "a@corp.example"), CALLBACK, "alice")
    code = parse_qs(urlsplit(callback).query)["code"][0]

    follow(client, callback)

    assert code not in captured_logs.text
    assert "test-client-secret" not in captured_logs.text

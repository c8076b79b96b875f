"""OpenID Connect: authorization code flow with PKCE, as a relying party.

Protocol messages go through Authlib (``OAuth2Session``) and ID tokens are
verified with joserfc, Authlib's JOSE library. What this module adds is the
policy: ``state``, ``nonce`` and the PKCE verifier live in the browser's
session and are removed on first use; the ID token must be signed with an
allowed algorithm by a key from the configured issuer's JWKS; ``iss`` must
equal the configured issuer exactly and ``aud`` must contain our client ID.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from django.http import HttpRequest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from trainwave.server import clock
from trainwave.server.sso.fetch import TIMEOUT_SECONDS, FetchFailed, fetch_json
from trainwave.server.sso.models import SsoConnection
from trainwave.server.sso.provisioning import IdpUser, reject
from trainwave.server.sso.secrets import unseal
from trainwave.server.sso.state import PendingLogin

# Seconds of clock difference tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 60


def callback_path(connection: SsoConnection) -> str:
    return f"/auth/sso/oidc/{connection.id}/callback/"


def discover(request: HttpRequest, connection: SsoConnection) -> dict[str, Any]:
    """Return the issuer's discovery document, checked against the settings.

    A document whose ``issuer`` differs from the configured one is rejected,
    so a compromised or mistyped discovery URL cannot substitute its keys.
    """
    issuer = connection.settings["issuer"]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document = fetch_json(url)
    except FetchFailed as error:
        raise reject(
            request,
            connection,
            "discovery_failed",
            "The identity provider could not be reached. Try again later.",
        ) from error
    if document.get("issuer") != issuer:
        raise reject(
            request,
            connection,
            "discovery_issuer_mismatch",
            "The identity provider's discovery document names another issuer.",
        )
    return document


def session_for(
    connection: SsoConnection, redirect_uri: str, **kwargs: Any
) -> OAuth2Session:
    secrets_ = unseal(connection.encrypted_secrets, connection.id)
    return OAuth2Session(
        client_id=connection.settings["client_id"],
        client_secret=secrets_.get("client_secret"),
        scope=" ".join(connection.settings["scopes"]),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        **kwargs,
    )


def authorization_url(
    request: HttpRequest, connection: SsoConnection, pending: PendingLogin
) -> str:
    """Fill ``pending`` with fresh state, nonce and verifier; return the IdP URL."""
    document = discover(request, connection)
    pending.state = secrets.token_urlsafe(32)
    pending.nonce = secrets.token_urlsafe(32)
    pending.code_verifier = secrets.token_urlsafe(64)
    client = session_for(
        connection, request.build_absolute_uri(callback_path(connection))
    )
    url, _state = client.create_authorization_url(
        document["authorization_endpoint"],
        state=pending.state,
        code_verifier=pending.code_verifier,
        nonce=pending.nonce,
    )
    return str(url)


def check_callback_state(
    request: HttpRequest, connection: SsoConnection, pending: PendingLogin | None
) -> PendingLogin:
    """Return the pending login whose state the callback carries, or reject.

    The pending login has already been removed from the session by the
    caller, so a replayed callback finds nothing.
    """
    sent = request.GET.get("state", "")
    if (
        pending is None
        or pending.connection_id != connection.id
        or not pending.state
        or not hmac.compare_digest(sent.encode(), pending.state.encode())
    ):
        raise reject(
            request,
            connection,
            "state_mismatch",
            "This sign-in link is invalid, expired or was already used. "
            "Start the sign-in again.",
        )
    if "error" in request.GET:
        raise reject(
            request,
            connection,
            "idp_error",
            "The identity provider did not complete the sign-in.",
        )
    return pending


def verify_id_token(
    request: HttpRequest,
    connection: SsoConnection,
    document: dict[str, Any],
    id_token: str,
    nonce: str,
) -> dict[str, Any]:
    """Verify the ID token's signature and claims; return its claims."""
    settings = connection.settings
    try:
        keys = KeySet.import_key_set(fetch_json(document["jwks_uri"]))  # type: ignore[arg-type]
        try:
            token = jwt.decode(id_token, keys, algorithms=settings["algorithms"])
        except JoseError:
            # The IdP may have rotated its keys since we cached them.
            keys = KeySet.import_key_set(fetch_json(document["jwks_uri"], fresh=True))  # type: ignore[arg-type]
            token = jwt.decode(id_token, keys, algorithms=settings["algorithms"])
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(clock.now().timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": settings["issuer"]},
            aud={"essential": True, "value": settings["client_id"]},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, KeyError, FetchFailed) as error:
        raise reject(
            request,
            connection,
            f"id_token_invalid:{type(error).__name__}",
            "The identity provider's ID token failed verification.",
        ) from None
    claims: dict[str, Any] = token.claims
    return claims


def finish(
    request: HttpRequest, connection: SsoConnection, pending: PendingLogin
) -> IdpUser:
    """Exchange the code, verify the ID token and read the user's claims."""
    document = discover(request, connection)
    client = session_for(
        connection, request.build_absolute_uri(callback_path(connection))
    )
    try:
        tokens = client.fetch_token(
            document["token_endpoint"],
            code=request.GET.get("code", ""),
            code_verifier=pending.code_verifier,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except (OAuth2Error, OSError, ValueError) as error:
        raise reject(
            request,
            connection,
            f"token_exchange_failed:{type(error).__name__}",
            "The identity provider rejected the sign-in code.",
        ) from None
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise reject(
            request,
            connection,
            "id_token_missing",
            "The identity provider sent no ID token.",
        )
    claims = verify_id_token(request, connection, document, id_token, pending.nonce)
    claims = {**read_userinfo(request, connection, client, document, claims), **claims}
    groups = claims.get(connection.settings["groups_claim"], [])
    email = claims.get("email", "")
    if claims.get("email_verified") is False:
        email = ""
    return IdpUser(
        issuer=connection.settings["issuer"],
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) else "",
        name=str(claims.get("name", ""))[:150],
        groups=frozenset(str(g) for g in groups)
        if isinstance(groups, list)
        else frozenset(),
    )


def read_userinfo(
    request: HttpRequest,
    connection: SsoConnection,
    client: OAuth2Session,
    document: dict[str, Any],
    claims: dict[str, Any],
) -> dict[str, Any]:
    """Return the userinfo claims, which must be about the ID token's subject."""
    endpoint = document.get("userinfo_endpoint")
    if not endpoint or urlsplit(endpoint).scheme not in ("https", "http"):
        return {}
    try:
        response = client.get(endpoint, timeout=TIMEOUT_SECONDS, allow_redirects=False)
        userinfo = response.json() if response.status_code == 200 else {}
    except (OSError, ValueError):
        userinfo = {}
    if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
        return {}
    return userinfo

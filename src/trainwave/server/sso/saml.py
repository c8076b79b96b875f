"""SAML 2.0 service provider (SP-initiated, HTTP-POST binding), on python3-saml.

python3-saml runs in strict mode: it checks the signature against the
configured IdP certificate only (never a ``KeyInfo`` in the message), the
Destination, Audience, Recipient, InResponseTo and time conditions, rejects
SHA-1 signatures and digests, and parses with defusedxml. This module adds
the parts it leaves to the application: each AuthnRequest ID is accepted
once, each assertion ID is accepted once until it expires (replay cache),
unsolicited (IdP-initiated) responses are rejected, and the result only
completes a sign-in in the browser whose session contains the request ID.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from trainwave.server import clock
from trainwave.server.sso.models import SamlRequest, SsoConnection, UsedAssertion
from trainwave.server.sso.provisioning import IdpUser, reject
from trainwave.server.sso.state import PENDING_SECONDS, PendingLogin

# Encoded responses above this size are rejected before any XML parsing.
MAX_RESPONSE_BYTES = 256 * 1024


def sp_urls(request: HttpRequest, connection: SsoConnection) -> tuple[str, str]:
    base = f"/auth/sso/saml/{connection.id}/"
    return (
        request.build_absolute_uri(base + "metadata/"),
        request.build_absolute_uri(base + "acs/"),
    )


def saml_settings(request: HttpRequest, connection: SsoConnection) -> dict[str, Any]:
    entity_id, acs_url = sp_urls(request, connection)
    settings = connection.settings
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": entity_id,
            "assertionConsumerService": {
                "url": acs_url,
                "binding": Saml.BINDING_HTTP_POST,
            },
            "NameIDFormat": Saml.NAMEID_UNSPECIFIED,
        },
        "idp": {
            "entityId": settings["idp_entity_id"],
            "singleSignOnService": {
                "url": settings["idp_sso_url"],
                "binding": Saml.BINDING_HTTP_REDIRECT,
            },
            "x509cert": settings["idp_x509_cert"],
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "rejectDeprecatedAlgorithm": True,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": Saml.RSA_SHA256,
            "digestAlgorithm": Saml.SHA256,
        },
    }


def request_data(request: HttpRequest) -> dict[str, Any]:
    host = request.get_host()
    return {
        "https": "on" if request.is_secure() else "off",
        "http_host": host,
        "script_name": request.path,
        "get_data": request.GET.dict(),
        "post_data": request.POST.dict() if request.method == "POST" else {},
    }


def sp_metadata(request: HttpRequest, connection: SsoConnection) -> str:
    settings = OneLogin_Saml2_Settings(
        saml_settings(request, connection), sp_validation_only=True
    )
    metadata: str | bytes = settings.get_sp_metadata()
    return metadata.decode() if isinstance(metadata, bytes) else metadata


def authn_request_url(
    request: HttpRequest, connection: SsoConnection, pending: PendingLogin
) -> str:
    """Create an AuthnRequest, remember its ID, and return the IdP redirect URL."""
    auth = OneLogin_Saml2_Auth(
        request_data(request), saml_settings(request, connection)
    )
    url = auth.login()
    request_id = auth.get_last_request_id()
    SamlRequest.objects.filter(expires_at__lt=clock.now()).delete()
    SamlRequest.objects.create(
        request_id=request_id,
        connection=connection,
        expires_at=clock.now() + timedelta(seconds=PENDING_SECONDS),
    )
    pending.saml_request_id = request_id
    return str(url)


def in_response_to(request: HttpRequest, connection: SsoConnection) -> str:
    """Read InResponseTo from the posted response, with a hardened parser."""
    encoded = request.POST.get("SAMLResponse", "")
    if not encoded or len(encoded) > MAX_RESPONSE_BYTES:
        raise reject(
            request, connection, "saml_response_missing", "No valid SAML response."
        )
    try:
        document = OneLogin_Saml2_XML.to_etree(base64.b64decode(encoded))
    except (binascii.Error, ValueError, Exception) as error:
        # defusedxml raises its own exceptions for DTDs and entities.
        raise reject(
            request,
            connection,
            f"saml_response_unparsable:{type(error).__name__}",
            "The SAML response is not valid XML.",
        ) from None
    value = document.get("InResponseTo", "")
    if not value:
        raise reject(
            request,
            connection,
            "saml_unsolicited",
            "Sign-ins started at the identity provider are not accepted: "
            "start from the sign-in page.",
        )
    return str(value)


def consume_response(request: HttpRequest, connection: SsoConnection) -> None:
    """Validate a posted SAML response and attach its user to the request row."""
    request_id = in_response_to(request, connection)
    pending_request = SamlRequest.objects.filter(
        request_id=request_id,
        connection=connection,
        expires_at__gt=clock.now(),
        result__isnull=True,
    ).first()
    if pending_request is None:
        raise reject(
            request,
            connection,
            "saml_unknown_request",
            "This SAML response does not answer a sign-in started here, or "
            "was already used.",
        )
    auth = OneLogin_Saml2_Auth(
        request_data(request), saml_settings(request, connection)
    )
    try:
        auth.process_response(request_id=request_id)
    except (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError) as error:
        raise reject(
            request,
            connection,
            f"saml_invalid:{type(error).__name__}",
            "The SAML response failed validation.",
        ) from None
    if auth.get_errors() or not auth.is_authenticated():
        raise reject(
            request,
            connection,
            f"saml_invalid:{auth.get_last_error_reason() or 'not authenticated'}"[:200],
            "The SAML response failed validation.",
        )
    remember_assertion(request, connection, auth)
    pending_request.result = idp_user_data(connection, auth)
    pending_request.save(update_fields=["result"])


def remember_assertion(
    request: HttpRequest, connection: SsoConnection, auth: OneLogin_Saml2_Auth
) -> None:
    """Record the assertion ID; reject it if it was already consumed."""
    not_after = auth.get_last_assertion_not_on_or_after()
    expires_at = (
        datetime.fromtimestamp(not_after, UTC)
        if not_after
        else clock.now() + timedelta(seconds=PENDING_SECONDS)
    )
    UsedAssertion.objects.filter(expires_at__lt=clock.now()).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                issuer=connection.settings["idp_entity_id"],
                assertion_id=auth.get_last_assertion_id(),
                expires_at=expires_at,
            )
    except IntegrityError:
        raise reject(
            request,
            connection,
            "saml_replayed",
            "This SAML response was already used.",
        ) from None


def first(attributes: dict[str, list[str]], name: str) -> str:
    values = attributes.get(name) or []
    return str(values[0]) if values else ""


def idp_user_data(
    connection: SsoConnection, auth: OneLogin_Saml2_Auth
) -> dict[str, Any]:
    settings = connection.settings
    attributes: dict[str, list[str]] = auth.get_attributes()
    name_id = str(auth.get_nameid())
    email = first(attributes, settings["email_attribute"]) or (
        name_id if "@" in name_id else ""
    )
    return {
        "subject": name_id,
        "email": email,
        "name": first(attributes, settings["name_attribute"]),
        "groups": sorted(
            str(g) for g in attributes.get(settings["groups_attribute"], [])
        ),
    }


def take_result(
    request: HttpRequest, connection: SsoConnection, pending: PendingLogin | None
) -> tuple[PendingLogin, IdpUser]:
    """Return the validated result for this browser's request, exactly once."""
    if pending is None or pending.connection_id != connection.id:
        raise reject(
            request,
            connection,
            "saml_no_pending_login",
            "This browser has no SAML sign-in in progress. Start the sign-in again.",
        )
    with transaction.atomic():
        row = (
            SamlRequest.objects.select_for_update()
            .filter(request_id=pending.saml_request_id, connection=connection)
            .exclude(result__isnull=True)
            .first()
        )
        if row is None:
            raise reject(
                request,
                connection,
                "saml_result_missing",
                "The SAML sign-in did not complete. Start the sign-in again.",
            )
        result = row.result or {}
        row.delete()
    return pending, IdpUser(
        issuer=connection.settings["idp_entity_id"],
        subject=result["subject"],
        email=result["email"],
        name=result["name"],
        groups=frozenset(result["groups"]),
    )

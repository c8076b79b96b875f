"""Browser endpoints of the SSO protocols, under ``/auth/sso/``.

These are plain Django views because they respond to browsers with redirects
and pages. A client that asks for JSON (``Accept: application/json``) gets the
usual error envelope instead of a page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trainwave.server.audit.events import record_event
from trainwave.server.errors import ApiError, NotFound, SsoLoginFailed, error_response
from trainwave.server.ratelimits.login import check_login_allowed, record_login_success
from trainwave.server.sso import ldap, oidc, saml
from trainwave.server.sso.connections import connection_for_email
from trainwave.server.sso.models import LDAP, OIDC, SAML, SsoConnection
from trainwave.server.sso.provisioning import complete_login
from trainwave.server.sso.state import (
    PendingLogin,
    pop_pending,
    safe_next,
    save_pending,
)

View = Callable[..., HttpResponse]


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_page(request: HttpRequest, error: ApiError) -> HttpResponse:
    if wants_json(request):
        return error_response(request, error)
    return render(
        request,
        "error.html",
        {
            "title": "Sign-in failed" if error.status != 404 else "Not found",
            "message": error.message,
            "request_id": getattr(request, "request_id", ""),
        },
        status=error.status,
    )


def sso_view(view: View) -> View:
    """Turn ApiErrors into a page (or envelope), auditing rejected sign-ins."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except SsoLoginFailed as error:
            connection_id = error.log_fields.get("connection_id")
            connection = SsoConnection.objects.filter(id=connection_id).first()
            record_event(
                request,
                "sso.login_failed",
                organization_id=connection.organization_id if connection else None,
                outcome="failure",
                target_type="sso_connection",
                target_id=connection_id or "",
                reason=error.log_fields.get("reason", ""),
            )
            return error_page(request, error)
        except ApiError as error:
            return error_page(request, error)

    return wrapper


def enabled_connection(
    connection_id: str, protocol: str | None = None
) -> SsoConnection:
    query = SsoConnection.objects.filter(id=connection_id, enabled=True)
    if protocol is not None:
        query = query.filter(protocol=protocol)
    connection = query.select_related("organization").first()
    if connection is None:
        raise NotFound("This SSO connection does not exist or is turned off.")
    return connection


@require_GET
@sso_view
def start(request: HttpRequest) -> HttpResponse:
    """Start signing in: ``?email=`` or ``?connection=``, plus optional ``?next=``."""
    connection_id = request.GET.get("connection", "")
    if connection_id:
        connection = enabled_connection(connection_id)
    else:
        found = connection_for_email(request.GET.get("email", ""))
        if found is None:
            raise NotFound("No SSO connection covers this email address.")
        connection = found
    pending = PendingLogin(
        connection_id=connection.id,
        protocol=connection.protocol,
        next_path=safe_next(request, request.GET.get("next")),
    )
    if connection.protocol == OIDC:
        url = oidc.authorization_url(request, connection, pending)
    elif connection.protocol == SAML:
        url = saml.authn_request_url(request, connection, pending)
    else:
        save_pending(request, pending)
        return HttpResponseRedirect(f"/auth/sso/ldap/{connection.id}/login/")
    save_pending(request, pending)
    return HttpResponseRedirect(url)


@require_GET
@sso_view
def oidc_callback(request: HttpRequest, connection_id: str) -> HttpResponse:
    connection = enabled_connection(connection_id, OIDC)
    pending = oidc.check_callback_state(request, connection, pop_pending(request))
    idp_user = oidc.finish(request, connection, pending)
    complete_login(request, connection, idp_user)
    return HttpResponseRedirect(pending.next_path)


@require_GET
@sso_view
def saml_metadata(request: HttpRequest, connection_id: str) -> HttpResponse:
    connection = enabled_connection(connection_id, SAML)
    return HttpResponse(
        saml.sp_metadata(request, connection),
        content_type="application/samlmetadata+xml",
    )


# The IdP posts the response from its own site, so no CSRF token can be
# present. The response is authenticated by its signature instead, and it
# only completes a sign-in in the browser whose session contains the request ID.
@csrf_exempt
@require_POST
@sso_view
def saml_acs(request: HttpRequest, connection_id: str) -> HttpResponse:
    connection = enabled_connection(connection_id, SAML)
    saml.consume_response(request, connection)
    return HttpResponseRedirect(f"/auth/sso/saml/{connection.id}/finish/")


@require_GET
@sso_view
def saml_finish(request: HttpRequest, connection_id: str) -> HttpResponse:
    connection = enabled_connection(connection_id, SAML)
    pending, idp_user = saml.take_result(request, connection, pop_pending(request))
    complete_login(request, connection, idp_user)
    return HttpResponseRedirect(pending.next_path)


@require_http_methods(["GET", "POST"])
@sso_view
def ldap_login(request: HttpRequest, connection_id: str) -> HttpResponse:
    """Show the directory sign-in form, or check the posted credentials."""
    connection = enabled_connection(connection_id, LDAP)
    if request.method == "GET":
        return render(request, "sso/ldap_login.html", {"connection": connection})
    username = request.POST.get("username", "")
    # Directory passwords get the same throttling as password login: every
    # attempt counts before the bind, and a success clears this client's
    # window for the account.
    check_login_allowed(request, username)
    idp_user = ldap.authenticate(
        request, connection, username, request.POST.get("password", "")
    )
    pending = pop_pending(request)
    complete_login(request, connection, idp_user)
    record_login_success(request, username)
    next_path = (
        pending.next_path if pending and pending.connection_id == connection.id else "/"
    )
    return HttpResponseRedirect(next_path)

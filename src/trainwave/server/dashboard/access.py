"""Access rules of dashboard pages: sessions, timeouts, permissions, headers.

Every page goes through :func:`dashboard_page`, which applies the same rules as
the API's session scheme: the idle and absolute session timeouts, a
:class:`~trainwave.server.auth.Principal` built for the active organization,
and ``resource:action`` permission checks. CSRF is checked by Django's
middleware on every form post, because no dashboard view is CSRF-exempt.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from trainwave.server.accounts.models import User
from trainwave.server.accounts.sessions import check_timeouts, session_principal
from trainwave.server.auth import Principal
from trainwave.server.errors import (
    ApiError,
    NotFound,
    PermissionDenied,
    SessionExpired,
)
from trainwave.server.logs import log_rejection

View = Callable[..., HttpResponse]

FLASH = "trainwave.dashboard.flash"

# Pages may load scripts, styles and images from this server only; inline
# scripts and style attributes are refused, and no other site may frame them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Add the dashboard's Content-Security-Policy to every HTML response.

    Covers Django's own error and CSRF-failure pages too, which no dashboard
    view renders.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(
                "Content-Security-Policy", CONTENT_SECURITY_POLICY
            )
        return response


def flash(request: HttpRequest, text: str, kind: str = "success") -> None:
    """Store a one-line notice for the next page this session opens."""
    request.session[FLASH] = {"text": text, "kind": kind}


def pop_flash(request: HttpRequest) -> dict[str, str] | None:
    if not hasattr(request, "session"):
        return None
    notice: dict[str, str] | None = request.session.pop(FLASH, None)
    return notice


def principal_of(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined]


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """Return ``candidate`` if it is a path on this site, else ``default``.

    Rejects absolute URLs to other hosts, scheme-relative ``//host`` and
    backslash tricks, so a crafted sign-in link cannot send a person away.
    """
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return default


def sign_in_redirect(request: HttpRequest) -> HttpResponse:
    target = reverse("dashboard:sign_in")
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(target)


def error_page(
    request: HttpRequest, status: int, title: str, message: str
) -> HttpResponse:
    """Render a dashboard error page (403, 404, 409, 429) inside the layout."""
    context = {
        "title": title,
        "message": message,
        "request_id": getattr(request, "request_id", ""),
    }
    if getattr(request, "principal", None) is None:
        return render(request, "dashboard/error.html", context, status=status)
    from trainwave.server.dashboard.pages import render_page

    return render_page(request, "dashboard/error.html", context, status=status)


def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    log_rejection(
        request, 403, error.code, permission=error.extra.get("permission", "")
    )
    principal = getattr(request, "principal", None)
    if principal is not None and principal.organization_id is None:
        return error_page(
            request,
            403,
            "No organization yet",
            "You are not a member of any organization: "
            "ask an administrator to add you.",
        )
    return error_page(request, 403, "You can't do that here", error.message)


def dashboard_page(permission: str | None = None) -> Callable[[View], View]:
    """Make a view a signed-in page, optionally needing ``permission``.

    Anonymous visitors and expired sessions are sent to the sign-in page. A
    missing permission renders a 403 page, and an object the principal may not
    see renders a 404 page. Responses carry ``Cache-Control: no-store``,
    because every page shows the person's own data.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = open_page(request, view, permission, args, kwargs)
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorate


def open_page(
    request: HttpRequest,
    view: View,
    permission: str | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return sign_in_redirect(request)
    try:
        check_timeouts(request)
    except SessionExpired as error:
        flash(request, error.message, "info")
        return sign_in_redirect(request)
    assert isinstance(user, User)
    try:
        request.principal = session_principal(request, user)  # type: ignore[attr-defined]
        if permission is not None and not principal_of(request).has(permission):
            raise PermissionDenied(permission)
        return view(request, *args, **kwargs)
    except PermissionDenied as error:
        return forbidden(request, error)
    except NotFound as error:
        return error_page(request, 404, "Not found", error.message)
    except ApiError as error:
        # Conflicts and limits reached from a plain link or button: show the
        # reason instead of a bare status.
        return error_page(request, error.status, "That didn't work", error.message)

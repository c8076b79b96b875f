"""Browser sessions: timeouts, CSRF, and the session authenticator.

A session ends after ``TRAINWAVE_SESSION_IDLE_SECONDS`` without a request, and
``TRAINWAVE_SESSION_ABSOLUTE_SECONDS`` after login however busy it is. Both
are checked against times stored in the session on the server, so a client
cannot extend them by replaying or editing its cookie.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from trainwave.server import clock
from trainwave.server.accounts.models import Membership, User
from trainwave.server.accounts.roles import role_permissions
from trainwave.server.auth import Principal
from trainwave.server.config import get_config
from trainwave.server.errors import CsrfFailed, NotFound, SessionExpired, error_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ORGANIZATION_HEADER = "X-Organization"
LOGIN_TIME = "trainwave.login_at"
SEEN_TIME = "trainwave.seen_at"
ACTIVE_ORGANIZATION = "trainwave.organization"
LOGIN_METHOD = "trainwave.login_method"
# The last-seen time is written at most this often, so a busy session does not
# cost a database write per request. The idle timeout is that much coarser.
SEEN_RESOLUTION_SECONDS = 60


def no_view(request: HttpRequest) -> HttpResponse:
    raise AssertionError("CSRF checks never call the view")


csrf_middleware = CsrfViewMiddleware(no_view)


def check_csrf(request: HttpRequest) -> None:
    """Raise CsrfFailed unless the request carries a valid CSRF token.

    Runs Django's own check (the ``csrftoken`` cookie against the
    ``X-CSRFToken`` header, plus the Origin and, over HTTPS, Referer checks)
    for views that ninja marks exempt from the middleware.
    """
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    rejection = csrf_middleware.process_view(request, no_view, (), {})
    if rejection is not None:
        raise CsrfFailed()


def csrf_protected(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check CSRF before anything else on a route that takes no credentials.

    Used with ninja's ``decorate_view`` on login and sign-up, so a cross-site
    request is rejected before its body is even parsed.
    """

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            check_csrf(request)
        except CsrfFailed as error:
            return error_response(request, error)
        return run(request, *args, **kwargs)

    return wrapper


# Callables that return the IDs of organizations a password session may not
# act in (organizations that require single sign-on); the SSO app adds one.
password_session_exclusions: list[Callable[[str], set[str]]] = []


def mark_login(request: HttpRequest, method: str = "password") -> None:
    """Record the login time and method (``password`` or ``sso``) in a
    freshly cycled session."""
    stamp = clock.now().timestamp()
    request.session[LOGIN_TIME] = stamp
    request.session[SEEN_TIME] = stamp
    request.session[LOGIN_METHOD] = method


def excluded_organizations(request: HttpRequest, user_id: str) -> set[str]:
    """Return the organizations this session may not act in.

    A session opened with a password cannot act in an organization that
    requires SSO, though the same person's SSO session and API keys can.
    """
    session = getattr(request, "session", None)
    if session is None or session.get(LOGIN_METHOD, "password") != "password":
        return set()
    excluded: set[str] = set()
    for exclusion in password_session_exclusions:
        excluded |= exclusion(user_id)
    return excluded


def check_timeouts(request: HttpRequest) -> None:
    """Raise SessionExpired, ending the session, if it is idle or too old."""
    config = get_config()
    now = clock.now().timestamp()
    login_at = request.session.get(LOGIN_TIME)
    seen_at = request.session.get(SEEN_TIME, login_at)
    expired = (
        login_at is None
        or now - login_at > config.session_absolute_seconds
        or now - seen_at > config.session_idle_seconds
    )
    if expired:
        logout(request)
        raise SessionExpired()
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        request.session[SEEN_TIME] = now


def memberships_of(user_id: str) -> list[Membership]:
    return list(
        Membership.objects.filter(user_id=user_id)
        .select_related("organization")
        .order_by("created_at", "id")
    )


def choose_membership(request: HttpRequest, user_id: str) -> Membership | None:
    """Return the membership a request acts in.

    The ``X-Organization`` header (an organization ID or slug) wins; then the
    organization chosen in the dashboard; then the user's oldest membership.
    Naming an organization the user does not belong to is a 404, exactly as
    for one that does not exist.
    """
    excluded = excluded_organizations(request, user_id)
    memberships = [
        membership
        for membership in memberships_of(user_id)
        if membership.organization_id not in excluded
    ]
    wanted = request.headers.get(ORGANIZATION_HEADER, "").strip()
    if wanted:
        for membership in memberships:
            if wanted in (membership.organization_id, membership.organization.slug):
                return membership
        raise NotFound("Organization not found.")
    preferred = (
        request.session.get(ACTIVE_ORGANIZATION)
        if hasattr(request, "session")
        else None
    )
    for membership in memberships:
        if membership.organization_id == preferred:
            return membership
    return memberships[0] if memberships else None


def session_principal(request: HttpRequest, user: User) -> Principal:
    membership = choose_membership(request, user.pk)
    if membership is None:
        return Principal(
            method="session",
            user_id=user.pk,
            email=user.email,
            organization_id=None,
            organization_slug=None,
            role=None,
            permissions=frozenset(),
            extra={"user_name": user.name},
        )
    return Principal(
        method="session",
        user_id=user.pk,
        email=user.email,
        organization_id=membership.organization_id,
        organization_slug=membership.organization.slug,
        role=membership.role,
        permissions=role_permissions(membership.role),
        extra={
            "organization_name": membership.organization.name,
            "user_name": user.name,
        },
    )


def authenticate_session(request: HttpRequest) -> Principal | None:
    """Return the principal of a logged-in session, or None without one.

    Raises SessionExpired for an idle or too-old session and CsrfFailed for an
    unsafe method without a valid CSRF token.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    check_timeouts(request)
    if request.method not in SAFE_METHODS:
        check_csrf(request)
    assert isinstance(user, User)
    return session_principal(request, user)

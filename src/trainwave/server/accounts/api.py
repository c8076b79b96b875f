"""Session endpoints (``/auth/...``) and the auth check (``/api/v1/auth/test/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from ninja import Router, Status
from ninja.decorators import decorate_view

from trainwave.server.accounts import schemas
from trainwave.server.accounts.models import User
from trainwave.server.accounts.services import change_password, create_account
from trainwave.server.accounts.sessions import (
    LOGIN_TIME,
    SEEN_TIME,
    csrf_protected,
    mark_login,
    memberships_of,
)
from trainwave.server.audit.events import record_account_event, record_event
from trainwave.server.auth import SessionScheme, principal_of
from trainwave.server.config import get_config
from trainwave.server.envelope import Envelope, ok, responses
from trainwave.server.errors import InvalidCredentials, SignupClosed, ValidationFailed
from trainwave.server.sso.policy import check_password_login_allowed

session_router = Router(tags=["sessions"])
auth_router = Router(tags=["auth"])

SESSION_ONLY = [SessionScheme()]


def user_out(user: User) -> dict[str, Any]:
    return {"id": user.pk, "email": user.email, "name": user.name}


def organization_out(organization: Any) -> dict[str, Any] | None:
    if organization is None:
        return None
    return {"id": organization.id, "slug": organization.slug, "name": organization.name}


@session_router.get(
    "csrf/",
    auth=None,
    response=responses({200: Envelope[schemas.CsrfOut]}, auth=False),
    summary="Get a CSRF token",
)
def csrf(request: HttpRequest) -> dict[str, Any]:
    """Set the ``csrftoken`` cookie and return the same token.

    Send it back in ``X-CSRFToken`` on login and on every mutation made with a
    session.
    """
    return ok({"csrf_token": get_token(request)})


@session_router.post(
    "v1/login/",
    auth=None,
    response=responses({200: Envelope[schemas.SessionOut]}, 401, 403, auth=False),
    summary="Log in with email and password",
)
@decorate_view(csrf_protected)
def login_view(request: HttpRequest, payload: schemas.LoginIn) -> dict[str, Any]:
    """Start a session: sets the ``session`` cookie and rotates ``csrftoken``.

    Needs ``X-CSRFToken`` like every mutation, so another site cannot log a
    visitor into an account of its choosing. A wrong password and an unknown
    email give the same 401 ``invalid_credentials``.
    """
    from trainwave.server.ratelimits.login import (
        check_login_allowed,
        record_login_success,
    )

    check_login_allowed(request, payload.email)
    user = authenticate(request, email=payload.email, password=payload.password)
    if user is None:
        record_event(
            request, "user.login_failed", outcome="failure", actor_email=payload.email
        )
        raise InvalidCredentials()
    assert isinstance(user, User)
    check_password_login_allowed(user)
    # Flushing first makes every login start a new session, even a repeat
    # login of the same user; login() then rotates the CSRF token. A session id
    # or token planted before login is worthless afterwards.
    request.session.flush()
    login(request, user)
    mark_login(request)
    record_login_success(request, payload.email)
    record_account_event(request, "user.login", user)
    return ok(session_data(request, user))


@session_router.post(
    "v1/logout/",
    auth=SESSION_ONLY,
    response=responses({204: None}),
    summary="Log out",
)
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the session on the server; the cookie stops working at once."""
    record_account_event(request, "user.logout", request.user)
    logout(request)
    return HttpResponse(status=204)


@session_router.get(
    "v1/session/",
    auth=SESSION_ONLY,
    response=responses({200: Envelope[schemas.SessionOut]}),
    summary="Show the current session",
)
def session_view(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, User)
    return ok(session_data(request, user))


@session_router.post(
    "v1/signup/",
    auth=None,
    response=responses({201: Envelope[schemas.SessionOut]}, 403, 409, auth=False),
    summary="Create an account",
)
@decorate_view(csrf_protected)
def signup(request: HttpRequest, payload: schemas.SignupIn) -> Status[dict[str, Any]]:
    """Create an account and an organization it owns, and log it in.

    Closed when ``TRAINWAVE_SIGNUP_OPEN`` is off (the default in production).
    """
    if not get_config().signup_open:
        raise SignupClosed()
    user, _organization = create_account(
        payload.email,
        payload.password,
        name=payload.name,
        organization_name=payload.organization_name,
    )
    login(request, user, backend="trainwave.server.accounts.backends.EmailBackend")
    mark_login(request)
    record_account_event(request, "user.signup", user)
    return Status(201, ok(session_data(request, user)))


@session_router.post(
    "v1/password/",
    auth=SESSION_ONLY,
    response=responses({200: Envelope[schemas.SessionOut]}),
    summary="Change your password",
)
def password_change(
    request: HttpRequest, payload: schemas.PasswordChangeIn
) -> dict[str, Any]:
    """Change the password; needs the current one. Ends every other session."""
    user = request.user
    assert isinstance(user, User)
    if not user.check_password(payload.current_password):
        raise ValidationFailed(
            "The current password is incorrect.",
            details=[
                {
                    "field": "current_password",
                    "message": "The current password is incorrect.",
                    "type": "invalid",
                }
            ],
        )
    change_password(user, payload.new_password)
    update_session_auth_hash(request, user)
    record_account_event(request, "user.password_changed", user)
    return ok(session_data(request, user))


def session_data(request: HttpRequest, user: User) -> dict[str, Any]:
    from trainwave.server.accounts.sessions import session_principal

    config = get_config()
    principal = session_principal(request, user)
    memberships = memberships_of(user.pk)
    current = next(
        (m for m in memberships if m.organization_id == principal.organization_id), None
    )
    login_at = request.session.get(LOGIN_TIME, 0)
    seen_at = request.session.get(SEEN_TIME, login_at)
    return {
        "user": user_out(user),
        "organization": organization_out(current.organization if current else None),
        "role": principal.role,
        "permissions": sorted(principal.permissions),
        "memberships": [
            {"organization": organization_out(m.organization), "role": m.role}
            for m in memberships
        ],
        "csrf_token": get_token(request),
        "idle_expires_at": datetime.fromtimestamp(
            seen_at + config.session_idle_seconds, UTC
        ),
        "absolute_expires_at": datetime.fromtimestamp(
            login_at + config.session_absolute_seconds, UTC
        ),
    }


@auth_router.get(
    "test/",
    response=responses({200: Envelope[schemas.AuthTestOut]}),
    summary="Check your credentials",
)
def auth_test(request: HttpRequest) -> dict[str, Any]:
    """Report how the request was authenticated, as whom and with what permissions."""
    principal = principal_of(request)
    organization = None
    if principal.organization_id is not None:
        organization = {
            "id": principal.organization_id,
            "slug": principal.organization_slug,
            "name": principal.extra.get(
                "organization_name", principal.organization_slug
            ),
        }
    key = None
    if principal.key_id is not None:
        key = {
            "id": principal.key_id,
            "name": principal.key_name,
            "expires_at": principal.key_expires_at,
            "grace_ends_at": principal.key_grace_ends_at,
        }
    return ok(
        {
            "method": principal.method,
            "user": {
                "id": principal.user_id,
                "email": principal.email,
                "name": principal.extra.get("user_name", ""),
            },
            "organization": organization,
            "role": principal.role,
            "permissions": sorted(principal.permissions),
            "key": key,
        }
    )

"""Sign in, sign out, the start page and the organization switcher."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trainwave.server.accounts.models import User
from trainwave.server.accounts.sessions import (
    ACTIVE_ORGANIZATION,
    check_timeouts,
    mark_login,
    memberships_of,
)
from trainwave.server.audit.events import record_account_event, record_event
from trainwave.server.dashboard.access import (
    dashboard_page,
    flash,
    pop_flash,
    principal_of,
    safe_next,
)
from trainwave.server.dashboard.forms import SignInForm
from trainwave.server.errors import (
    ApiError,
    InvalidCredentials,
    NotFound,
    SessionExpired,
)
from trainwave.server.ratelimits.login import record_login_success


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("dashboard:keys"))
    return HttpResponseRedirect(reverse("dashboard:sign_in"))


def is_signed_in(request: HttpRequest) -> bool:
    if not request.user.is_authenticated:
        return False
    try:
        check_timeouts(request)
    except SessionExpired:
        return False
    return True


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Show the sign-in form and start a session with email and password.

    Follows the API's login rules: the login rate limits, the same error for
    an unknown email and a wrong password, a new session and CSRF token on
    success, and an audit event either way.
    """
    candidate = request.POST.get("next") or request.GET.get("next")
    next_url = safe_next(request, candidate, reverse("dashboard:keys"))
    if request.method == "GET" and is_signed_in(request):
        return HttpResponseRedirect(next_url)
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    headers: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        try:
            user = check_credentials(
                request, form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except ApiError as error:
            form.add_error(None, error.message)
            status = error.status if error.status == 429 else 200
            headers = error.headers
        else:
            # A new session for every sign-in: a session ID or CSRF token
            # planted before it is worthless afterwards.
            request.session.flush()
            login(request, user)
            mark_login(request)
            record_login_success(request, form.cleaned_data["email"])
            record_account_event(request, "user.login", user)
            return HttpResponseRedirect(next_url)
    response = render(
        request,
        "dashboard/sign_in.html",
        {
            "form": form,
            "next": next_url,
            "flash": pop_flash(request),
            "sso_sign_in_url": sso_sign_in_url(next_url),
        },
        status=status,
    )
    for name, value in headers.items():
        response[name] = value
    add_never_cache_headers(response)
    return response


def check_credentials(request: HttpRequest, email: str, password: str) -> User:
    """Return the user ``email`` and ``password`` identify.

    Raises RateLimitExceeded while sign-ins for the account or address are
    throttled, and InvalidCredentials for a wrong email or password.
    """
    from trainwave.server.ratelimits.login import check_login_allowed

    check_login_allowed(request, email)
    user = authenticate(request, email=email, password=password)
    if user is None:
        record_event(request, "user.login_failed", outcome="failure", actor_email=email)
        raise InvalidCredentials()
    assert isinstance(user, User)
    return user


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        record_account_event(request, "user.logout", user)
    logout(request)
    flash(request, "You are signed out.", "info")
    return HttpResponseRedirect(reverse("dashboard:sign_in"))


@require_POST
@dashboard_page()
def switch_organization(request: HttpRequest) -> HttpResponse:
    """Make another of the person's organizations the one pages act in."""
    principal = principal_of(request)
    requested = request.POST.get("organization", "")
    memberships = memberships_of(principal.user_id)
    membership = next(
        (m for m in memberships if m.organization_id == requested),
        None,
    )
    if membership is None:
        raise NotFound("Organization not found.")
    request.session[ACTIVE_ORGANIZATION] = membership.organization_id
    flash(request, f"You are now working in {membership.organization.name}.", "info")
    return HttpResponseRedirect(reverse("dashboard:keys"))


def sso_sign_in_url(next_url: str) -> str | None:
    """Return the link to the SSO step, or None while no connection exists."""
    from trainwave.server.sso.models import SsoConnection

    if not SsoConnection.objects.filter(enabled=True).exists():
        return None
    return f"{reverse('dashboard:sso_sign_in')}?{urlencode({'next': next_url})}"


@require_http_methods(["GET"])
def sso_sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for the work email; its domain picks the organization's IdP.

    The form sends the browser to ``/auth/sso/start/``, which finds the SSO
    connection that covers the domain and redirects to the identity provider.
    """
    next_url = safe_next(request, request.GET.get("next"), reverse("dashboard:keys"))
    response = render(request, "dashboard/sso_sign_in.html", {"next": next_url})
    add_never_cache_headers(response)
    return response

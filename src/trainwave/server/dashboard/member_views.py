"""Settings → Members: list members; admins add, change roles and remove.

The rules are the members API's own (only an owner makes or unmakes owners,
an organization keeps at least one owner), through the same use cases.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trainwave.server.accounts.members_api import (
    add_member_by_email,
    change_member_role,
    get_membership,
    remove_membership,
)
from trainwave.server.accounts.models import Membership
from trainwave.server.accounts.roles import OWNER
from trainwave.server.dashboard.access import (
    dashboard_page,
    error_page,
    flash,
    principal_of,
)
from trainwave.server.dashboard.forms import (
    MemberAddForm,
    MemberRoleForm,
    assignable_roles,
    show_service_error,
)
from trainwave.server.dashboard.pages import render_page
from trainwave.server.errors import Conflict, NotFound, ValidationFailed

SECTION = "Members"


def members_page(
    request: HttpRequest, add_form: MemberAddForm | None = None, status: int = 200
) -> HttpResponse:
    principal = principal_of(request)
    memberships = list(
        Membership.objects.select_related("user")
        .filter(organization_id=principal.organization_id)
        .order_by("created_at", "id")
    )
    can_write = principal.has("members:write")
    roles = assignable_roles(principal)
    owner_count = sum(1 for membership in memberships if membership.role == OWNER)
    rows = []
    for membership in memberships:
        is_owner = membership.role == OWNER
        # The members API refuses to demote or remove the last owner, and
        # lets only an owner change or remove an owner.
        only_owner = is_owner and owner_count == 1
        rows.append(
            {
                "membership": membership,
                "is_you": membership.user_id == principal.user_id,
                "only_owner": only_owner,
                "editable": can_write
                and not only_owner
                and (not is_owner or principal.role == OWNER),
            }
        )
    return render_page(
        request,
        "dashboard/members/list.html",
        {
            "rows": rows,
            "can_write": can_write,
            "roles": roles,
            "add_form": add_form or MemberAddForm(principal),
        },
        section=SECTION,
        status=status,
    )


@require_GET
@dashboard_page("members:read")
def member_list(request: HttpRequest) -> HttpResponse:
    return members_page(request)


@require_POST
@dashboard_page("members:write")
def member_add(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = MemberAddForm(principal, request.POST)
    if form.is_valid():
        try:
            email, role = form.cleaned_data["email"], form.cleaned_data["role"]
            membership = add_member_by_email(request, principal, email, role)
        except (NotFound, Conflict) as error:
            form.add_error("email", error.message)
        except ValidationFailed as error:
            show_service_error(form, error)
        else:
            flash(
                request,
                f"Added {membership.user.email} as {membership.get_role_display()}.",
            )
            return HttpResponseRedirect(reverse("dashboard:members"))
    return members_page(request, add_form=form)


@require_POST
@dashboard_page("members:write")
def member_role(request: HttpRequest, user_id: str) -> HttpResponse:
    principal = principal_of(request)
    form = MemberRoleForm(principal, request.POST)
    if not form.is_valid():
        return error_page(
            request, 400, "That didn't work", "Choose one of the listed roles."
        )
    membership = change_member_role(
        request, principal, user_id, form.cleaned_data["role"]
    )
    flash(
        request,
        f"{membership.user.email} is now {membership.get_role_display()}.",
    )
    return HttpResponseRedirect(reverse("dashboard:members"))


@require_http_methods(["GET", "POST"])
@dashboard_page("members:write")
def member_remove(request: HttpRequest, user_id: str) -> HttpResponse:
    """Ask for confirmation, then remove the member from the organization."""
    principal = principal_of(request)
    membership = get_membership(principal, user_id)
    if request.method == "POST":
        remove_membership(request, principal, user_id)
        flash(request, f"Removed {membership.user.email} from the organization.")
        return HttpResponseRedirect(reverse("dashboard:members"))
    return render_page(
        request,
        "dashboard/members/remove.html",
        {
            "membership": membership,
            "is_you": membership.user_id == principal.user_id,
        },
        section=SECTION,
    )

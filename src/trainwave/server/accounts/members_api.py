"""Members of the current organization: ``/api/v1/members/``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from trainwave.server.accounts import schemas
from trainwave.server.accounts.models import Membership, Organization
from trainwave.server.accounts.roles import OWNER, ROLE_RANK, ROLES
from trainwave.server.accounts.services import add_member
from trainwave.server.audit.events import record_event
from trainwave.server.auth import Principal, require
from trainwave.server.envelope import Envelope, ok, responses
from trainwave.server.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

members_router = Router(tags=["members"])


def member_out(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "user": {"id": user.pk, "email": user.email, "name": user.name},
        "role": membership.role,
        "joined_at": membership.created_at,
    }


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(
            f"Unknown role {role!r}: use one of {', '.join(ROLES)}.",
            details=[{"field": "role", "message": "Unknown role.", "type": "enum"}],
        )


def check_may_assign(principal: Principal, role: str) -> None:
    """Only an owner may make or unmake owners."""
    if role == OWNER and principal.role != OWNER:
        raise PermissionDenied(
            "org:admin", "Only an owner can grant or change the owner role."
        )


def get_membership(principal: Principal, user_id: str) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(organization_id=principal.organization_id, user_id=user_id)
        .first()
    )
    if membership is None:
        raise NotFound("Member not found.")
    return membership


def check_not_last_owner(membership: Membership) -> None:
    if membership.role != OWNER:
        return
    owners = Membership.objects.filter(
        organization_id=membership.organization_id, role=OWNER
    )
    if owners.count() <= 1:
        raise Conflict(
            "The organization needs at least one owner: "
            "make another member owner first."
        )


# The member use cases, shared by these routes and the dashboard's pages. Each
# applies the role rules above and records an audit event.


def add_member_by_email(
    request: HttpRequest, principal: Principal, email: str, role: str
) -> Membership:
    """Add the active account with ``email`` to the principal's organization."""
    check_role(role)
    check_may_assign(principal, role)
    organization = Organization.objects.get(id=principal.organization_id)
    membership = add_member(organization, email, role)
    record_event(
        request,
        "member.added",
        target_type="user",
        target_id=membership.user_id,
        role=role,
    )
    return membership


def change_member_role(
    request: HttpRequest, principal: Principal, user_id: str, role: str
) -> Membership:
    """Give a member ``role``; their API keys narrow to it at once."""
    check_role(role)
    with transaction.atomic():
        membership = get_membership(principal, user_id)
        check_may_assign(principal, membership.role)
        check_may_assign(principal, role)
        if ROLE_RANK[role] < ROLE_RANK[membership.role]:
            check_not_last_owner(membership)
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
    from trainwave.server.apikeys.cache import forget_user_keys

    forget_user_keys(user_id)
    record_event(
        request,
        "member.role_changed",
        target_type="user",
        target_id=user_id,
        previous_role=previous,
        role=role,
    )
    return membership


def remove_membership(request: HttpRequest, principal: Principal, user_id: str) -> None:
    """Remove a member; their API keys for this organization stop at once."""
    with transaction.atomic():
        membership = get_membership(principal, user_id)
        check_may_assign(principal, membership.role)
        check_not_last_owner(membership)
        membership.delete()
    from trainwave.server.apikeys.cache import forget_user_keys

    forget_user_keys(user_id)
    record_event(request, "member.removed", target_type="user", target_id=user_id)


@members_router.get("", response=responses({200: Envelope[list[schemas.MemberOut]]}))
def list_members(request: HttpRequest) -> dict[str, Any]:
    principal = require(request, "members:read")
    memberships = (
        Membership.objects.select_related("user")
        .filter(organization_id=principal.organization_id)
        .order_by("created_at", "id")
    )
    return ok([member_out(m) for m in memberships])


@members_router.post(
    "", response=responses({201: Envelope[schemas.MemberOut]}, 404, 409)
)
def create_member(
    request: HttpRequest, payload: schemas.MemberAddIn
) -> Status[dict[str, Any]]:
    """Add an existing account to the organization with a role."""
    principal = require(request, "members:write")
    membership = add_member_by_email(request, principal, payload.email, payload.role)
    return Status(201, ok(member_out(membership)))


@members_router.patch(
    "{user_id}/", response=responses({200: Envelope[schemas.MemberOut]}, 404, 409)
)
def change_role(
    request: HttpRequest, user_id: str, payload: schemas.MemberRoleIn
) -> dict[str, Any]:
    """Change a member's role. Their API keys narrow to the new role at once."""
    principal = require(request, "members:write")
    membership = change_member_role(request, principal, user_id, payload.role)
    return ok(member_out(membership))


@members_router.delete("{user_id}/", response=responses({204: None}, 404, 409))
def remove_member(request: HttpRequest, user_id: str) -> HttpResponse:
    """Remove a member. Their API keys for this organization stop at once."""
    principal = require(request, "members:write")
    remove_membership(request, principal, user_id)
    return HttpResponse(status=204)

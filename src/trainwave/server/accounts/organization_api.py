"""The current organization and its key policy: ``/api/v1/organization/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field, model_validator

from trainwave.server.accounts.models import Organization
from trainwave.server.audit.events import record_event
from trainwave.server.auth import principal_of, require
from trainwave.server.envelope import Envelope, ok, responses
from trainwave.server.errors import NotFound

organization_router = Router(tags=["organization"])

MAX_LIFETIME_DAYS = 3650


class OrganizationSettingsOut(Schema):
    id: str
    slug: str
    name: str
    max_key_lifetime_days: int | None = Field(
        description="Longest lifetime of a new key."
    )
    default_key_lifetime_days: int | None = Field(
        description="Lifetime of a new key that names none."
    )
    key_rate_limit: int | None = Field(
        description="Requests per minute for each key, unless the key sets its own."
    )


class OrganizationSettingsIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=150)
    max_key_lifetime_days: int | None = Field(None, ge=1, le=MAX_LIFETIME_DAYS)
    default_key_lifetime_days: int | None = Field(None, ge=1, le=MAX_LIFETIME_DAYS)
    key_rate_limit: int | None = Field(None, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def default_within_maximum(self) -> OrganizationSettingsIn:
        maximum, default = self.max_key_lifetime_days, self.default_key_lifetime_days
        if maximum is not None and default is not None and default > maximum:
            raise ValueError(
                "default_key_lifetime_days cannot exceed max_key_lifetime_days"
            )
        return self


def settings_out(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.id,
        "slug": organization.slug,
        "name": organization.name,
        "max_key_lifetime_days": organization.max_key_lifetime_days,
        "default_key_lifetime_days": organization.default_key_lifetime_days,
        "key_rate_limit": organization.key_rate_limit,
    }


def current_organization(request: HttpRequest) -> Organization:
    organization_id = principal_of(request).organization_id
    organization = Organization.objects.filter(id=organization_id).first()
    if organization is None:
        raise NotFound("You do not belong to an organization.")
    return organization


@organization_router.get(
    "", response=responses({200: Envelope[OrganizationSettingsOut]}, 404)
)
def get_organization(request: HttpRequest) -> dict[str, Any]:
    """Show the organization the request acts in, with its key policy."""
    require(request, "members:read")
    return ok(settings_out(current_organization(request)))


@organization_router.patch(
    "", response=responses({200: Envelope[OrganizationSettingsOut]}, 404)
)
def update_organization(
    request: HttpRequest, payload: OrganizationSettingsIn
) -> dict[str, Any]:
    """Rename the organization or change its key policy; needs ``org:admin``.

    Fields sent as null clear the policy; fields left out are unchanged. The
    policy applies to keys created from now on.
    """
    require(request, "org:admin")
    organization = current_organization(request)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    for field, value in changes.items():
        setattr(organization, field, value)
    merged_max = organization.max_key_lifetime_days
    merged_default = organization.default_key_lifetime_days
    if merged_max and merged_default and merged_default > merged_max:
        from trainwave.server.errors import ValidationFailed

        message = "default_key_lifetime_days cannot exceed max_key_lifetime_days."
        raise ValidationFailed(
            message,
            details=[
                {
                    "field": "default_key_lifetime_days",
                    "message": message,
                    "type": "value",
                }
            ],
        )
    organization.save(update_fields=sorted(changes) or None)
    record_event(
        request,
        "organization.updated",
        target_type="organization",
        target_id=organization.id,
        **{field: changes[field] for field in sorted(changes)},
    )
    return ok(settings_out(organization))

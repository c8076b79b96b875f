"""Account use cases: sign-up, owners, passwords and memberships."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from trainwave.server.accounts.models import (
    Membership,
    Organization,
    User,
    normalize_email,
)
from trainwave.server.accounts.roles import OWNER
from trainwave.server.errors import Conflict, EmailTaken, NotFound, ValidationFailed
from trainwave.server.ids import random_base62


def check_email(email: str) -> str:
    """Return the normalised email; raise ValidationFailed if it is not one."""
    normalized = normalize_email(email)
    try:
        validate_email(normalized)
    except DjangoValidationError:
        raise ValidationFailed(
            "The email address is invalid.",
            details=[
                {
                    "field": "email",
                    "message": "Enter a valid email address.",
                    "type": "email",
                }
            ],
        ) from None
    return normalized


def check_password(password: str, user: User, field: str = "password") -> None:
    """Raise ValidationFailed listing every password rule ``password`` breaks."""
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        raise ValidationFailed(
            "The password does not meet the password rules.",
            details=[
                {"field": field, "message": message, "type": "password_policy"}
                for message in error.messages
            ],
        ) from None


def unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "org"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{random_base62(6).lower()}"
    return slug


def create_account(
    email: str,
    password: str,
    *,
    name: str = "",
    organization_name: str = "",
) -> tuple[User, Organization]:
    """Create a user and an organization that the user owns.

    Raises ValidationFailed for a bad email or password and Conflict when the
    email is taken (case-insensitively).
    """
    email = check_email(email)
    user = User(email=email, name=name.strip())
    check_password(password, user)
    user.set_password(password)
    org_name = organization_name.strip() or f"{email.split('@', 1)[0]}'s organization"
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            organization = Organization.objects.create(
                slug=unique_slug(org_name), name=org_name
            )
            Membership.objects.create(user=user, organization=organization, role=OWNER)
    except IntegrityError:
        raise EmailTaken() from None
    return user, organization


def change_password(user: User, new_password: str) -> None:
    """Validate and set a new password. Other sessions end with it, because
    each session stores a hash of the password it was opened with."""
    check_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])


def add_member(organization: Organization, email: str, role: str) -> Membership:
    """Add an existing account to ``organization`` with ``role``."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        raise NotFound(
            "No active account uses this email: ask the person to sign up first."
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(
                user=user, organization=organization, role=role
            )
    except IntegrityError:
        raise Conflict("This person is already a member.") from None

"""Users, organizations and memberships."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from trainwave.server import clock
from trainwave.server.accounts.roles import ROLE_CHOICES, role_permissions
from trainwave.server.ids import new_id


def normalize_email(email: str) -> str:
    """Return the canonical form of an email: trimmed, NFKC, lowercase.

    The whole address is lowercased, so ``Ana@Example.com`` and
    ``ana@example.com`` are one account.
    """
    return unicodedata.normalize("NFKC", email).strip().lower()


def new_user_id() -> str:
    return new_id("usr")


def new_organization_id() -> str:
    return new_id("org")


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, email: str | None) -> User:
        return self.get(email=normalize_email(email or ""))

    def create_user(
        self, email: str, password: str | None = None, **fields: Any
    ) -> User:
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person, identified by a normalised email address."""

    id = models.CharField(
        primary_key=True, max_length=32, default=new_user_id, editable=False
    )
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)


class Organization(models.Model):
    """A team that owns jobs, API keys and members."""

    id = models.CharField(
        primary_key=True, max_length=32, default=new_organization_id, editable=False
    )
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=clock.now)
    # Key policy: the longest lifetime a new API key may have, and the
    # lifetime it gets when the request names none. Null means no limit.
    max_key_lifetime_days = models.PositiveIntegerField(null=True, blank=True)
    default_key_lifetime_days = models.PositiveIntegerField(null=True, blank=True)
    # Requests per minute for every key of the organization, overriding the
    # server-wide default; a key's own override still wins.
    key_rate_limit = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    """A user's role in one organization."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="accounts_one_membership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} as {self.role}"

    @property
    def permissions(self) -> frozenset[str]:
        return role_permissions(self.role)

"""Request and response schemas of the accounts endpoints."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from trainwave.server.accounts.passwords import MAX_PASSWORD_LENGTH

# Login accepts longer input than a password may be, so an over-long attempt
# is an ordinary 401 rather than a hint about the policy; beyond this it is a
# 400 before any hashing work.
MAX_LOGIN_PASSWORD_LENGTH = 1024


class CsrfOut(Schema):
    csrf_token: str


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=MAX_LOGIN_PASSWORD_LENGTH)


class SignupIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    name: str = Field("", max_length=150)
    organization_name: str = Field("", max_length=150)


class PasswordChangeIn(Schema):
    current_password: str = Field(max_length=MAX_LOGIN_PASSWORD_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class UserOut(Schema):
    id: str
    email: str
    name: str


class OrganizationOut(Schema):
    id: str
    slug: str
    name: str


class MembershipOut(Schema):
    organization: OrganizationOut
    role: str


class SessionOut(Schema):
    user: UserOut
    organization: OrganizationOut | None
    role: str | None
    permissions: list[str]
    memberships: list[MembershipOut]
    csrf_token: str
    idle_expires_at: datetime
    absolute_expires_at: datetime


class KeySummary(Schema):
    id: str
    name: str | None
    expires_at: datetime | None
    grace_ends_at: datetime | None


class AuthTestOut(Schema):
    method: str = Field(description="session or api_key")
    user: UserOut
    organization: OrganizationOut | None
    role: str | None
    permissions: list[str]
    key: KeySummary | None


class MemberOut(Schema):
    user: UserOut
    role: str
    joined_at: datetime


class MemberAddIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)


class MemberRoleIn(Schema):
    role: str = Field(max_length=16)

"""Request and response schemas of the API keys endpoints."""

from __future__ import annotations

import ipaddress
from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

from trainwave.server.envelope import IsoDatetime

MAX_NETWORKS = 50


def check_networks(networks: list[str] | None) -> list[str] | None:
    if networks is None:
        return None
    normalized = []
    for network in networks:
        try:
            normalized.append(str(ipaddress.ip_network(network.strip(), strict=False)))
        except ValueError:
            raise ValueError(f"{network!r} is not an IP network in CIDR form") from None
    return normalized


class KeyCreateIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    permissions: list[str] | None = Field(
        None,
        max_length=50,
        description="Permissions the key carries; defaults to all of yours.",
    )
    environment: Literal["live", "test"] = "live"
    expires_at: IsoDatetime | None = Field(
        None, description="When the key stops working."
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650)
    allowed_networks: list[str] | None = Field(None, max_length=MAX_NETWORKS)
    rate_limit_per_minute: int | None = Field(None, ge=1, le=1_000_000)

    _networks = field_validator("allowed_networks")(check_networks)


class KeyUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    allowed_networks: list[str] | None = Field(None, max_length=MAX_NETWORKS)

    _networks = field_validator("allowed_networks")(check_networks)


class KeyRevokeIn(Schema):
    reason: str = Field("", max_length=200)


class KeyRotateIn(Schema):
    grace_seconds: int = Field(
        86_400,
        ge=0,
        le=30 * 86_400,
        description="How long the old key keeps working; 0 stops it at once.",
    )


class PersonOut(Schema):
    id: str
    email: str


class KeyOut(Schema):
    id: str
    name: str
    environment: str
    hint: str = Field(description="Prefix and last four characters; not a secret.")
    status: Literal["active", "grace", "expired", "revoked"]
    permissions: list[str]
    owner: PersonOut
    created_by: PersonOut | None
    created_at: datetime
    expires_at: datetime | None
    expires_soon: bool = Field(description="True within seven days of expiry.")
    grace_ends_at: datetime | None
    replaced_by: str | None
    last_used_at: datetime | None
    last_used_ip: str | None
    last_used_user_agent: str
    revoked_at: datetime | None
    revoked_by: PersonOut | None
    revoked_reason: str
    allowed_networks: list[str]
    rate_limit_per_minute: int | None


class KeyCreatedOut(KeyOut):
    secret: str = Field(description="The full API key. Shown once; store it now.")


class DailyUsage(Schema):
    date: date
    requests: int
    errors_4xx: int
    errors_5xx: int


class KeyUsageOut(Schema):
    key_id: str
    days: int
    total_requests: int
    daily: list[DailyUsage]
    last_used_at: datetime | None
    last_used_ip: str | None
    last_used_user_agent: str


class KeyFilters(Schema):
    status: Literal["active", "revoked", "all"] = "active"
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=200)

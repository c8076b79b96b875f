"""Typed views of the API's response data.

Each model keeps the server's original ``data`` in ``raw`` (hidden from the
repr) so new fields are reachable before the SDK names them. A new key's
``secret`` is never kept in ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from trainwave.client.secrets import Secret

T = TypeVar("T")


def parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def email_of(person: Any) -> str | None:
    return person.get("email") if isinstance(person, dict) else None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and the cursor of the next one."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Organization:
    id: str
    slug: str
    name: str

    @classmethod
    def from_data(cls, data: Any) -> Organization | None:
        if not isinstance(data, dict):
            return None
        return cls(str(data["id"]), str(data["slug"]), str(data.get("name", "")))


@dataclass(frozen=True)
class KeySummary:
    """The API key a request was made with, as ``auth test`` reports it."""

    id: str
    name: str | None
    expires_at: datetime | None
    grace_ends_at: datetime | None


@dataclass(frozen=True)
class Identity:
    """The credential's user, organization and permissions.

    The result of ``GET /api/v1/auth/test/``.
    """

    method: str
    user_id: str
    email: str
    organization: Organization | None
    role: str | None
    permissions: list[str]
    key: KeySummary | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Identity:
        key = data.get("key")
        summary = None
        if isinstance(key, dict):
            summary = KeySummary(
                str(key["id"]),
                key.get("name"),
                parse_time(key.get("expires_at")),
                parse_time(key.get("grace_ends_at")),
            )
        user = data.get("user") or {}
        return cls(
            method=str(data.get("method", "")),
            user_id=str(user.get("id", "")),
            email=str(user.get("email", "")),
            organization=Organization.from_data(data.get("organization")),
            role=data.get("role"),
            permissions=list(data.get("permissions") or []),
            key=summary,
            raw=data,
        )


@dataclass(frozen=True)
class SessionInfo:
    """The account a password login started a session for."""

    email: str
    organization: Organization | None
    role: str | None
    permissions: list[str]
    absolute_expires_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SessionInfo:
        raw = {name: value for name, value in data.items() if name != "csrf_token"}
        return cls(
            email=str((data.get("user") or {}).get("email", "")),
            organization=Organization.from_data(data.get("organization")),
            role=data.get("role"),
            permissions=list(data.get("permissions") or []),
            absolute_expires_at=parse_time(data.get("absolute_expires_at")),
            raw=raw,
        )


@dataclass(frozen=True)
class ApiKey:
    """An API key's public record; it never contains the secret."""

    id: str
    name: str
    environment: str
    hint: str
    status: str
    permissions: list[str]
    owner_email: str | None
    created_at: datetime | None
    expires_at: datetime | None
    grace_ends_at: datetime | None
    replaced_by: str | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def fields_from(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(data["id"]),
            "name": str(data.get("name", "")),
            "environment": str(data.get("environment", "")),
            "hint": str(data.get("hint", "")),
            "status": str(data.get("status", "")),
            "permissions": list(data.get("permissions") or []),
            "owner_email": email_of(data.get("owner")),
            "created_at": parse_time(data.get("created_at")),
            "expires_at": parse_time(data.get("expires_at")),
            "grace_ends_at": parse_time(data.get("grace_ends_at")),
            "replaced_by": data.get("replaced_by"),
            "last_used_at": parse_time(data.get("last_used_at")),
            "revoked_at": parse_time(data.get("revoked_at")),
            "raw": {name: value for name, value in data.items() if name != "secret"},
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ApiKey:
        return cls(**cls.fields_from(data))


@dataclass(frozen=True)
class CreatedKey(ApiKey):
    """A key just created or rotated: the only time its ``secret`` is readable."""

    secret: Secret = field(default_factory=lambda: Secret(""))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CreatedKey:
        return cls(**cls.fields_from(data), secret=Secret(str(data["secret"])))


@dataclass(frozen=True)
class DailyUsage:
    date: date
    requests: int
    errors_4xx: int
    errors_5xx: int


@dataclass(frozen=True)
class KeyUsage:
    """Requests per UTC day over the last ``days`` days."""

    key_id: str
    days: int
    total_requests: int
    daily: list[DailyUsage]
    last_used_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> KeyUsage:
        return cls(
            key_id=str(data["key_id"]),
            days=int(data["days"]),
            total_requests=int(data["total_requests"]),
            daily=[
                DailyUsage(
                    date.fromisoformat(day["date"]),
                    int(day["requests"]),
                    int(day["errors_4xx"]),
                    int(day["errors_5xx"]),
                )
                for day in data.get("daily") or []
            ],
            last_used_at=parse_time(data.get("last_used_at")),
            raw=data,
        )


@dataclass(frozen=True)
class Job:
    """A training job of the organization."""

    id: str
    name: str
    image: str
    command: list[str]
    gpu_type: str
    gpu_count: int
    status: str
    status_message: str
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Job:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            image=str(data.get("image", "")),
            command=list(data.get("command") or []),
            gpu_type=str(data.get("gpu_type", "")),
            gpu_count=int(data.get("gpu_count", 0)),
            status=str(data.get("status", "")),
            status_message=str(data.get("status_message", "")),
            created_at=parse_time(data.get("created_at")),
            started_at=parse_time(data.get("started_at")),
            finished_at=parse_time(data.get("finished_at")),
            raw=data,
        )

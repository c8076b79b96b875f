"""The API's operations as :class:`Call` values, shared by both clients."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from trainwave.client.core import Call
from trainwave.client.models import (
    ApiKey,
    CreatedKey,
    Identity,
    Job,
    KeyUsage,
    Page,
    SessionInfo,
)

KEYS = "/api/v1/auth/keys/"
JOBS = "/api/v1/jobs/"


def segment(value: str) -> str:
    """Quote an ID for a URL path, so ``../`` or ``?`` cannot change the route."""
    return quote(str(value), safe="")


def data(body: dict[str, Any]) -> Any:
    return body.get("data")


def nothing(body: dict[str, Any]) -> None:
    return None


def auth_test() -> Call[Identity]:
    return Call("GET", "/api/v1/auth/test/", lambda b: Identity.from_data(data(b)))


def csrf() -> Call[None]:
    return Call("GET", "/auth/csrf/", nothing, authenticated=False)


def login(email: str, password: str) -> Call[SessionInfo]:
    return Call(
        "POST",
        "/auth/v1/login/",
        lambda b: SessionInfo.from_data(data(b)),
        json={"email": email, "password": password},
        authenticated=False,
    )


def logout() -> Call[None]:
    return Call("POST", "/auth/v1/logout/", nothing)


def session() -> Call[SessionInfo]:
    return Call("GET", "/auth/v1/session/", lambda b: SessionInfo.from_data(data(b)))


def page_of(parse: Any) -> Any:
    def read(body: dict[str, Any]) -> Page[Any]:
        pagination = body.get("pagination") or {}
        items = [parse(item) for item in data(body) or []]
        return Page(items, pagination.get("next_cursor"))

    return read


def create_key(
    name: str,
    permissions: list[str] | None = None,
    environment: str = "live",
    expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None,
    rate_limit_per_minute: int | None = None,
) -> Call[CreatedKey]:
    body: dict[str, Any] = {"name": name, "environment": environment}
    if permissions is not None:
        body["permissions"] = permissions
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    if allowed_networks is not None:
        body["allowed_networks"] = allowed_networks
    if rate_limit_per_minute is not None:
        body["rate_limit_per_minute"] = rate_limit_per_minute
    return Call("POST", KEYS, lambda b: CreatedKey.from_data(data(b)), json=body)


def list_keys(status: str, cursor: str | None, limit: int) -> Call[Page[ApiKey]]:
    params = {"status": status, "cursor": cursor, "limit": limit}
    return Call("GET", KEYS, page_of(ApiKey.from_data), params=params)


def get_key(key_id: str) -> Call[ApiKey]:
    return Call("GET", f"{KEYS}{segment(key_id)}/", lambda b: ApiKey.from_data(data(b)))


def rename_key(key_id: str, name: str) -> Call[ApiKey]:
    return Call(
        "PATCH",
        f"{KEYS}{segment(key_id)}/",
        lambda b: ApiKey.from_data(data(b)),
        json={"name": name},
    )


def revoke_key(key_id: str, reason: str = "") -> Call[ApiKey]:
    return Call(
        "POST",
        f"{KEYS}{segment(key_id)}/revoke/",
        lambda b: ApiKey.from_data(data(b)),
        json={"reason": reason},
    )


def rotate_key(key_id: str, grace_seconds: int | None = None) -> Call[CreatedKey]:
    body = {} if grace_seconds is None else {"grace_seconds": grace_seconds}
    return Call(
        "POST",
        f"{KEYS}{segment(key_id)}/rotate/",
        lambda b: CreatedKey.from_data(data(b)),
        json=body,
    )


def key_usage(key_id: str, days: int) -> Call[KeyUsage]:
    return Call(
        "GET",
        f"{KEYS}{segment(key_id)}/usage/",
        lambda b: KeyUsage.from_data(data(b)),
        params={"days": days},
    )


def list_jobs(status: str | None, cursor: str | None, limit: int) -> Call[Page[Job]]:
    params = {"status": status, "cursor": cursor, "limit": limit}
    return Call("GET", JOBS, page_of(Job.from_data), params=params)


def create_job(
    name: str,
    image: str,
    gpu_type: str,
    command: list[str] | None = None,
    gpu_count: int = 1,
    idempotency_key: str | None = None,
) -> Call[Job]:
    """Create a job; a generated ``Idempotency-Key`` makes its retries safe."""
    body = {
        "name": name,
        "image": image,
        "gpu_type": gpu_type,
        "command": command or [],
        "gpu_count": gpu_count,
    }
    headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
    return Call(
        "POST", JOBS, lambda b: Job.from_data(data(b)), json=body, headers=headers
    )


def get_job(job_id: str) -> Call[Job]:
    return Call("GET", f"{JOBS}{segment(job_id)}/", lambda b: Job.from_data(data(b)))


def cancel_job(job_id: str) -> Call[Job]:
    return Call(
        "POST", f"{JOBS}{segment(job_id)}/cancel/", lambda b: Job.from_data(data(b))
    )

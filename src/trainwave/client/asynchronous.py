"""The asynchronous client: sends the core's requests with ``httpx.AsyncClient``.

Every decision (credentials, retries, error mapping) is the core's, exactly
as in :mod:`trainwave.client.sync`; only sending and sleeping differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx

from trainwave.client import operations
from trainwave.client.base import DEFAULT_TIMEOUT_SECONDS, ClientBase
from trainwave.client.core import Call, Done
from trainwave.client.models import (
    ApiKey,
    CreatedKey,
    Identity,
    Job,
    KeyUsage,
    Page,
    SessionInfo,
)
from trainwave.client.secrets import Secret
from trainwave.client.settings import SessionAuth
from trainwave.client.sync import DEFAULT_PAGE_SIZE

T = TypeVar("T")
Names = list[str]


class AsyncClient(ClientBase):
    """The asyncio twin of :class:`trainwave.Client`, with the same methods."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key, base_url, **options)
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self.keys = AsyncKeys(self)
        self.jobs = AsyncJobs(self)
        self.session_info: SessionInfo | None = None

    @classmethod
    async def login(
        cls, email: str, password: str, base_url: str | None = None, **options: Any
    ) -> AsyncClient:
        """Log in with email and password; return a client that uses the session."""
        client = cls(base_url=base_url, session=SessionAuth(), **options)
        await client.run(operations.csrf())
        client.session_info = await client.run(operations.login(email, password))
        return client

    async def logout(self) -> None:
        await self.run(operations.logout())

    async def auth_test(self) -> Identity:
        return await self.run(operations.auth_test())

    async def run(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            request = self._core.build(call)
            try:
                response = await self._http.send(request)
            except httpx.TransportError as error:
                decision = self._core.handle_transport_error(call, error, attempt)
            else:
                outcome = self._core.handle(call, response, attempt)
                if isinstance(outcome, Done):
                    return outcome.value
                decision = outcome
            await asyncio.sleep(decision.delay)
            attempt += 1

    async def pages(
        self, make: Callable[[str | None], Call[Page[T]]]
    ) -> AsyncIterator[T]:
        cursor: str | None = None
        while True:
            page = await self.run(make(cursor))
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncKeys:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        name: str,
        *,
        permissions: Names | None = None,
        environment: str = "live",
        expires_at: datetime | None = None,
        allowed_networks: Names | None = None,
        rate_limit_per_minute: int | None = None,
    ) -> CreatedKey:
        return await self._client.run(
            operations.create_key(
                name,
                permissions,
                environment,
                expires_at,
                allowed_networks,
                rate_limit_per_minute,
            )
        )

    def list(
        self, *, status: str = "active", page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[ApiKey]:
        return self._client.pages(
            lambda cursor: operations.list_keys(status, cursor, page_size)
        )

    async def get(self, key_id: str) -> ApiKey:
        return await self._client.run(operations.get_key(key_id))

    async def rename(self, key_id: str, name: str) -> ApiKey:
        return await self._client.run(operations.rename_key(key_id, name))

    async def revoke(self, key_id: str, *, reason: str = "") -> ApiKey:
        return await self._client.run(operations.revoke_key(key_id, reason))

    async def rotate(
        self, key_id: str, *, grace_seconds: int | None = None
    ) -> CreatedKey:
        return await self._client.run(operations.rotate_key(key_id, grace_seconds))

    async def usage(self, key_id: str, *, days: int = 30) -> KeyUsage:
        return await self._client.run(operations.key_usage(key_id, days))


class AsyncJobs:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def list(
        self, *, status: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[Job]:
        return self._client.pages(
            lambda cursor: operations.list_jobs(status, cursor, page_size)
        )

    async def create(
        self,
        name: str,
        *,
        image: str,
        gpu_type: str,
        command: Names | None = None,
        gpu_count: int = 1,
        idempotency_key: str | None = None,
    ) -> Job:
        return await self._client.run(
            operations.create_job(
                name, image, gpu_type, command, gpu_count, idempotency_key
            )
        )

    async def get(self, job_id: str) -> Job:
        return await self._client.run(operations.get_job(job_id))

    async def cancel(self, job_id: str) -> Job:
        return await self._client.run(operations.cancel_job(job_id))

"""The synchronous client: sends the core's requests with ``httpx.Client``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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

T = TypeVar("T")
Names = list[str]
DEFAULT_PAGE_SIZE = 50


class Client(ClientBase):
    """A client of the Trainwave API.

    ``Client()`` finds its key in ``TRAINWAVE_API_KEY``, a ``.env`` file or the
    CLI's stored login; ``Client(api_key=..., base_url=...)`` sets both.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        http_client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key, base_url, **options)
        self._http = http_client or httpx.Client(timeout=timeout)
        self.keys = Keys(self)
        self.jobs = Jobs(self)
        self.session_info: SessionInfo | None = None

    @classmethod
    def login(
        cls, email: str, password: str, base_url: str | None = None, **options: Any
    ) -> Client:
        """Log in with email and password through the CSRF flow; return a client
        that uses the session."""
        client = cls(base_url=base_url, session=SessionAuth(), **options)
        client.run(operations.csrf())
        client.session_info = client.run(operations.login(email, password))
        return client

    def logout(self) -> None:
        """End the session on the server."""
        self.run(operations.logout())

    def auth_test(self) -> Identity:
        """Return who the credential belongs to, its organization and permissions."""
        return self.run(operations.auth_test())

    def run(self, call: Call[T]) -> T:
        """Send ``call``, retrying as the core decides; return its parsed value."""
        attempt = 0
        while True:
            request = self._core.build(call)
            try:
                response = self._http.send(request)
            except httpx.TransportError as error:
                decision = self._core.handle_transport_error(call, error, attempt)
            else:
                outcome = self._core.handle(call, response, attempt)
                if isinstance(outcome, Done):
                    return outcome.value
                decision = outcome
            time.sleep(decision.delay)
            attempt += 1

    def pages(self, make: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        """Yield every item of a list, fetching the next page as needed."""
        cursor: str | None = None
        while True:
            page = self.run(make(cursor))
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Keys:
    """API keys: ``client.keys``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        name: str,
        *,
        permissions: Names | None = None,
        environment: str = "live",
        expires_at: datetime | None = None,
        allowed_networks: Names | None = None,
        rate_limit_per_minute: int | None = None,
    ) -> CreatedKey:
        """Create a key; without ``permissions`` it gets all of yours."""
        return self._client.run(
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
    ) -> Iterator[ApiKey]:
        """Yield your keys (``active``, ``revoked`` or ``all``), across every page."""
        return self._client.pages(
            lambda cursor: operations.list_keys(status, cursor, page_size)
        )

    def get(self, key_id: str) -> ApiKey:
        return self._client.run(operations.get_key(key_id))

    def rename(self, key_id: str, name: str) -> ApiKey:
        return self._client.run(operations.rename_key(key_id, name))

    def revoke(self, key_id: str, *, reason: str = "") -> ApiKey:
        """Revoke a key; it stops working on the next request."""
        return self._client.run(operations.revoke_key(key_id, reason))

    def rotate(self, key_id: str, *, grace_seconds: int | None = None) -> CreatedKey:
        """Issue a replacement; the old key works for ``grace_seconds`` more
        (the server's default is 24 hours; 0 stops it at once)."""
        return self._client.run(operations.rotate_key(key_id, grace_seconds))

    def usage(self, key_id: str, *, days: int = 30) -> KeyUsage:
        return self._client.run(operations.key_usage(key_id, days))


class Jobs:
    """Training jobs: ``client.jobs``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self, *, status: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[Job]:
        """Yield the organization's jobs, newest first, across every page."""
        return self._client.pages(
            lambda cursor: operations.list_jobs(status, cursor, page_size)
        )

    def create(
        self,
        name: str,
        *,
        image: str,
        gpu_type: str,
        command: Names | None = None,
        gpu_count: int = 1,
        idempotency_key: str | None = None,
    ) -> Job:
        """Queue a job. Retries reuse one ``Idempotency-Key``, so a retry never
        creates a second job."""
        return self._client.run(
            operations.create_job(
                name, image, gpu_type, command, gpu_count, idempotency_key
            )
        )

    def get(self, job_id: str) -> Job:
        return self._client.run(operations.get_job(job_id))

    def cancel(self, job_id: str) -> Job:
        return self._client.run(operations.cancel_job(job_id))

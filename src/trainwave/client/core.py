"""The request core shared by :class:`Client` and :class:`AsyncClient`.

The core builds each request, maps each response to a value or a typed
exception, and decides whether and when to retry. The two clients only send
requests and sleep, so sync and async behave identically by construction.

Retries: a response of 429 or 503, or a connection error, is retried up to
``max_retries`` times when the request is idempotent: a GET, or a POST that
carries an ``Idempotency-Key``. Any other POST is never retried, because the
first attempt may already have taken effect. The wait is exponential
backoff with full jitter, and never shorter than the server's
``Retry-After``. A ``Retry-After`` longer than ``max_retry_after`` is raised
to the caller at once instead of being slept through.
"""

from __future__ import annotations

import logging
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from trainwave import __version__
from trainwave.client.errors import (
    APIConnectionError,
    APIError,
    MissingCredentials,
    PermissionDenied,
    RateLimitExceeded,
    error_class_for,
)
from trainwave.client.secrets import Secret
from trainwave.client.settings import Credentials

T = TypeVar("T")

logger = logging.getLogger("trainwave.client")

API_KEY_HEADER = "X-API-KEY"
CSRF_HEADER = "X-CSRFToken"
SESSION_COOKIE = "session"
CSRF_COOKIE = "csrftoken"
RETRY_STATUSES = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class APIKeyWarning(UserWarning):
    """The API key in use is in its rotation grace period or about to expire."""


@dataclass(frozen=True)
class KeyNotice:
    """An ``X-API-Key-Status`` notice: ``grace`` or ``expiring``, and its ``Sunset``."""

    status: str
    sunset: str

    @property
    def message(self) -> str:
        if self.status == "grace":
            return (
                f"This API key was rotated and stops working at {self.sunset}: "
                "switch to its replacement."
            )
        return (
            f"This API key expires at {self.sunset}: rotate it "
            "(wave auth rotate-token KEY_ID) before then."
        )


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation: what to send, and how to read the success body."""

    method: str
    path: str
    parse: Callable[[dict[str, Any]], T]
    params: dict[str, Any] | None = None
    json: Any = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict)
    authenticated: bool = True

    @property
    def idempotent(self) -> bool:
        return self.method in SAFE_METHODS or "Idempotency-Key" in self.headers


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying (seconds)."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 60.0

    def delay(
        self, attempt: int, retry_after: float | None, rng: random.Random
    ) -> float:
        """Return the wait before retry number ``attempt + 1``.

        Full jitter spreads clients that failed together; with a
        ``Retry-After`` the jitter is added on top, so no client retries early.
        """
        ceiling = min(self.backoff_max, self.backoff_base * 2**attempt)
        if retry_after is None:
            return rng.uniform(0, ceiling)
        return retry_after + rng.uniform(0, min(ceiling, self.backoff_base))


def parse_retry_after(value: str | None) -> float | None:
    """Return ``Retry-After`` in seconds; it may be a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def user_agent() -> str:
    return f"trainwave-python/{__version__} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class Retry:
    delay: float


class Core:
    """State and decisions shared by the sync and async clients."""

    def __init__(
        self,
        credentials: Credentials,
        retry: RetryPolicy,
        on_key_notice: Callable[[KeyNotice], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        self.retry = retry
        self.on_key_notice = on_key_notice
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.last_key_notice: KeyNotice | None = None

    @property
    def base_url(self) -> str:
        return self.credentials.base_url

    def build(self, call: Call[Any]) -> httpx.Request:
        """Build the HTTP request for ``call``, with its credential attached."""
        headers = {"Accept": "application/json", "User-Agent": user_agent()}
        headers.update(call.headers)
        if call.authenticated:
            self.attach_credentials(call, headers)
        session = self.credentials.session
        if session is not None and not call.authenticated:
            # Login sends only the CSRF cookie it received from /auth/csrf/.
            self.attach_session(call, headers, session_cookie=False)
        params = {k: v for k, v in (call.params or {}).items() if v is not None}
        return httpx.Request(
            call.method,
            self.base_url + call.path,
            params=params or None,
            json=call.json,
            headers=headers,
        )

    def attach_credentials(self, call: Call[Any], headers: dict[str, str]) -> None:
        if self.credentials.api_key:
            headers[API_KEY_HEADER] = self.credentials.api_key.reveal()
        elif self.credentials.session and self.credentials.session.session:
            self.attach_session(call, headers, session_cookie=True)
        else:
            raise MissingCredentials()

    def attach_session(
        self, call: Call[Any], headers: dict[str, str], session_cookie: bool
    ) -> None:
        session = self.credentials.session
        assert session is not None
        cookies = []
        if session_cookie and session.session:
            cookies.append(f"{SESSION_COOKIE}={session.session.reveal()}")
        if session.csrf_token:
            cookies.append(f"{CSRF_COOKIE}={session.csrf_token.reveal()}")
            if call.method not in SAFE_METHODS:
                headers[CSRF_HEADER] = session.csrf_token.reveal()
        if cookies:
            headers["Cookie"] = "; ".join(cookies)

    def handle(
        self, call: Call[T], response: httpx.Response, attempt: int
    ) -> Done[T] | Retry:
        """Return the parsed value, a retry decision, or raise the mapped error."""
        self.remember_cookies(response)
        self.check_key_notice(response)
        if response.is_success:
            body = self.decode(response) if response.content else {}
            return Done(call.parse(body))
        error = self.error_from(response)
        if response.status_code in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = self.retry_delay(call, attempt, retry_after)
            if delay is not None:
                logger.warning(
                    "%s %s returned %s (request %s); retry %d of %d in %.1fs",
                    call.method,
                    call.path,
                    response.status_code,
                    error.request_id,
                    attempt + 1,
                    self.retry.max_retries,
                    delay,
                )
                return Retry(delay)
        raise error

    def handle_transport_error(
        self, call: Call[Any], error: httpx.TransportError, attempt: int
    ) -> Retry:
        """Return a retry decision for a connection error, or raise it mapped."""
        reason = type(error).__name__
        delay = self.retry_delay(call, attempt, None)
        if delay is None:
            raise APIConnectionError(
                f"{call.method} {display_url(self.base_url)}{call.path} "
                f"failed: {reason}. "
                "Check the server URL (TRAINWAVE_API_URL) and that it is running."
            ) from None
        logger.warning(
            "%s %s failed (%s); retry %d of %d in %.1fs",
            call.method,
            call.path,
            reason,
            attempt + 1,
            self.retry.max_retries,
            delay,
        )
        return Retry(delay)

    def retry_delay(
        self, call: Call[Any], attempt: int, retry_after: float | None
    ) -> float | None:
        if not call.idempotent or attempt >= self.retry.max_retries:
            return None
        if retry_after is not None and retry_after > self.retry.max_retry_after:
            return None
        return self.retry.delay(attempt, retry_after, self.rng)

    def decode(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise APIError(
                response.status_code,
                "invalid_response",
                "The server's answer is not JSON: check the server URL.",
                response.headers.get("X-Request-ID"),
            ) from None
        if not isinstance(body, dict):
            raise APIError(
                response.status_code,
                "invalid_response",
                "The server's answer is not the API's envelope.",
                response.headers.get("X-Request-ID"),
            )
        return body

    def error_from(self, response: httpx.Response) -> APIError:
        """Map an error response to its exception; tolerate a non-envelope body."""
        status = response.status_code
        request_id = response.headers.get("X-Request-ID")
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        code = str(error.get("code") or f"http_{status}")
        message = str(
            error.get("message") or response.reason_phrase or "The request failed."
        )
        request_id = str(error.get("request_id") or request_id or "") or None
        error_class = error_class_for(status, code)
        arguments: dict[str, Any] = {"details": error.get("details")}
        if issubclass(error_class, PermissionDenied):
            arguments["permission"] = error.get("permission")
        if issubclass(error_class, RateLimitExceeded):
            arguments["retry_after"] = parse_retry_after(
                response.headers.get("Retry-After")
            )
        return error_class(status, code, message, request_id, **arguments)

    def remember_cookies(self, response: httpx.Response) -> None:
        """Follow the server's rotation of the session cookie and CSRF token."""
        session = self.credentials.session
        if session is None:
            return
        for name, value in response.cookies.items():
            if name == SESSION_COOKIE:
                session.session = Secret(value) if value else None
            elif name == CSRF_COOKIE and value:
                session.csrf_token = Secret(value)

    def check_key_notice(self, response: httpx.Response) -> None:
        status = response.headers.get("X-API-Key-Status")
        if not status:
            return
        notice = KeyNotice(status, response.headers.get("Sunset", "an unknown time"))
        if notice == self.last_key_notice:
            return
        self.last_key_notice = notice
        if self.on_key_notice is not None:
            self.on_key_notice(notice)
            return
        logger.warning("%s", notice.message)
        warnings.warn(notice.message, APIKeyWarning, stacklevel=5)


def display_url(url: str) -> str:
    """Return ``url`` without a user name or password, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))

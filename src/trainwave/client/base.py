"""Construction shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Callable

from trainwave.client.core import Core, KeyNotice, RetryPolicy
from trainwave.client.errors import MissingCredentials
from trainwave.client.secrets import Secret
from trainwave.client.settings import Credentials, SessionAuth, resolve
from trainwave.client.store import normalize_url

DEFAULT_TIMEOUT_SECONDS = 30.0


class ClientBase:
    """Resolve the URL and credential once; the subclass adds the transport."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        profile: str | None = None,
        session: SessionAuth | None = None,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        dotenv: bool = True,
        on_key_notice: Callable[[KeyNotice], None] | None = None,
    ) -> None:
        """Find the credential (see :mod:`trainwave.client.settings`).

        Raises :class:`MissingCredentials` when there is neither an API key
        nor a session, with the ways to provide one.
        """
        if session is not None:
            credentials = resolve(None, base_url, profile, dotenv)
            credentials = Credentials(
                normalize_url(base_url or credentials.base_url),
                None,
                session,
                "argument",
            )
        else:
            credentials = resolve(api_key, base_url, profile, dotenv)
        if not credentials.api_key and credentials.session is None:
            raise MissingCredentials()
        policy = retry or RetryPolicy(max_retries=max_retries)
        self._core = Core(credentials, policy, on_key_notice)

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def credentials(self) -> Credentials:
        return self._core.credentials

    @property
    def last_key_notice(self) -> KeyNotice | None:
        """The latest grace or expiry notice the server sent about this key."""
        return self._core.last_key_notice

    def __repr__(self) -> str:
        credentials = self._core.credentials
        if credentials.api_key:
            credential_text = f"api_key={credentials.api_key.hint!r}"
        else:
            credential_text = "session=[secure]"
        return f"{type(self).__name__}(base_url={self.base_url!r}, {credential_text})"

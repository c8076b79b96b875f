"""Resolution of the SDK's server URL and credentials.

The API key comes from the ``api_key`` argument, else the profile named by
the ``profile`` argument, else ``TRAINWAVE_API_KEY``, else the CLI's stored
profile: the one ``TRAINWAVE_PROFILE`` names, else the one for the URL, else
the current one. The base URL comes from ``base_url``, else
``TRAINWAVE_API_URL``, else the profile, else :data:`DEFAULT_BASE_URL`. A
``.env`` file in the working directory supplies both variables when the
process environment does not: the environment always wins over the file,
and the file never changes ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trainwave.client.errors import ConfigError
from trainwave.client.secrets import Secret
from trainwave.client.store import ConfigStore, Profile, normalize_url

API_KEY_ENV = "TRAINWAVE_API_KEY"
API_URL_ENV = "TRAINWAVE_API_URL"
PROFILE_ENV = "TRAINWAVE_PROFILE"
# The address ``wave server`` listens on by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class SessionAuth:
    """A session cookie and its CSRF token, updated whenever the server rotates them."""

    session: Secret | None = None
    csrf_token: Secret | None = None

    def __repr__(self) -> str:
        return "SessionAuth([secure])"


@dataclass
class Credentials:
    """The resolved server URL and credential, and where each came from."""

    base_url: str
    api_key: Secret | None = None
    session: SessionAuth | None = None
    source: str = "none"
    profile: Profile | None = field(default=None, repr=False)


def read_dotenv(directory: Path | None = None) -> dict[str, str]:
    path = (directory or Path.cwd()) / ".env"
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {key: value for key, value in dotenv_values(path).items() if value}


def lookup(name: str, dotenv: dict[str, str]) -> tuple[str | None, str]:
    """Return a variable's value from the environment, else ``.env``, and its source."""
    value = os.environ.get(name, "").strip()
    if value:
        return value, "environment"
    value = dotenv.get(name, "").strip()
    if value:
        return value, ".env"
    return None, "none"


def resolve(
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    profile: str | None = None,
    use_dotenv: bool = True,
    store: ConfigStore | None = None,
) -> Credentials:
    """Resolve the base URL and credential as the module docstring describes.

    The stored profile is read only when the URL or the key is still missing,
    so a job that sets both variables never touches the config file.
    """
    dotenv = read_dotenv() if use_dotenv else {}
    url = base_url or lookup(API_URL_ENV, dotenv)[0]
    if profile is not None and api_key is None:
        return from_named_profile(profile, base_url, store or ConfigStore())
    profile_name = lookup(PROFILE_ENV, dotenv)[0]

    secret: Secret | None = None
    source = "none"
    if api_key is not None:
        secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        source = "argument"
    else:
        key_value, source = lookup(API_KEY_ENV, dotenv)
        secret = Secret(key_value) if key_value else None

    stored = None
    if secret is None or url is None:
        store = store or ConfigStore()
        stored = store.find(name=profile_name, url=None if profile_name else url)
    if stored is None:
        return Credentials(normalize_url(url or DEFAULT_BASE_URL), secret, None, source)
    if secret is not None:
        return Credentials(normalize_url(url or stored.url), secret, None, source)

    return from_profile(stored, url)


def from_profile(stored: Profile, url: str | None) -> Credentials:
    session = None
    if stored.session:
        session = SessionAuth(stored.session, stored.csrf_token)
    return Credentials(
        normalize_url(url or stored.url),
        None if session else stored.api_key,
        session,
        f"profile {stored.name}",
        stored,
    )


def from_named_profile(
    name: str, base_url: str | None, store: ConfigStore
) -> Credentials:
    """Return the credential of the profile a caller named explicitly.

    A named profile wins over ``TRAINWAVE_API_KEY``, and a missing one is an
    error rather than a silent fallback to another credential.
    """
    stored = store.find(name=name)
    if stored is None:
        raise ConfigError(
            f"no stored login named {name!r} in {store.path}: run "
            f"wave auth login --profile {name}"
        )
    return from_profile(stored, base_url)

"""The CLI's credential store: one JSON file in the user's config folder.

The file lives at ``$TRAINWAVE_CONFIG_DIR/config.json``, else
``$XDG_CONFIG_HOME/trainwave/config.json``, else
``~/.config/trainwave/config.json``. It is written with mode 0600 inside a
0700 folder, and it is not read at all when group or other users could read
it, or when another user owns it, because it contains API keys and session
cookies. With ``keyring`` installed and a working backend, a profile may keep
its API key in the OS keyring instead (``key_in_keyring``).

A profile binds one server URL to one credential: an API key, or a session
cookie plus its CSRF token. Logging in to a URL without naming a profile
replaces the profile of that URL, so there is one profile per server.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from trainwave.client.errors import ConfigError
from trainwave.client.secrets import Secret

CONFIG_DIR_ENV = "TRAINWAVE_CONFIG_DIR"
FILE_NAME = "config.json"
KEYRING_SERVICE = "trainwave"
GROUP_OR_OTHER = stat.S_IRWXG | stat.S_IRWXO


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "trainwave"


def normalize_url(url: str) -> str:
    """Return ``url`` without a trailing slash, path or query, lower-cased host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"invalid server URL {url!r}: expected http(s)://host[:port]")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def profile_name_for(url: str) -> str:
    """Return the default profile name of a server URL: its host and port."""
    return urlsplit(normalize_url(url)).netloc


@dataclass
class Profile:
    """The stored credential for one server."""

    name: str
    url: str
    api_key: Secret | None = None
    key_in_keyring: bool = False
    session: Secret | None = None
    csrf_token: Secret | None = None
    email: str | None = None

    @property
    def method(self) -> str:
        return "session" if self.session else "api_key"

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"url": self.url}
        if self.api_key and not self.key_in_keyring:
            entry["api_key"] = self.api_key.reveal()
        if self.key_in_keyring:
            entry["key_in_keyring"] = True
        if self.session:
            entry["session"] = self.session.reveal()
        if self.csrf_token:
            entry["csrf_token"] = self.csrf_token.reveal()
        if self.email:
            entry["email"] = self.email
        return entry

    @classmethod
    def from_json(cls, name: str, entry: dict[str, Any]) -> Profile:
        def secret(field: str) -> Secret | None:
            value = entry.get(field)
            return Secret(value) if isinstance(value, str) and value.strip() else None

        return cls(
            name=name,
            url=str(entry.get("url", "")),
            api_key=secret("api_key"),
            key_in_keyring=bool(entry.get("key_in_keyring", False)),
            session=secret("session"),
            csrf_token=secret("csrf_token"),
            email=entry.get("email"),
        )


def load_keyring() -> Any | None:
    """Return the ``keyring`` module when it is installed and has a real backend.

    Headless machines usually have only the ``fail`` backend, whose priority
    is 0. The store then keeps keys in the file.
    """
    try:
        import keyring
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
        if float(getattr(backend, "priority", 0)) <= 0:
            return None
    except Exception:
        return None
    return keyring


class ConfigStore:
    """Read and write the profiles file; see the module docstring for its rules."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / FILE_NAME

    def read(self) -> dict[str, Any]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {"current": None, "profiles": {}}
        self.check_private(info)
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"cannot read {self.path} ({type(error).__name__}): fix or delete it, "
                "then run wave auth login"
            ) from None
        if not isinstance(content, dict) or not isinstance(
            content.get("profiles"), dict
        ):
            raise ConfigError(f"{self.path} has no profiles object: delete it")
        return content

    def check_private(self, info: os.stat_result) -> None:
        mode = stat.S_IMODE(info.st_mode)
        if mode & GROUP_OR_OTHER:
            raise ConfigError(
                f"{self.path} can be accessed by other users (mode {mode:04o}), so its "
                f"credentials may be exposed: run chmod 600 {self.path}, and consider "
                "rotating the keys in it"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise ConfigError(
                f"{self.path} belongs to another user, so it was not read"
            )

    def write(self, content: dict[str, Any]) -> None:
        """Replace the file atomically, always with mode 0600."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".config-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(content, stream, indent=2, sort_keys=True)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def profiles(self) -> list[Profile]:
        entries = self.read()["profiles"]
        return [Profile.from_json(name, entry) for name, entry in entries.items()]

    def current_name(self) -> str | None:
        current = self.read().get("current")
        return current if isinstance(current, str) else None

    def find(self, name: str | None = None, url: str | None = None) -> Profile | None:
        """Return the named profile, else the one for ``url``, else the current one."""
        content = self.read()
        entries: dict[str, Any] = content["profiles"]
        if name is None and url is not None:
            expected_url = normalize_url(url)
            name = next(
                (
                    key
                    for key, entry in entries.items()
                    if entry.get("url") == expected_url
                ),
                None,
            )
            if name is None:
                return None
        name = name or content.get("current")
        if not name or name not in entries:
            return None
        profile = Profile.from_json(name, entries[name])
        if profile.key_in_keyring:
            profile.api_key = self.read_keyring(name)
        return profile

    def save(self, profile: Profile, use_keyring: bool = False) -> bool:
        """Store ``profile``, make it current, and return whether its key went to
        the OS keyring. With ``use_keyring`` the keyring is tried first, and
        the file is the fallback."""
        profile.key_in_keyring = False
        if use_keyring and profile.api_key:
            profile.key_in_keyring = self.write_keyring(profile.name, profile.api_key)
        content = self.read()
        content["profiles"][profile.name] = profile.to_json()
        content["current"] = profile.name
        self.write(content)
        return profile.key_in_keyring

    def remove(self, name: str) -> bool:
        content = self.read()
        entry = content["profiles"].pop(name, None)
        if entry is None:
            return False
        if entry.get("key_in_keyring"):
            self.delete_keyring(name)
        if content.get("current") == name:
            content["current"] = next(iter(content["profiles"]), None)
        self.write(content)
        return True

    def write_keyring(self, name: str, api_key: Secret) -> bool:
        keyring = load_keyring()
        if keyring is None:
            return False
        try:
            keyring.set_password(KEYRING_SERVICE, name, api_key.reveal())
        except Exception:
            return False
        return True

    def read_keyring(self, name: str) -> Secret | None:
        keyring = load_keyring()
        if keyring is None:
            raise ConfigError(
                f"profile {name!r} keeps its API key in the OS keyring, which is not "
                "available now: run wave auth login again"
            )
        try:
            value = keyring.get_password(KEYRING_SERVICE, name)
        except Exception as error:
            raise ConfigError(
                f"reading the OS keyring failed ({type(error).__name__})"
            ) from None
        return Secret(value) if value else None

    def delete_keyring(self, name: str) -> None:
        keyring = load_keyring()
        if keyring is None:
            return
        with contextlib.suppress(Exception):
            keyring.delete_password(KEYRING_SERVICE, name)

"""Typed server configuration, read from environment variables.

Every setting of the service comes through :func:`get_config`, which reads the
environment once, on first use, and never at import time. The names, defaults
and meanings are documented in docs/configuration.md.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe for the chosen mode."""


@dataclass(frozen=True)
class DatabaseConfig:
    """Connection settings for the one database the service uses."""

    engine: str
    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_postgresql(self) -> bool:
        return self.engine == "postgresql"


@dataclass(frozen=True)
class Config:
    """Every setting of the service, resolved and validated."""

    data_dir: Path
    database: DatabaseConfig
    secret_key: str = field(repr=False)
    production: bool
    debug: bool
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    redis_url: str | None = field(repr=False)
    signup_open: bool
    session_idle_seconds: int
    session_absolute_seconds: int
    api_docs: bool
    log_level: str
    log_format: str
    usage_flush_seconds: float
    db_statement_timeout_ms: int

    @property
    def embedded(self) -> bool:
        """Whether the service runs the one-machine default (SQLite, no Redis)."""
        return not self.production


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")


def env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be above 0, got {value}.")
    return value


def env_list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trainwave"


def parse_database_url(url: str, data_dir: Path) -> DatabaseConfig:
    """Parse ``DATABASE_URL`` into connection settings.

    Accepts ``postgresql://user:password@host:port/name`` (or ``postgres://``)
    and ``sqlite:///absolute/path.db``. Raises ConfigError for anything else,
    without echoing the password.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(
                "DATABASE_URL names no database: add /NAME after the host."
            )
        options = {}
        for pair in filter(None, parts.query.split("&")):
            key, _, value = pair.partition("=")
            options[unquote(key)] = unquote(value)
        return DatabaseConfig(
            engine="postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=str(parts.port or ""),
            options=options,
        )
    if scheme == "sqlite":
        path = unquote(parts.path) or str(data_dir / "trainwave.sqlite3")
        return DatabaseConfig(engine="sqlite3", name=path)
    raise ConfigError(
        f"DATABASE_URL scheme {scheme or '(none)'!r} is not supported: "
        "use postgresql://USER@HOST:PORT/NAME or sqlite:///PATH."
    )


def load_secret_key(data_dir: Path, production: bool) -> str:
    """Return the server secret: from the environment, else from the data folder.

    In the embedded default a key is generated once and stored in
    ``DATA_DIR/secret_key`` with mode 0600. Production mode never generates
    one, because every host of a deployment must share the same secret.
    """
    from_env = os.environ.get("TRAINWAVE_SECRET_KEY", "").strip()
    if from_env:
        # Django's own deployment check asks for this much.
        if len(from_env) < 50 or len(set(from_env)) < 5:
            raise ConfigError(
                "TRAINWAVE_SECRET_KEY must be at least 50 characters with at least 5 "
                "distinct ones; generate one with: "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return from_env
    if production:
        raise ConfigError(
            "TRAINWAVE_SECRET_KEY is not set. Production mode needs the same secret "
            "on every host; generate one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    path = data_dir / "secret_key"
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{path} can be read by other users (mode {mode:o}); "
                f"run: chmod 600 {path}"
            )
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    # O_EXCL makes two processes starting at once agree on one key: the loser
    # of the race reads the winner's file instead of overwriting it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def parse_networks(
    names: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for name in names:
        try:
            networks.append(ipaddress.ip_network(name, strict=False))
        except ValueError:
            raise ConfigError(
                f"TRAINWAVE_TRUSTED_PROXIES entry {name!r} is not an IP network "
                "such as 10.0.0.0/8."
            ) from None
    return tuple(networks)


def check_production(config: Config) -> None:
    """Raise ConfigError when a production setting is unsafe."""
    if config.debug:
        raise ConfigError("TRAINWAVE_DEBUG must be off in production mode.")
    if not config.allowed_hosts:
        raise ConfigError(
            "TRAINWAVE_ALLOWED_HOSTS is empty. List the host names clients use, "
            "for example TRAINWAVE_ALLOWED_HOSTS=api.example.com."
        )
    wildcards = [host for host in config.allowed_hosts if "*" in host]
    if wildcards:
        raise ConfigError(
            f"TRAINWAVE_ALLOWED_HOSTS contains a wildcard ({', '.join(wildcards)}); "
            "production mode needs exact host names."
        )
    if any("*" in origin for origin in config.csrf_trusted_origins):
        raise ConfigError("TRAINWAVE_CSRF_TRUSTED_ORIGINS must not contain wildcards.")


def build_config() -> Config:
    """Read and validate the environment; raise ConfigError on a bad setting."""
    data_dir = Path(
        os.environ.get("TRAINWAVE_DATA_DIR") or default_data_dir()
    ).expanduser()
    database_url = os.environ.get("DATABASE_URL", "").strip()
    database = (
        parse_database_url(database_url, data_dir)
        if database_url
        else DatabaseConfig(engine="sqlite3", name=str(data_dir / "trainwave.sqlite3"))
    )
    production = env_bool("TRAINWAVE_PRODUCTION", database.is_postgresql)
    debug = env_bool("TRAINWAVE_DEBUG", False)
    default_hosts = () if production else ("127.0.0.1", "localhost", "[::1]")
    config = Config(
        data_dir=data_dir,
        database=database,
        secret_key=load_secret_key(data_dir, production),
        production=production,
        debug=debug,
        allowed_hosts=env_list("TRAINWAVE_ALLOWED_HOSTS", default_hosts),
        csrf_trusted_origins=env_list("TRAINWAVE_CSRF_TRUSTED_ORIGINS"),
        trusted_proxies=parse_networks(env_list("TRAINWAVE_TRUSTED_PROXIES")),
        redis_url=os.environ.get("REDIS_URL", "").strip() or None,
        signup_open=env_bool("TRAINWAVE_SIGNUP_OPEN", not production),
        session_idle_seconds=env_int("TRAINWAVE_SESSION_IDLE_SECONDS", 30 * 60),
        session_absolute_seconds=env_int(
            "TRAINWAVE_SESSION_ABSOLUTE_SECONDS", 12 * 3600
        ),
        api_docs=env_bool("TRAINWAVE_API_DOCS", not production),
        log_level=os.environ.get("TRAINWAVE_LOG_LEVEL", "INFO").upper(),
        usage_flush_seconds=env_float("TRAINWAVE_USAGE_FLUSH_SECONDS", 5.0),
        db_statement_timeout_ms=env_int("TRAINWAVE_DB_STATEMENT_TIMEOUT_MS", 5000),
        log_format=os.environ.get(
            "TRAINWAVE_LOG_FORMAT", "json" if production else "text"
        ).lower(),
    )
    if config.production:
        check_production(config)
    return config


@functools.cache
def get_config() -> Config:
    """Return the process-wide configuration, read on first call."""
    return build_config()

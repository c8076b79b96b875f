"""Configuration from the environment: embedded default and production checks."""

from __future__ import annotations

import os
import stat

import pytest

from trainwave.server.config import ConfigError, build_config, parse_database_url

SECRET = "4Jx9-v2QpL7mZr0sT8wYbC3nK6dF1gH5jA_eU" + "x" * 20


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("TRAINWAVE_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRAINWAVE_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_embedded_default_uses_sqlite_in_data_dir(environment, tmp_path) -> None:
    config = build_config()

    assert config.embedded
    assert config.database.engine == "sqlite3"
    assert config.database.name == str(tmp_path / "trainwave.sqlite3")


def test_embedded_secret_generated_once_with_mode_0600(environment, tmp_path) -> None:
    first = build_config().secret_key
    second = build_config().secret_key

    assert first == second
    assert len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_readable_secret_file_is_rejected(environment, tmp_path) -> None:
    build_config()
    (tmp_path / "secret_key").chmod(0o644)

    with pytest.raises(ConfigError, match="chmod 600"):
        build_config()


def test_postgresql_url_means_production(environment) -> None:
    environment.setenv("DATABASE_URL", "postgresql://app:pw@db.internal:5432/trainwave")
    environment.setenv("TRAINWAVE_SECRET_KEY", SECRET)
    environment.setenv("TRAINWAVE_ALLOWED_HOSTS", "api.example.com")

    config = build_config()

    assert config.production
    assert config.database.host == "db.internal"
    assert "pw" not in repr(config.database)


def test_production_needs_secret_key(environment) -> None:
    environment.setenv("DATABASE_URL", "postgresql://app@db/trainwave")
    environment.setenv("TRAINWAVE_ALLOWED_HOSTS", "api.example.com")

    with pytest.raises(ConfigError, match="TRAINWAVE_SECRET_KEY is not set"):
        build_config()


def test_production_rejects_wildcard_host(environment) -> None:
    environment.setenv("TRAINWAVE_PRODUCTION", "true")
    environment.setenv("TRAINWAVE_SECRET_KEY", SECRET)
    environment.setenv("TRAINWAVE_ALLOWED_HOSTS", "*")

    with pytest.raises(ConfigError, match="wildcard"):
        build_config()


def test_production_rejects_debug(environment) -> None:
    environment.setenv("TRAINWAVE_PRODUCTION", "true")
    environment.setenv("TRAINWAVE_SECRET_KEY", SECRET)
    environment.setenv("TRAINWAVE_ALLOWED_HOSTS", "api.example.com")
    environment.setenv("TRAINWAVE_DEBUG", "true")

    with pytest.raises(ConfigError, match="TRAINWAVE_DEBUG"):
        build_config()


def test_short_secret_key_rejected(environment) -> None:
    environment.setenv("TRAINWAVE_SECRET_KEY", "short")

    with pytest.raises(ConfigError, match="50 characters"):
        build_config()


def test_bad_boolean_names_the_variable(environment) -> None:
    environment.setenv("TRAINWAVE_DEBUG", "maybe")

    with pytest.raises(ConfigError, match="TRAINWAVE_DEBUG"):
        build_config()


def test_trusted_proxies_parsed(environment) -> None:
    environment.setenv("TRAINWAVE_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")

    config = build_config()

    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]


def test_bad_database_scheme_hides_password(tmp_path) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_database_url("mysql://user:hunter2@db/x", tmp_path)

    assert "hunter2" not in str(raised.value)

"""Where the SDK finds its key and URL: argument, environment, .env, stored login."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trainwave.client import Client, ConfigError, MissingCredentials, Secret
from trainwave.client.settings import DEFAULT_BASE_URL, resolve
from trainwave.client.store import ConfigStore, Profile

ARGUMENT_KEY = "tw_live_" + "A" * 36
ENV_KEY = "tw_live_" + "E" * 36
DOTENV_KEY = "tw_live_" + "D" * 36
STORED_KEY = "tw_live_" + "S" * 36


def write_dotenv(directory: Path, **values: str) -> None:
    lines = [f"{name}={value}" for name, value in values.items()]
    (directory / ".env").write_text("\n".join(lines) + "\n")


def store_profile(config: Path, url: str = "http://stored.example:8000") -> None:
    ConfigStore(config).save(Profile("stored", url, api_key=Secret(STORED_KEY)))


def test_argument_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY)
    write_dotenv(tmp_path, TRAINWAVE_API_KEY=DOTENV_KEY)

    credentials = resolve(ARGUMENT_KEY)

    assert credentials.api_key == Secret(ARGUMENT_KEY)
    assert credentials.source == "argument"


def test_environment_wins_over_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY)
    write_dotenv(tmp_path, TRAINWAVE_API_KEY=DOTENV_KEY)

    credentials = resolve()

    assert credentials.api_key == Secret(ENV_KEY)
    assert credentials.source == "environment"


def test_dotenv_used_without_environment(tmp_path: Path) -> None:
    write_dotenv(
        tmp_path, TRAINWAVE_API_KEY=DOTENV_KEY, TRAINWAVE_API_URL="http://dot.example"
    )

    credentials = resolve()

    assert credentials.api_key == Secret(DOTENV_KEY)
    assert credentials.source == ".env"
    assert credentials.base_url == "http://dot.example"


def test_dotenv_leaves_environ_alone(tmp_path: Path) -> None:
    write_dotenv(tmp_path, TRAINWAVE_API_KEY=DOTENV_KEY)

    resolve()

    assert "TRAINWAVE_API_KEY" not in os.environ


def test_dotenv_can_be_disabled(tmp_path: Path) -> None:
    write_dotenv(tmp_path, TRAINWAVE_API_KEY=DOTENV_KEY)

    credentials = resolve(use_dotenv=False)

    assert credentials.api_key is None


def test_stored_profile_used_last(isolated_settings: Path) -> None:
    store_profile(isolated_settings)

    credentials = resolve()

    assert credentials.api_key == Secret(STORED_KEY)
    assert credentials.base_url == "http://stored.example:8000"
    assert credentials.source == "profile stored"


def test_url_selects_its_profile(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    store_profile(isolated_settings)
    monkeypatch.setenv("TRAINWAVE_API_URL", "http://other.example")

    credentials = resolve()

    assert credentials.api_key is None
    assert credentials.base_url == "http://other.example"


def test_environment_key_with_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY + "\n")

    credentials = resolve()

    assert credentials.base_url == DEFAULT_BASE_URL
    assert credentials.api_key is not None
    assert credentials.api_key.reveal() == ENV_KEY


def test_blank_environment_key_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINWAVE_API_KEY", "  ")

    with pytest.raises(MissingCredentials):
        Client()


def test_missing_key_says_how_to_set_one() -> None:
    with pytest.raises(MissingCredentials) as raised:
        Client()

    assert "TRAINWAVE_API_KEY" in str(raised.value)
    assert "wave auth login" in str(raised.value)


def test_environment_key_uses_profile_url(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    store_profile(isolated_settings)
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY)

    credentials = resolve()

    assert credentials.api_key == Secret(ENV_KEY)
    assert credentials.base_url == "http://stored.example:8000"


def test_both_variables_skip_config_file(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    store_profile(isolated_settings)
    (isolated_settings / "config.json").chmod(0o644)
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY)
    monkeypatch.setenv("TRAINWAVE_API_URL", "http://ci.example")

    credentials = resolve()

    assert credentials.base_url == "http://ci.example"


def test_named_profile_wins_over_environment(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    store_profile(isolated_settings)
    monkeypatch.setenv("TRAINWAVE_API_KEY", ENV_KEY)

    credentials = resolve(profile="stored")

    assert credentials.api_key == Secret(STORED_KEY)
    assert credentials.source == "profile stored"


def test_unknown_named_profile_rejected() -> None:
    with pytest.raises(ConfigError) as raised:
        resolve(profile="nope")

    assert "wave auth login --profile nope" in str(raised.value)

"""Fixtures for CLI tests: one live server per module and a ``wave`` runner."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live import WAVE, LiveServer

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"


@dataclass
class Wave:
    """Runs ``wave`` in a subprocess with its own config folder and no .env."""

    server: LiveServer
    home: Path

    def environment(self, **env: str) -> dict[str, str]:
        clean = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("TRAINWAVE_", "DJANGO_"))
        }
        clean.update(
            TRAINWAVE_CONFIG_DIR=str(self.home / "config"),
            TRAINWAVE_API_URL=self.server.url,
            COLUMNS="200",
        )
        clean.update(env)
        return clean

    def __call__(
        self, *args: str, input: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        self.home.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [WAVE, *args],
            env=self.environment(**env),
            cwd=self.home,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def json(self, *args: str, **env: str) -> Any:
        """Run with ``--json`` (placed before any ``--``) and parse stdout."""
        split = args.index("--") if "--" in args else len(args)
        done = self(*args[:split], "--json", *args[split:], **env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def login(self) -> None:
        done = self(
            "auth", "login", "--email", EMAIL, "--password-stdin", input=PASSWORD + "\n"
        )
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("cli-server")) as live:
        live.create_owner(EMAIL, PASSWORD)
        yield live


@pytest.fixture(scope="module")
def wave(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Wave:
    """A ``wave`` runner logged in with the owner's session, shared by a module.

    Tests that log out or change the stored login use :func:`fresh_wave`.
    """
    runner = Wave(server, tmp_path_factory.mktemp("wave"))
    runner.login()
    return runner


@pytest.fixture
def fresh_wave(server: LiveServer, tmp_path: Path) -> Wave:
    """A ``wave`` runner with an empty config folder of its own."""
    return Wave(server, tmp_path / "home")


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's environment, .env and logins out of in-process SDK use."""
    for name in ("TRAINWAVE_API_KEY", "TRAINWAVE_API_URL", "TRAINWAVE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRAINWAVE_CONFIG_DIR", str(tmp_path / "sdk-config"))
    monkeypatch.chdir(tmp_path)

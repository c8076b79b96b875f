from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.stub import StubServer


@pytest.fixture(scope="session")
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep the developer's environment, .env and stored logins out of SDK tests."""
    for name in ("TRAINWAVE_API_KEY", "TRAINWAVE_API_URL", "TRAINWAVE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    monkeypatch.setenv("TRAINWAVE_CONFIG_DIR", str(config))
    monkeypatch.chdir(tmp_path)
    return config

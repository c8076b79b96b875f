"""The CLI's credential file: private mode, profiles per server, keyring fallback."""

from __future__ import annotations

import json
import stat
import sys
import types
from pathlib import Path

import pytest

from trainwave.client import ConfigError, Secret
from trainwave.client.store import ConfigStore, Profile, load_keyring, profile_name_for

KEY = "tw_live_" + "K" * 36
OTHER_KEY = "tw_live_" + "O" * 36


def profile(url: str = "http://127.0.0.1:8000", key: str = KEY) -> Profile:
    return Profile(profile_name_for(url), url, api_key=Secret(key))


def test_file_written_private(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "trainwave")

    store.save(profile())

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644], ids=["group", "other", "both"])
def test_readable_file_rejected(tmp_path: Path, mode: int) -> None:
    store = ConfigStore(tmp_path)
    store.save(profile())
    store.path.chmod(mode)

    with pytest.raises(ConfigError) as raised:
        store.find()

    assert f"chmod 600 {store.path}" in str(raised.value)
    assert KEY not in str(raised.value)


def test_corrupt_file_rejected(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.path.write_text("{not json")
    store.path.chmod(0o600)

    with pytest.raises(ConfigError):
        store.find()


def test_one_profile_per_server(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.save(profile(key=KEY))
    store.save(profile(key=OTHER_KEY))
    store.save(profile("https://backend.example.com", KEY))

    names = sorted(p.name for p in store.profiles())
    local = store.find(url="http://127.0.0.1:8000/")

    assert names == ["127.0.0.1:8000", "backend.example.com"]
    assert local is not None
    assert local.api_key == Secret(OTHER_KEY)


def test_last_login_is_current(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.save(profile())
    store.save(profile("https://backend.example.com"))

    current = store.find()

    assert current is not None
    assert current.url == "https://backend.example.com"


def test_remove_profile(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.save(profile())

    removed = store.remove("127.0.0.1:8000")

    assert removed is True
    assert store.find() is None


def test_session_stored_with_csrf(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)
    store.save(
        Profile("s", "http://h", session=Secret("sess"), csrf_token=Secret("tok"))
    )

    found = store.find("s")

    assert found is not None
    assert found.session == Secret("sess")
    assert found.csrf_token == Secret("tok")


def test_keyring_absent_falls_back_to_file(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path)

    in_keyring = store.save(profile(), use_keyring=True)

    assert load_keyring() is None
    assert in_keyring is False
    assert (
        json.loads(store.path.read_text())["profiles"]["127.0.0.1:8000"]["api_key"]
        == KEY
    )


def fake_keyring(priority: float) -> types.ModuleType:
    entries: dict[tuple[str, str], str] = {}
    module = types.ModuleType("keyring")
    backend = types.SimpleNamespace(priority=priority)
    module.get_keyring = lambda: backend  # type: ignore[attr-defined]
    module.set_password = lambda s, u, p: entries.__setitem__((s, u), p)  # type: ignore[attr-defined]
    module.get_password = lambda s, u: entries.get((s, u))  # type: ignore[attr-defined]
    module.delete_password = lambda s, u: entries.pop((s, u), None)  # type: ignore[attr-defined]
    return module


def test_failing_keyring_backend_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", fake_keyring(priority=0))
    store = ConfigStore(tmp_path)

    in_keyring = store.save(profile(), use_keyring=True)

    assert in_keyring is False


def test_working_keyring_keeps_key_out_of_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", fake_keyring(priority=5))
    store = ConfigStore(tmp_path)

    in_keyring = store.save(profile(), use_keyring=True)
    found = store.find()

    assert in_keyring is True
    assert KEY not in store.path.read_text()
    assert found is not None
    assert found.api_key == Secret(KEY)

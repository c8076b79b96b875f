"""``wave server``: start, log the URL once, stop cleanly, refuse bad setups."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from tests.live import WAVE, LiveServer, base_environment

pytestmark = pytest.mark.live


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"]
)
def test_server_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    server = LiveServer(tmp_path).start()
    assert server.process is not None

    server.process.send_signal(stop_signal)
    code = server.process.wait(timeout=30)

    assert code == 0, server.log()
    assert server.log().count(f"Trainwave is serving on {server.url}") == 1


def test_fresh_install_hints_at_create_owner(tmp_path: Path) -> None:
    with LiveServer(tmp_path) as server:
        log = server.log()

    assert "wave server create-owner --email" in log


def test_workers_need_redis(tmp_path: Path) -> None:
    done = subprocess.run(
        [WAVE, "server", "--workers", "2", "--port", "1"],
        env=base_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "REDIS_URL" in done.stderr


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    env = base_environment(
        tmp_path,
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/unused",
        TRAINWAVE_ALLOWED_HOSTS="api.example.com",
    )

    done = subprocess.run(
        [WAVE, "server"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    assert "TRAINWAVE_SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_create_owner_rejects_weak_password(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            WAVE,
            "server",
            "create-owner",
            "--email",
            "a@example.com",
            "--password-stdin",
        ],
        env=base_environment(tmp_path),
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "too short" in done.stderr


def test_create_owner_then_login(tmp_path: Path) -> None:
    import httpx

    with LiveServer(tmp_path) as server:
        server.create_owner("first@example.com", "correct horse battery staple")
        client = httpx.Client(base_url=server.url)
        client.get("/auth/csrf/")
        response = client.post(
            "/auth/v1/login/",
            json={
                "email": "first@example.com",
                "password": "correct horse battery staple",
            },
            headers={"X-CSRFToken": client.cookies["csrftoken"]},
        )

    assert response.status_code == 200
    assert response.json()["data"]["role"] == "owner"

"""Real server processes for end-to-end tests.

``LiveServer`` runs ``wave server`` (the same command line as production) in
a subprocess with its own data folder and environment, waits until
``/readyz`` answers, and stops it with SIGTERM. Tests that use it carry the
``live`` marker; they run once, in the SQLite pass of scripts/test, and choose
their own database through the environment they pass.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

WAVE = str(Path(sys.executable).with_name("wave"))
STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_environment(data_dir: Path, **overrides: str) -> dict[str, str]:
    """Return a clean environment for a server: no inherited TRAINWAVE_ values."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TRAINWAVE_", "DJANGO_"))
        and name not in ("DATABASE_URL", "REDIS_URL")
    }
    env["TRAINWAVE_DATA_DIR"] = str(data_dir)
    env["TRAINWAVE_LOG_FORMAT"] = "json"
    env.update(overrides)
    return env


class LiveServer:
    """One ``wave server`` process (with any number of workers)."""

    def __init__(self, data_dir: Path, workers: int = 1, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_environment(data_dir, **env)
        self.workers = workers
        self.log_path = data_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                WAVE,
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"server not ready after {STARTUP_TIMEOUT_SECONDS}s:\n{self.log()}"
        )

    def log(self) -> str:
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def wave(
        self, *args: str, input: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run another ``wave`` command against this server's configuration."""
        return subprocess.run(
            [WAVE, *args],
            env={**self.env, **env},
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def create_owner(self, email: str, password: str) -> None:
        done = self.wave(
            "server",
            "create-owner",
            "--email",
            email,
            "--password-stdin",
            input=password + "\n",
        )
        assert done.returncode == 0, done.stderr

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def postgres_database(prefix: str = "live") -> str:
    """Create an empty PostgreSQL database for a live test; return its URL."""
    import psycopg

    admin_url = os.environ.get(
        "TRAINWAVE_PG_URL", "postgresql://postgres@127.0.0.1:5432/trainwave"
    )
    name = f"tw_{prefix}_{uuid.uuid4().hex[:10]}"
    server_url = admin_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    server_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str:
    return os.environ.get("TRAINWAVE_REDIS_URL", "redis://127.0.0.1:6379/0")


def production_env(database_url: str, redis: str | None = None) -> dict[str, str]:
    """Settings for a server in production mode on 127.0.0.1 over plain HTTP.

    Secure cookies stay off (``TRAINWAVE_PRODUCTION=false``) because tests
    talk HTTP; the database and Redis are the production backends.
    """
    env = {
        "DATABASE_URL": database_url,
        "TRAINWAVE_PRODUCTION": "false",
        "TRAINWAVE_SECRET_KEY": "live-test-secret-" + "x" * 40,
        "TRAINWAVE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    if redis:
        env["REDIS_URL"] = redis
    return env

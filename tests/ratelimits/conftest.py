"""Fixtures for rate-limit tests: settings, a movable limiter clock, a Redis."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from tests.conftest import MovableClock
from tests.live import free_port
from trainwave.server.apikeys.cache import verification_cache
from trainwave.server.apikeys.usage import usage_recorder
from trainwave.server.config import get_config
from trainwave.server.ratelimits import limiter as limiter_module
from trainwave.server.ratelimits.limiter import limiter
from trainwave.server.redis_client import get_redis


def forget_connections() -> None:
    get_config.cache_clear()
    get_redis.cache_clear()
    limiter.redis_storage = None
    limiter.scripts.clear()


@pytest.fixture(autouse=True)
def fresh_key_state() -> None:
    verification_cache.clear()
    verification_cache.epoch = None
    usage_recorder.autoflush = False
    usage_recorder.memory.take()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set environment variables and make the next request read them."""

    def apply(**env: str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        forget_connections()

    yield apply
    forget_connections()
    limiter.reset()


@pytest.fixture
def limit_clock(clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    """Make the ``limits`` memory storage read the test clock, not the wall clock."""
    import limits.storage.memory

    fake_time = SimpleNamespace(time=lambda: clock().timestamp(), sleep=time.sleep)
    monkeypatch.setattr(limits.storage.memory, "time", fake_time)
    # Retry Redis on the next request after a failure rather than a second later.
    monkeypatch.setattr(limiter_module, "RETRY_SECONDS", 0.0)
    return clock


class RedisServer:
    """A redis-server of the test's own, which the test may stop and restart."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def flush(self) -> None:
        redis.Redis.from_url(self.url).flushdb()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def shared_redis(
    redis_server: RedisServer, configure: Callable[..., None]
) -> Iterator[RedisServer]:
    """Point the service at the test's Redis, emptied, and running."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis_server.flush()
    configure(REDIS_URL=redis_server.url)
    yield redis_server
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()


def headers_of(response: Any) -> dict[str, str]:
    return {
        name: response[name]
        for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
        if response.has_header(name)
    }

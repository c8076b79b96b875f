"""Compare the moving window and the sliding-window counter of ``limits``.

Runs against a redis-server it starts on a free port, and reports for each
strategy:

* accuracy: a simulated client on a fake clock sends at twice the limit,
  with bursts at window edges. The script counts the most requests admitted
  in any span of one window length, which should never exceed the limit.
* cost: the mean time of one ``hit`` (a round trip plus the script) for a
  few limits, which shows how the moving window's per-request work grows
  with the limit.

Usage: .venv/bin/python bench/ratelimit_strategies.py
"""

from __future__ import annotations

import bisect
import shutil
import socket
import subprocess
import tempfile
import time

import redis
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

STRATEGIES = {
    "moving window": MovingWindowRateLimiter,
    "sliding-window counter": SlidingWindowCounterRateLimiter,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(folder: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--dir", folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def most_in_any_window(times: list[float], window: float) -> int:
    """Count the most admissions in any closed span of ``window`` seconds."""
    best = 0
    for index, start in enumerate(times):
        end = bisect.bisect_right(times, start + window)
        best = max(best, end - index)
    return best


class FakeTime:
    """A clock for the ``limits`` memory storage, moved by the simulation."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


def measure_accuracy(strategy: type, limit: int, window: int) -> int:
    """Simulate traffic on a fake clock; return the most admitted in a window.

    The client asks at twice the limit, evenly, and adds a burst of the limit
    just before each window edge, where a fixed or estimated window is weakest.
    Both strategies keep the same data in memory as in Redis, so the
    simulation shows what they admit without waiting on the wall clock.
    """
    import limits.storage.memory

    fake = FakeTime()
    limits.storage.memory.time = fake  # type: ignore[assignment]
    limiter = strategy(MemoryStorage())
    item = RateLimitItemPerSecond(limit, window)
    admitted: list[float] = []
    step = window / (2 * limit)
    start = fake.now
    while fake.now - start < 20 * window:
        position = (fake.now - start) % window
        burst = limit if window - step <= position < window else 1
        for _ in range(burst):
            if limiter.hit(item, "client"):
                admitted.append(fake.now)
        fake.now += step
    return most_in_any_window(admitted, window)


def measure_cost(limiter: object, limit: int, rounds: int = 2000) -> float:
    item = RateLimitItemPerSecond(limit, 60)
    tag = f"cost-{limit}-{time.time()}"
    # Fill the window first: the moving window's work depends on its length.
    for _ in range(min(limit, 20_000)):
        limiter.hit(item, tag)  # type: ignore[attr-defined]
    started = time.perf_counter()
    for _ in range(rounds):
        limiter.hit(item, tag)  # type: ignore[attr-defined]
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_redis(folder)
        try:
            storage = RedisStorage(url)
            print(
                "strategy | most admitted in any 60 s span (limit 20) | "
                "us per hit at limit 50 / 600 / 20000"
            )
            for name, strategy in STRATEGIES.items():
                limiter = strategy(storage)
                worst = measure_accuracy(strategy, 20, 60)
                costs = [measure_cost(limiter, limit) for limit in (50, 600, 20_000)]
                cost_text = " / ".join(f"{cost:.0f}" for cost in costs)
                print(f"{name} | {worst} | {cost_text}")
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()

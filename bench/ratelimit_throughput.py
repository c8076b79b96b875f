"""Throughput of an API-key request with rate limiting on and off, on Redis.

Starts a redis-server of its own, then for each mode a ``wave server`` with
two granian workers (SQLite for the few writes, Redis for limits, usage and
the auth epoch), creates a key, and drives ``GET /api/v1/auth/test/`` with
wrk. With limiting on, the key's limit is far above the load, so every
request is admitted and the figure is the limiter's cost alone. Modes
alternate over several rounds and the best of each is reported, to damp
noise from other programs on the machine.

Usage: .venv/bin/python bench/ratelimit_throughput.py [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.ratelimit_strategies import start_redis
from tests.live import LiveServer

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway server
MODES = {"limiting off": "false", "limiting on": "true"}


def issue_key(base: str, rate_limit_per_minute: int) -> str:
    """Log in as the owner and create a key; return its secret."""
    session = requests.Session()
    session.get(f"{base}/auth/csrf/")
    headers = {"X-CSRFToken": session.cookies["csrftoken"]}
    login = {"email": EMAIL, "password": PASSWORD}
    session.post(f"{base}/auth/v1/login/", json=login, headers=headers)
    created = session.post(
        f"{base}/api/v1/auth/keys/",
        json={"name": "bench", "rate_limit_per_minute": rate_limit_per_minute},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
    )
    created.raise_for_status()
    return str(created.json()["data"]["secret"])


def run_wrk(url: str, secret: str, seconds: int, connections: int) -> float:
    done = subprocess.run(
        [
            *("wrk", "-t2", f"-c{connections}", f"-d{seconds}s"),
            *("-H", f"X-API-KEY: {secret}", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([0-9.]+)", done.stdout)
    if match is None:
        raise RuntimeError(done.stdout)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if non_2xx:
        print(f"  warning: {non_2xx.group(1)} responses were not 2xx")
    return float(match.group(1))


def measure(redis_url: str, flag: str, seconds: int, connections: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "REDIS_URL": redis_url,
            "TRAINWAVE_RATE_LIMITS": flag,
            "TRAINWAVE_LOG_LEVEL": "WARNING",
        }
        with LiveServer(Path(folder), workers=2, **env) as live:
            live.create_owner(EMAIL, PASSWORD)
            secret = issue_key(live.url, rate_limit_per_minute=1_000_000)
            url = f"{live.url}/api/v1/auth/test/"
            run_wrk(url, secret, 2, connections)
            return run_wrk(url, secret, seconds, connections)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    best = dict.fromkeys(MODES, 0.0)
    with tempfile.TemporaryDirectory() as folder:
        process, redis_url = start_redis(folder)
        try:
            for round_number in range(options.rounds):
                for mode, flag in MODES.items():
                    rate = measure(
                        redis_url, flag, options.seconds, options.connections
                    )
                    print(f"round {round_number + 1}, {mode}: {rate:.0f} requests/s")
                    best[mode] = max(best[mode], rate)
        finally:
            process.terminate()
            process.wait()
    off, on = best["limiting off"], best["limiting on"]
    print(f"best: off {off:.0f}/s, on {on:.0f}/s, cost {100 * (1 - on / off):.1f} %")


if __name__ == "__main__":
    main()

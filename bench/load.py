"""Load test: many clients on the authenticated jobs list, zero errors allowed.

Starts ``wave server --workers 2`` on a fresh PostgreSQL database and Redis,
creates an owner, a key (with a rate limit far above the load) and a page of
jobs, then runs wrk against ``GET /api/v1/jobs/`` with ``X-API-KEY`` and
prints requests per second, p50 and p99 latency, and the count of errors.

    .venv/bin/python bench/load.py --connections 64 --duration 60

Needs wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 and Redis on
127.0.0.1:6379 (override with TRAINWAVE_PG_URL and TRAINWAVE_REDIS_URL).
Exits with status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live import (
    LiveServer,
    drop_postgres_database,
    postgres_database,
    production_env,
    redis_url,
)

EMAIL = "load@example.com"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway account
WRK_SCRIPT = r"""
wrk.headers["X-API-KEY"] = os.getenv("TRAINWAVE_API_KEY")
wrk.headers["Accept"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\"p50_ms\": %f, \"p99_ms\": %f, \"non_2xx\": %d}\n",
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.status))
end
"""


@dataclass
class LoadResult:
    connections: int
    duration_s: int
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def prepare(server: LiveServer) -> str:
    """Create the owner, a key and some jobs; return the key."""
    server.create_owner(EMAIL, PASSWORD)
    client = httpx.Client(base_url=server.url, timeout=30)
    client.get("/auth/csrf/")
    client.post(
        "/auth/v1/login/",
        json={"email": EMAIL, "password": PASSWORD},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    created = client.post(
        "/api/v1/auth/keys/",
        json={"name": "load", "rate_limit_per_minute": 1_000_000},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    created.raise_for_status()
    secret = created.json()["data"]["secret"]
    for index in range(20):
        httpx.post(
            f"{server.url}/api/v1/jobs/",
            json={"name": f"job-{index}", "image": "pytorch:2", "gpu_type": "a100"},
            headers={"X-API-KEY": secret},
        ).raise_for_status()
    return secret


def run_wrk(url: str, key: str, connections: int, duration: int) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            script.name,
            f"{url}/api/v1/jobs/",
        ],
        capture_output=True,
        text=True,
        env={"TRAINWAVE_API_KEY": key, "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    extra = json.loads(re.search(r"^JSON (.*)$", output, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = sum(int(n) for n in socket.groups()) if socket else 0
    if socket and socket_errors:
        print(socket.group(0), file=sys.stderr)
    return LoadResult(
        connections,
        duration,
        total,
        rate,
        round(extra["p50_ms"], 2),
        round(extra["p99_ms"], 2),
        extra["non_2xx"],
        socket_errors,
    )


def run(connections: int, duration: int, workers: int = 2) -> LoadResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    database = postgres_database("load")
    env = {**production_env(database, redis_url()), "TRAINWAVE_LOG_LEVEL": "WARNING"}
    data_dir = Path(tempfile.mkdtemp(prefix="trainwave-load-"))
    try:
        with LiveServer(data_dir, workers=workers, **env) as server:
            key = prepare(server)
            return run_wrk(server.url, key, connections, duration)
    finally:
        drop_postgres_database(database)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(args.connections, args.duration, args.workers)
    print(json.dumps(asdict(result), indent=2))
    if result.non_2xx or result.socket_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

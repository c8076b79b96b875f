"""Benchmark API-key verification against the real server (see docs/benchmarks.md).

Starts ``wave server --workers 2`` (granian) on PostgreSQL and Redis and
measures with wrk, in interleaved rounds, the throughput of:

* ``auth``: ``GET /api/v1/auth/test/`` with an ``X-API-KEY``;
* ``twin``: the same view on the same server, mounted without authentication
  (``bench/twin_urls.py``);
* ``drf``: Django REST Framework with djangorestframework-api-key on the same
  database, served by granian the same way (``bench/drf_project``);
* ``auth_1m``: ``auth`` again, on a copy of the database holding 1,000,000 keys.

Then it times the cache-miss path ``load_key`` at both table sizes, and
optionally serves the twin settings with gunicorn and uvicorn to compare
them with granian. Run with ``--help`` for the options. Nothing is installed:
missing tools are listed with the command that installs them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AUTH_PATH = "/api/v1/auth/test/"
TWIN_PATH = "/api/v1/bench/auth/test/"
READY_TIMEOUT_SECONDS = 60
REQUIRED_MODULES = {
    "django": "trainwave[server]",
    "granian": "trainwave[server]",
    "psycopg": "trainwave[server]",
    "redis": "trainwave[server]",
    "rest_framework": "djangorestframework",
    "rest_framework_api_key": "djangorestframework-api-key",
}
SERVER_MODULES = {"gunicorn": "gunicorn", "uvicorn": "uvicorn"}
INSTALL_HINT = f"{BIN / 'pip'} install -e '.[bench]'"


def missing_requirements(compare_servers: bool) -> list[str]:
    """Return what the benchmark needs and cannot find, as install names."""
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk (apt-get install wrk)")
    if not (BIN / "wave").exists():
        missing.append(f"the wave command in {BIN} (pip install -e .)")
    wanted = dict(REQUIRED_MODULES)
    if compare_servers:
        wanted.update(SERVER_MODULES)
    for module, package in wanted.items():
        if importlib.util.find_spec(module) is None:
            missing.append(package)
    return missing


def server_url_of(database_url: str) -> str:
    return database_url.rsplit("/", 1)[0]


def psql(server_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@dataclass
class Bench:
    """Settings of one run and the places it keeps its data."""

    pg_url: str
    redis_url: str
    rounds: int
    duration: int
    connections: int
    base_keys: int
    many_keys: int
    work_dir: Path
    secret_key: str = field(default_factory=lambda: os.urandom(32).hex())

    @property
    def database_name(self) -> str:
        return urlsplit(self.pg_url).path.lstrip("/") or "trainwave_bench"

    def database_url(self, suffix: str) -> str:
        return f"{server_url_of(self.pg_url)}/{self.database_name}_{suffix}"

    def environment(
        self, database_url: str, settings: str, redis: bool = True
    ) -> dict[str, str]:
        """Return a server environment like production, on the given database."""
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("TRAINWAVE_", "DJANGO_"))
            and name not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": settings,
                "DATABASE_URL": database_url,
                "TRAINWAVE_PRODUCTION": "true",
                "TRAINWAVE_SECRET_KEY": self.secret_key,
                "TRAINWAVE_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "TRAINWAVE_DATA_DIR": str(self.work_dir),
                "TRAINWAVE_LOG_FORMAT": "json",
            }
        )
        if redis:
            env["REDIS_URL"] = self.redis_url
        return env

    def data(self, database_url: str, settings: str, *args: str) -> dict[str, Any]:
        """Run a ``bench/data.py`` command and return its JSON result."""
        return self.run_module("bench.data", database_url, settings, *args)

    def run_module(
        self, module: str, database_url: str, settings: str, *args: str
    ) -> dict[str, Any]:
        """Run ``python -m module`` in a server's environment; return its JSON."""
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=self.environment(database_url, settings),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{module} {' '.join(args)} failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One server process group, started in its own session and stopped by SIGTERM."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.env = env
        self.log_path = Path(env["TRAINWAVE_DATA_DIR"]) / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str, headers: dict[str, str]) -> Server:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited early, see {self.log_path}")
            if fetch_status(self.url + ready_path, headers) == 200:
                return self
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{self.name} not ready after {READY_TIMEOUT_SECONDS}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def fetch_status(url: str, headers: dict[str, str]) -> int | None:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


def fetch_json(url: str, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@dataclass(frozen=True)
class Target:
    """One thing wrk measures: a URL and the headers it sends."""

    name: str
    url: str
    headers: dict[str, str]


UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
LATENCY_LINE = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)


def parse_wrk(output: str) -> dict[str, float]:
    """Read requests/s, latency percentiles (ms) and failures from wrk's output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise SystemExit(f"could not read wrk output:\n{output}")
    result = {"rps": float(rate.group(1))}
    for percent, value, unit in LATENCY_LINE.findall(output):
        result[f"p{percent}_ms"] = float(value) * UNIT_SECONDS[unit] * 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = float(sum(map(int, errors.groups()))) if errors else 0.0
    return result


def run_wrk(target: Target, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, target.url], capture_output=True, text=True, check=False
    )
    result = parse_wrk(done.stdout)
    if result["non_2xx"] or result["socket_errors"]:
        print(
            f"  warning: {target.name}: {result['non_2xx']:.0f} non-2xx responses, "
            f"{result['socket_errors']:.0f} socket errors",
            flush=True,
        )
    return result


def interleave(
    targets: list[Target], rounds: int, duration: int, connections: int
) -> dict[str, list[dict[str, float]]]:
    """Run every target once per round (A, B, C, A, B, C, ...) after a warm-up."""
    for target in targets:
        run_wrk(target, 2, connections)
    runs: dict[str, list[dict[str, float]]] = {target.name: [] for target in targets}
    for number in range(1, rounds + 1):
        line = []
        for target in targets:
            result = run_wrk(target, duration, connections)
            runs[target.name].append(result)
            line.append(f"{target.name} {result['rps']:.0f}/s")
        print(f"  round {number}/{rounds}: " + ", ".join(line), flush=True)
    return runs


def medians(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Return each target's median figures, and its failed responses in total."""
    figures = {}
    for name, results in runs.items():
        figures[name] = {
            metric: round(statistics.median(run[metric] for run in results), 2)
            for metric in ("rps", "p50_ms", "p90_ms", "p99_ms")
        }
        figures[name]["non_2xx_total"] = sum(run["non_2xx"] for run in results)
    return figures


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("nan")


def prepare_databases(bench: Bench) -> dict[str, str]:
    """Create the base database (owner, key, fillers) and its 1M-key copy."""
    base = bench.database_url(f"{bench.base_keys // 1000}k")
    many = bench.database_url(f"{bench.many_keys // 1_000_000}m")
    server = server_url_of(bench.pg_url)
    for url in (base, many):
        psql(server, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    psql(server, f'CREATE DATABASE "{base.rsplit("/", 1)[1]}"')
    print(f"seeding {base.rsplit('/', 1)[1]}", flush=True)
    seeded = bench.data(base, "bench.twin_settings", "seed")
    drf = bench.data(base, "bench.drf_project.settings", "drf-seed")
    filled = bench.data(
        base, "bench.twin_settings", "fill", str(bench.base_keys - seeded["rows"])
    )
    print(f"  {filled['rows']} keys", flush=True)
    print(f"copying it and adding keys up to {bench.many_keys}", flush=True)
    psql(
        server,
        f'CREATE DATABASE "{many.rsplit("/", 1)[1]}" '
        f'TEMPLATE "{base.rsplit("/", 1)[1]}"',
    )
    filled_many = bench.data(
        many, "bench.twin_settings", "fill", str(bench.many_keys - filled["rows"])
    )
    print(
        f"  {filled_many['rows']} keys ({filled_many['seconds']}s to insert)",
        flush=True,
    )
    return {
        "base": base,
        "many": many,
        "key": seeded["secret"],
        "drf_key": drf["secret"],
        "base_rows": str(filled["rows"]),
        "many_rows": str(filled_many["rows"]),
        "fill_seconds": str(filled_many["seconds"]),
    }


def wave_server(
    bench: Bench, name: str, database_url: str, workers: int = 2, redis: bool = True
) -> Server:
    command = [str(BIN / "wave"), "server", "--host", "127.0.0.1"]
    command += ["--port", "{port}", "--workers", str(workers)]
    env = bench.environment(database_url, "bench.twin_settings", redis=redis)
    return Server(name, command, env)


def drf_server(bench: Bench, database_url: str) -> Server:
    """Serve the DRF project with the granian options of ``wave server``."""
    script = (
        "import sys\n"
        "from granian.constants import Interfaces\n"
        "from granian.server import Server\n"
        "Server('bench.drf_project.wsgi:application', address='127.0.0.1',"
        " port=int(sys.argv[1]), interface=Interfaces.WSGI, workers=2,"
        " blocking_threads=8, backpressure=8,"
        " log_enabled=False, respawn_failed_workers=True).serve()\n"
    )
    env = bench.environment(database_url, "bench.drf_project.settings")
    return Server("drf-granian", [sys.executable, "-c", script, "{port}"], env)


def gunicorn_server(bench: Bench, database_url: str) -> Server:
    command = [str(BIN / "gunicorn"), "--bind", "127.0.0.1:{port}", "--workers", "2"]
    command += ["--worker-class", "gthread", "--threads", "8"]
    command += ["--log-level", "warning", "trainwave.server.wsgi:application"]
    env = bench.environment(database_url, "bench.twin_settings")
    return Server("twin-gunicorn", command, env)


def uvicorn_server(bench: Bench, database_url: str) -> Server:
    command = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", "{port}"]
    command += ["--workers", "2", "--no-access-log", "--log-level", "warning"]
    command += ["bench.twin_asgi:application"]
    env = bench.environment(database_url, "bench.twin_settings")
    return Server("twin-uvicorn", command, env)


def check_responses(targets: list[Target]) -> None:
    """Check that each target responds 200 with a body of the expected kind."""
    for target in targets:
        body = fetch_json(target.url, target.headers)
        if body.get("data", {}).get("method") != "api_key":
            raise SystemExit(f"{target.name} returned an unexpected body: {body}")


def time_load_key(bench: Bench, databases: dict[str, str]) -> dict[str, Any]:
    """Time the cache-miss lookup at both table sizes, interleaved by round."""
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "many": []}
    for number in range(1, bench.rounds + 1):
        for size in ("base", "many"):
            result = bench.data(
                databases[size], "bench.twin_settings", "load-key", "1000"
            )
            runs[size].append(result)
        print(
            f"  round {number}/{bench.rounds}: stored key "
            f"{runs['base'][-1]['stored_median_us']}us at "
            f"{runs['base'][-1]['rows']} rows, "
            f"{runs['many'][-1]['stored_median_us']}us at "
            f"{runs['many'][-1]['rows']} rows",
            flush=True,
        )
    summary: dict[str, Any] = {}
    for size, results in runs.items():
        summary[size] = {
            "rows": results[0]["rows"],
            **{
                metric: round(statistics.median(run[metric] for run in results), 1)
                for metric in (
                    "stored_median_us",
                    "unknown_median_us",
                    "stored_p90_us",
                    "unknown_p90_us",
                )
            },
        }
    summary["stored_ratio"] = ratio(
        summary["many"]["stored_median_us"], summary["base"]["stored_median_us"]
    )
    summary["unknown_ratio"] = ratio(
        summary["many"]["unknown_median_us"], summary["base"]["unknown_median_us"]
    )
    summary["runs"] = runs
    return summary


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    versions = {}
    for package in (
        "django",
        "django-ninja",
        "granian",
        "gunicorn",
        "uvicorn",
        "djangorestframework",
        "djangorestframework-api-key",
        "psycopg",
        "redis",
    ):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "versions": versions,
    }


def print_table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print("| target | requests/s | p50 ms | p90 ms | p99 ms | non-2xx, all runs |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['rps']:.0f} | {row['p50_ms']:.2f} | "
            f"{row['p90_ms']:.2f} | {row['p99_ms']:.2f} | "
            f"{row['non_2xx_total']:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "TRAINWAVE_PG_URL", "postgresql://postgres@127.0.0.1:5432/trainwave_bench"
        ),
        help="PostgreSQL URL; its database name is the prefix of the databases "
        "this run creates and drops (default: $TRAINWAVE_PG_URL).",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("TRAINWAVE_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis URL, database number included (default: $TRAINWAVE_REDIS_URL).",
    )
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds.")
    parser.add_argument("--duration", type=int, default=8, help="Seconds per wrk run.")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    parser.add_argument(
        "--base-keys", type=int, default=10_000, help="Keys in the base database."
    )
    parser.add_argument(
        "--many-keys", type=int, default=1_000_000, help="Keys in the large copy."
    )
    parser.add_argument(
        "--no-server-comparison",
        action="store_true",
        help="Skip serving the twin settings with gunicorn and uvicorn.",
    )
    parser.add_argument(
        "--keep-databases", action="store_true", help="Do not drop the databases."
    )
    parser.add_argument(
        "--json", type=Path, help="Also write every figure to this JSON file."
    )
    args = parser.parse_args()

    compare_servers = not args.no_server_comparison
    missing = missing_requirements(compare_servers)
    if missing:
        print("missing: " + ", ".join(missing), file=sys.stderr)
        print(f"install the Python packages with: {INSTALL_HINT}", file=sys.stderr)
        raise SystemExit(2)

    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": 2,
            "server_workers": 2,
            "database_prefix": urlsplit(args.pg_url).path.lstrip("/"),
            "redis_database": urlsplit(args.redis_url).path.lstrip("/") or "0",
        },
    }
    with tempfile.TemporaryDirectory(prefix="trainwave-bench-") as work_dir:
        bench = Bench(
            pg_url=args.pg_url,
            redis_url=args.redis_url,
            rounds=args.rounds,
            duration=args.duration,
            connections=args.connections,
            base_keys=args.base_keys,
            many_keys=args.many_keys,
            work_dir=Path(work_dir),
        )
        databases = prepare_databases(bench)
        report["databases"] = {
            "base_rows": int(databases["base_rows"]),
            "many_rows": int(databases["many_rows"]),
            "many_fill_seconds": float(databases["fill_seconds"]),
        }
        try:
            measure(bench, databases, report, compare_servers)
        finally:
            if not args.keep_databases:
                server = server_url_of(bench.pg_url)
                for url in (databases["base"], databases["many"]):
                    name = url.rsplit("/", 1)[1]
                    psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report["machine"]["load_average_at_end"] = [
        round(value, 2) for value in os.getloadavg()
    ]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.json}")


def measure(
    bench: Bench,
    databases: dict[str, str],
    report: dict[str, Any],
    compare_servers: bool,
) -> None:
    key_header = {"X-API-KEY": databases["key"]}
    servers: list[Server] = []
    try:
        product = wave_server(bench, "twin-granian", databases["base"])
        servers.append(product.start(AUTH_PATH, key_header))
        drf = drf_server(bench, databases["base"])
        servers.append(drf.start(AUTH_PATH, {"X-API-KEY": databases["drf_key"]}))
        large = wave_server(bench, "twin-granian-1m", databases["many"])
        servers.append(large.start(AUTH_PATH, key_header))
        targets = [
            Target("auth", product.url + AUTH_PATH, key_header),
            Target("twin", product.url + TWIN_PATH, {}),
            Target("drf", drf.url + AUTH_PATH, {"X-API-KEY": databases["drf_key"]}),
            Target("auth_1m", large.url + AUTH_PATH, key_header),
        ]
        check_responses(targets)
        print("\nkey verification: auth, twin, drf, auth_1m", flush=True)
        runs = interleave(targets, bench.rounds, bench.duration, bench.connections)
        main_figures = medians(runs)
        report["keys"] = {"medians": main_figures, "runs": runs}
        report["keys"]["ratios_per_round"] = {
            f"{top}_over_{bottom}": [
                ratio(upper["rps"], lower["rps"])
                for upper, lower in zip(runs[top], runs[bottom], strict=True)
            ]
            for top, bottom in (("auth", "twin"), ("auth", "drf"), ("auth_1m", "auth"))
        }
        report["keys"]["ratios"] = {
            "auth_over_twin": ratio(
                main_figures["auth"]["rps"], main_figures["twin"]["rps"]
            ),
            "auth_over_drf": ratio(
                main_figures["auth"]["rps"], main_figures["drf"]["rps"]
            ),
            "auth_1m_over_auth": ratio(
                main_figures["auth_1m"]["rps"], main_figures["auth"]["rps"]
            ),
            "auth_1m_over_auth_p50_latency": ratio(
                main_figures["auth_1m"]["p50_ms"], main_figures["auth"]["p50_ms"]
            ),
        }
        drf.stop()
        large.stop()

        print("\nload_key, cache miss: base database, 1M database", flush=True)
        report["load_key"] = time_load_key(bench, databases)

        # One worker without Redis: the cache hit then makes no round trip at
        # all, which isolates the share of the Redis epoch check.
        local = wave_server(bench, "twin-granian-no-redis", databases["base"], 1, False)
        servers.append(local.start(AUTH_PATH, key_header))
        local_targets = [
            Target("auth, 1 worker, no Redis", local.url + AUTH_PATH, key_header),
            Target("twin, 1 worker, no Redis", local.url + TWIN_PATH, {}),
        ]
        check_responses(local_targets)
        print("\nwithout Redis, 1 worker: auth, twin", flush=True)
        local_runs = interleave(
            local_targets, bench.rounds, bench.duration, bench.connections
        )
        local_figures = medians(local_runs)
        report["without_redis"] = {
            "medians": local_figures,
            "runs": local_runs,
            "auth_over_twin": ratio(
                local_figures["auth, 1 worker, no Redis"]["rps"],
                local_figures["twin, 1 worker, no Redis"]["rps"],
            ),
        }
        local.stop()

        print("\nhot path in one process (bench/hotpath.py)", flush=True)
        report["hot_path"] = bench.run_module(
            "bench.hotpath",
            databases["base"],
            "bench.twin_settings",
            databases["key"],
            str(bench.rounds),
        )["microseconds_per_call"]

        if compare_servers:
            gunicorn = gunicorn_server(bench, databases["base"])
            servers.append(gunicorn.start(AUTH_PATH, key_header))
            uvicorn = uvicorn_server(bench, databases["base"])
            servers.append(uvicorn.start(AUTH_PATH, key_header))
            server_targets = []
            for label, server in (
                ("granian", product),
                ("gunicorn", gunicorn),
                ("uvicorn", uvicorn),
            ):
                server_targets.append(
                    Target(f"{label} auth", server.url + AUTH_PATH, key_header)
                )
                server_targets.append(
                    Target(f"{label} twin", server.url + TWIN_PATH, {})
                )
            check_responses(server_targets)
            print("\nservers: granian, gunicorn, uvicorn", flush=True)
            server_runs = interleave(
                server_targets, bench.rounds, bench.duration, bench.connections
            )
            report["servers"] = {"medians": medians(server_runs), "runs": server_runs}
    finally:
        for server in servers:
            server.stop()

    print_table("Key verification (medians)", report["keys"]["medians"])
    print("\nratios of the medians:", json.dumps(report["keys"]["ratios"]))
    print("ratios per round:", json.dumps(report["keys"]["ratios_per_round"]))
    load_key = report["load_key"]
    print(
        f"\nload_key median: stored {load_key['base']['stored_median_us']}us at "
        f"{load_key['base']['rows']} rows vs {load_key['many']['stored_median_us']}us "
        f"at {load_key['many']['rows']} rows (x{load_key['stored_ratio']}); unknown "
        f"{load_key['base']['unknown_median_us']}us vs "
        f"{load_key['many']['unknown_median_us']}us (x{load_key['unknown_ratio']})"
    )
    print_table("Without Redis, 1 worker (medians)", report["without_redis"]["medians"])
    print("auth/twin:", report["without_redis"]["auth_over_twin"])
    print("\nhot path, microseconds per call (medians):")
    for name, value in report["hot_path"].items():
        print(f"  {name}: {value}")
    if "servers" in report:
        print_table("Servers (medians)", report["servers"]["medians"])


if __name__ == "__main__":
    main()

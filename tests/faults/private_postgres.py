"""A throwaway PostgreSQL cluster that a test may stop, start and slow down.

The shared PostgreSQL on port 5432 must never be stopped, so fault tests run
their own cluster in a temporary folder on a free port, as the ``postgres``
system user (initdb refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live import free_port


def postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found: apt-get install postgresql"
        )
    return Path(candidates[-1]).parent


def as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, timeout=120
    )


class PrivatePostgres:
    def __init__(self) -> None:
        # Under /tmp rather than pytest's folder, whose parents only root may
        # enter, because the server runs as the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="trainwave-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = postgres_bin()
        self.server_url = f"postgresql://postgres@127.0.0.1:{self.port}"
        self.url = f"{self.server_url}/trainwave"

    def init(self) -> PrivatePostgres:
        shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        done = as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return self

    def start(self) -> None:
        done = as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        if done.returncode != 0:
            raise RuntimeError(
                done.stderr + (self.root / "log").read_text(errors="replace")
            )

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"{self.server_url}/postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE trainwave")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def stop(self, mode: str = "fast") -> None:
        as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    def wait_until_down(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if done.returncode != 0:
                return
            time.sleep(0.1)

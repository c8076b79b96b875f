"""Database work for the key benchmark, run in a subprocess by ``bench/keys.py``.

Each command prints one JSON object on stdout. The Django settings module
and ``DATABASE_URL`` come from the environment, so the same file seeds the
Trainwave database and the DRF project's tables.

    python -m bench.data seed       # migrate, create an owner and a key
    python -m bench.data fill N     # add N keys with random digests
    python -m bench.data drf-seed   # migrate the DRF project, create its key
    python -m bench.data load-key N # time N cold load_key calls per kind
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import django

MAX_RATE_LIMIT = 2_147_483_647
FILL_BATCH = 50_000


def emit(result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(result) + "\n")


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def seed() -> dict[str, Any]:
    """Create the owner, the organization and the one key that wrk sends."""
    from trainwave.server.accounts.roles import OWNER, role_permissions
    from trainwave.server.accounts.services import create_account
    from trainwave.server.apikeys.models import ApiKey
    from trainwave.server.apikeys.services import issue_key
    from trainwave.server.auth import Principal

    migrate()
    user, organization = create_account(
        "bench-owner@example.com",
        "bench-password-" + os.urandom(8).hex(),
        name="Bench Owner",
        organization_name="Bench",
    )
    principal = Principal(
        method="session",
        user_id=user.pk,
        email=user.email,
        organization_id=organization.pk,
        organization_slug=organization.slug,
        role=OWNER,
        permissions=role_permissions(OWNER),
    )
    # The highest override, so that no rate limit rejects a request (429) during a run.
    key, secret = issue_key(
        principal,
        name="bench",
        permissions=None,
        environment="live",
        rate_limit_per_minute=MAX_RATE_LIMIT,
    )
    return {"secret": secret, "key_id": key.id, "rows": ApiKey.objects.count()}


def fill(count: int) -> dict[str, Any]:
    """Add ``count`` keys with random digests, owned like the seeded key, by COPY."""
    from django.db import connection

    from trainwave.server.apikeys.models import ApiKey

    template = ApiKey.objects.order_by("created_at").first()
    if template is None:
        raise SystemExit("run the seed command first")
    columns = (
        "id, digest, hint, name, environment, organization_id, owner_id, "
        "created_by_id, permissions, created_at, last_used_user_agent, "
        "revoked_reason, allowed_networks"
    )
    start = ApiKey.objects.filter(name="filler").count()
    now = datetime.now(UTC)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # A batch of COPY can outlast the server's per-statement timeout.
        cursor.execute("SET statement_timeout = 0")
        raw = cursor.cursor
        for batch_start in range(start, start + count, FILL_BATCH):
            batch_end = min(batch_start + FILL_BATCH, start + count)
            with raw.copy(f"COPY apikeys_apikey ({columns}) FROM STDIN") as copy:
                for number in range(batch_start, batch_end):
                    copy.write_row(
                        (
                            f"key_filler{number:018d}",
                            os.urandom(32),
                            "tw_live_...0000",
                            "filler",
                            "live",
                            template.organization_id,
                            template.owner_id,
                            template.owner_id,
                            "[]",
                            now,
                            "",
                            "",
                            "[]",
                        )
                    )
        cursor.execute("ANALYZE apikeys_apikey")
    return {
        "added": count,
        "rows": ApiKey.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def drf_seed() -> dict[str, Any]:
    from rest_framework_api_key.models import APIKey

    migrate()
    _, secret = APIKey.objects.create_key(name="bench")
    return {"secret": secret}


def time_load_key(count: int) -> dict[str, Any]:
    """Time ``load_key`` (the cache-miss path) for stored and unknown digests."""
    from django.db import connection

    from trainwave.server.apikeys.models import ApiKey
    from trainwave.server.apikeys.verify import load_key

    with connection.cursor() as cursor:
        # Sorting a million rows can outlast the per-statement timeout.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            "SELECT digest FROM apikeys_apikey ORDER BY random() LIMIT %s", [count]
        )
        stored = [bytes(row[0]) for row in cursor.fetchall()]
    unknown = [os.urandom(32) for _ in range(count)]
    for digest in stored[:50] + unknown[:50]:
        load_key(digest)
    timings: dict[str, list[float]] = {"stored": [], "unknown": []}
    for stored_digest, unknown_digest in zip(stored, unknown, strict=True):
        for kind, digest in (("stored", stored_digest), ("unknown", unknown_digest)):
            started = time.perf_counter()
            found = load_key(digest)
            timings[kind].append(time.perf_counter() - started)
            if (found is None) != (kind == "unknown"):
                raise SystemExit(f"load_key returned the wrong result for a {kind} key")
    return {
        "rows": ApiKey.objects.count(),
        "calls_per_kind": count,
        **{
            f"{kind}_median_us": round(statistics.median(values) * 1e6, 1)
            for kind, values in timings.items()
        },
        **{
            f"{kind}_p90_us": round(statistics.quantiles(values, n=10)[-1] * 1e6, 1)
            for kind, values in timings.items()
        },
    }


def main(argv: list[str]) -> None:
    django.setup()
    command, *rest = argv
    if command == "seed":
        emit(seed())
    elif command == "fill":
        emit(fill(int(rest[0])))
    elif command == "drf-seed":
        emit(drf_seed())
    elif command == "load-key":
        emit(time_load_key(int(rest[0])))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Benchmark-only settings: the product settings plus an unauthenticated twin route.

The twin serves ``GET /api/v1/bench/auth/test/`` on the same NinjaAPI object,
behind the same middleware, with the same view and response schema as
``GET /api/v1/auth/test/``. Only the authentication step is missing, so the
throughput difference between the two routes is the cost of API-key
verification.
"""

from trainwave.server.settings import *  # noqa: F403

ROOT_URLCONF = "bench.twin_urls"

"""The verification cache with Redis: the shared epoch makes revokes immediate."""

from __future__ import annotations

import pytest

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, assert_error, data_of
from trainwave.server.apikeys import cache
from trainwave.server.apikeys.cache import verification_cache

pytestmark = pytest.mark.django_db(transaction=True)

TEST = "/api/v1/auth/test/"
KEYS = "/api/v1/auth/keys/"


def create_key(owner) -> tuple[ApiClient, dict]:
    session = ApiClient()
    session.login_as(owner)
    return session, data_of(session.send("POST", KEYS, {"name": "k"}), 201)


def test_revoke_bumps_shared_epoch(owner, redis_backend) -> None:
    session, key = create_key(owner)
    before = int(redis_backend.get(cache.EPOCH_KEY) or 0)

    session.send("POST", f"{KEYS}{key['id']}/revoke/")

    assert int(redis_backend.get(cache.EPOCH_KEY)) > before


def test_other_process_cache_is_dropped_on_epoch_change(
    owner, redis_backend, django_assert_num_queries
) -> None:
    _session, key = create_key(owner)
    caller = ApiClient()
    data_of(caller.get(TEST, **with_key(key["secret"])))
    with django_assert_num_queries(0):
        data_of(caller.get(TEST, **with_key(key["secret"])))

    # Another process revokes: the database changes and the epoch moves, but
    # this process's cache is not told directly.
    from trainwave.server import clock
    from trainwave.server.apikeys.models import ApiKey

    ApiKey.objects.filter(id=key["id"]).update(revoked_at=clock.now())
    redis_backend.incr(cache.EPOCH_KEY)

    assert_error(caller.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key")


def test_redis_outage_falls_back_to_database(owner, redis_backend, monkeypatch) -> None:
    _session, key = create_key(owner)
    caller = ApiClient()
    data_of(caller.get(TEST, **with_key(key["secret"])))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    from trainwave.server import config, redis_client

    config.get_config.cache_clear()
    redis_client.get_redis.cache_clear()

    from trainwave.server import clock
    from trainwave.server.apikeys.models import ApiKey

    ApiKey.objects.filter(id=key["id"]).update(revoked_at=clock.now())

    assert_error(caller.get(TEST, **with_key(key["secret"])), 401, "invalid_api_key")
    assert verification_cache.entries == {}

"""Grace and expiry notices (``X-API-Key-Status``, ``Sunset``) reach the caller."""

from __future__ import annotations

import warnings

import pytest

from tests.client.stub import Reply, StubServer
from trainwave.client import APIKeyWarning, Client, KeyNotice

KEY = "tw_live_" + "N" * 36
SUNSET = "Sat, 05 Dec 2026 10:00:00 GMT"
PAGE = {"success": True, "data": [], "pagination": {"next_cursor": None}}


def grace_reply() -> Reply:
    return Reply(200, PAGE, {"X-API-Key-Status": "grace", "Sunset": SUNSET})


def test_grace_notice_warns(stub: StubServer) -> None:
    stub.script(grace_reply())

    with pytest.warns(APIKeyWarning, match="stops working at " + SUNSET):
        list(Client(api_key=KEY, base_url=stub.url).jobs.list())


def test_notice_warned_once_per_client(stub: StubServer) -> None:
    stub.script(grace_reply(), grace_reply())
    client = Client(api_key=KEY, base_url=stub.url)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(client.jobs.list())
        list(client.jobs.list())

    assert len([w for w in caught if w.category is APIKeyWarning]) == 1


def test_notice_callback_replaces_warning(stub: StubServer) -> None:
    stub.script(Reply(200, PAGE, {"X-API-Key-Status": "expiring", "Sunset": SUNSET}))
    seen: list[KeyNotice] = []
    client = Client(api_key=KEY, base_url=stub.url, on_key_notice=seen.append)

    with warnings.catch_warnings():
        warnings.simplefilter("error", APIKeyWarning)
        list(client.jobs.list())

    assert seen == [KeyNotice("expiring", SUNSET)]
    assert client.last_key_notice == KeyNotice("expiring", SUNSET)

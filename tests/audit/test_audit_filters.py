"""Audit event filters accept any valid ISO 8601 offset."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, assert_error, data_of


@pytest.mark.parametrize(
    "query",
    [
        "since=1010-07-11T14:14:57%2B18:21",
        "until=0129-03-15T03:04:04.3600-09:45",
    ],
    ids=["large-offset", "ancient"],
)
def test_unusual_offsets(logged_in: ApiClient, query: str) -> None:
    response = logged_in.get(f"/api/v1/audit-events/?{query}")

    assert data_of(response) == []


def test_offset_beyond_range(logged_in: ApiClient) -> None:
    response = logged_in.get("/api/v1/audit-events/?until=0001-01-01T00:00:00%2B18:00")

    assert_error(response, 400, "validation_error")

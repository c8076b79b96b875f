"""Prometheus metrics: auth outcomes, latency and usage-flush lag."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, with_key
from trainwave.server import config
from trainwave.server.apikeys.usage import usage_recorder

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRAINWAVE_METRICS_TOKEN", TOKEN)
    config.get_config.cache_clear()
    yield
    monkeypatch.delenv("TRAINWAVE_METRICS_TOKEN")
    config.get_config.cache_clear()


def scrape(client: ApiClient) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float:
    """Return the sample of ``name`` whose labels include ``labels``."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{val}"' in line for key, val in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_auth_outcomes_counted(issue, metrics_on, client: ApiClient) -> None:
    key = issue("k")
    before = scrape(client)

    client.get("/api/v1/auth/test/", **with_key(key["secret"]))
    client.get("/api/v1/auth/test/", HTTP_X_API_KEY="not-a-key")
    client.get("/api/v1/auth/test/")
    after = scrape(client)

    for labels in (
        {"method": "api_key", "outcome": "success", "reason": "ok"},
        {"method": "api_key", "outcome": "failure", "reason": "malformed"},
        {"method": "none", "outcome": "failure", "reason": "missing"},
    ):
        grew = value(after, "trainwave_auth_total", **labels) - value(
            before, "trainwave_auth_total", **labels
        )
        assert grew == 1, labels


def test_latency_histogram_present(metrics_on, client: ApiClient, db: None) -> None:
    client.get("/auth/csrf/")

    text = scrape(client)

    count = value(
        text,
        "trainwave_request_duration_seconds_count",
        method="GET",
        status_class="2xx",
    )
    assert count >= 1


def test_usage_flush_lag_reported(metrics_on, client: ApiClient, db: None) -> None:
    usage_recorder.flush()

    text = scrape(client)

    assert "trainwave_usage_flush_lag_seconds" in text


def test_metrics_off_without_token(client: ApiClient, db: None) -> None:
    assert client.get("/metrics").status_code == 404

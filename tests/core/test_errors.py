"""Every error under /api/ and /auth/ uses the JSON envelope, never HTML."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v2/jobs/",
        "/auth/v9/login/",
        "/api/v1/jobs/job_x/extra/",
    ],
    ids=["unknown-route", "unknown-version", "unknown-auth-route", "too-deep"],
)
def test_unknown_path_is_json_404(client: ApiClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client: ApiClient) -> None:
    response = client.put("/auth/csrf/", "{}", content_type="application/json")

    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_get_on_login_is_405(client: ApiClient) -> None:
    assert_error(client.get("/auth/v1/login/"), 405, "method_not_allowed")


def test_oversized_body_is_413(client: ApiClient) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x" * (2 * 1024 * 1024)})

    response = client.post(
        "/auth/v1/login/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token(),
    )

    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"email": "a@example.com", "password": "\xff\xfe"}',
        b"\x00\x01\x02",
    ],
    ids=["syntax-error", "non-utf8", "binary"],
)
def test_malformed_json_is_400(client: ApiClient, body: bytes) -> None:
    response = client.post(
        "/auth/v1/login/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token(),
    )

    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    "body",
    [{"email": 5, "password": []}, {"email": "a@example.com"}, [1, 2], "text"],
    ids=["wrong-types", "missing-field", "array", "string"],
)
def test_invalid_body_is_validation_error(client: ApiClient, body: object) -> None:
    response = client.send("POST", "/auth/v1/login/", body)

    error = assert_error(response, 400, "validation_error")
    assert isinstance(error["details"], list) and error["details"]


def test_control_characters_in_fields_are_rejected_cleanly(
    logged_in: ApiClient,
) -> None:
    response = logged_in.send(
        "POST",
        "/api/v1/jobs/",
        {"name": "a\x00b\r\nc", "image": "img", "gpu_type": "a100"},
    )

    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "name"


def test_unexpected_exception_is_500_without_traceback(
    logged_in: ApiClient, monkeypatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("trainwave.server.jobs.api.paginate", explode)

    response = logged_in.get("/api/v1/jobs/")

    error = assert_error(response, 500, "internal_error")
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert error["request_id"] == response["X-Request-ID"]


def test_database_outage_is_503(logged_in: ApiClient, monkeypatch) -> None:
    from django.db import OperationalError

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr("trainwave.server.jobs.api.paginate", down)

    assert_error(logged_in.get("/api/v1/jobs/"), 503, "service_unavailable")


def test_request_id_is_echoed(client: ApiClient) -> None:
    response = client.get("/api/v1/nothing", HTTP_X_REQUEST_ID="trace-123")

    assert response["X-Request-ID"] == "trace-123"
    assert json.loads(response.content)["error"]["request_id"] == "trace-123"


def test_unsafe_request_id_is_replaced(client: ApiClient) -> None:
    response = client.get("/api/v1/nothing", HTTP_X_REQUEST_ID="bad\nid <script>")

    assert response["X-Request-ID"] != "bad\nid <script>"
    assert len(response["X-Request-ID"]) == 32


def test_security_headers_on_api(client: ApiClient) -> None:
    response = client.get("/auth/csrf/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_health_probes(client: ApiClient) -> None:
    assert json.loads(client.get("/healthz").content)["data"]["status"] == "ok"
    assert json.loads(client.get("/readyz").content)["data"]["status"] == "ready"


def test_readyz_reports_database_outage(client: ApiClient, monkeypatch) -> None:
    monkeypatch.setattr(
        "trainwave.server.health.check_database", lambda: "OperationalError"
    )

    error = assert_error(client.get("/readyz"), 503, "service_unavailable")

    assert "database" in error["message"]


def test_openapi_documents_both_schemes(client: ApiClient) -> None:
    schema = json.loads(client.get("/api/v1/openapi.json").content)

    schemes = schema["components"]["securitySchemes"]
    assert {"in": "header", "name": "X-API-KEY", "type": "apiKey"}.items() <= schemes[
        "ApiKeyScheme"
    ].items()
    assert schemes["SessionScheme"]["in"] == "cookie"
    jobs_get = schema["paths"]["/api/v1/jobs/"]["get"]["responses"]
    assert {"200", "401", "403", "429"} <= set(jobs_get)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/jobs/job_%00x/", {}),
        ("/api/v1/jobs/?cursor=%00", {}),
        ("/api/v1/jobs/", {"HTTP_X_ORGANIZATION": "a\x00b"}),
    ],
    ids=["path", "query", "organization-header"],
)
def test_nul_characters_are_400(logged_in: ApiClient, path: str, headers: dict) -> None:
    assert_error(logged_in.get(path, **headers), 400, "validation_error")


def test_nul_in_json_string_is_400(logged_in: ApiClient) -> None:
    response = logged_in.send(
        "POST", "/api/v1/jobs/", {"name": "a\x00", "image": "i", "gpu_type": "t4"}
    )

    assert_error(response, 400, "validation_error")


@pytest.mark.parametrize(
    "query",
    [
        "until=0448-08-24T18%3A33%3A34%2B20%3A06",
        "since=1818-04-02T16%3A49%3A27Z",
        "since=2026-01-01T00%3A00%3A00",
        "until=12345",
    ],
    ids=["odd-offset", "ancient", "naive", "number"],
)
def test_bad_dates_are_400(logged_in: ApiClient, query: str) -> None:
    assert_error(
        logged_in.get(f"/api/v1/audit-events/?{query}"), 400, "validation_error"
    )


def test_dates_with_offsets_are_accepted(logged_in: ApiClient) -> None:
    response = logged_in.get(
        "/api/v1/audit-events/?since=2026-01-01T00%3A00%3A00%2B05%3A30"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body", [[None, None], [], 5, None], ids=["array", "empty-array", "number", "null"]
)
def test_body_must_be_an_object(logged_in: ApiClient, body: object) -> None:
    response = logged_in.generic(
        "PATCH",
        "/api/v1/organization/",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=logged_in.csrf_token(),
    )

    assert_error(response, 400, "validation_error")


def test_head_answers_like_get(logged_in: ApiClient) -> None:
    response = logged_in.head("/api/v1/jobs/")

    assert response.status_code == 200
    assert response.content == b""


def test_uppercase_api_path_is_json(client: ApiClient) -> None:
    assert_error(client.get("/API/v1/auth/test/"), 404, "not_found")

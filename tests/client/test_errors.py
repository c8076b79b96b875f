"""Error responses map to typed exceptions that carry code, message and request ID."""

from __future__ import annotations

import pytest

from tests.client.stub import Reply, StubServer, error_reply
from trainwave.client import (
    APIError,
    AuthenticationError,
    Client,
    Conflict,
    InvalidAPIKey,
    NotFound,
    PermissionDenied,
    RateLimitExceeded,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    ValidationError,
)

CANARY = "tw_live_CANARYerrorsCANARYerrorsCANARYerrorsXY"


def client_for(stub: StubServer) -> Client:
    return Client(api_key=CANARY, base_url=stub.url, retry=RetryPolicy(0))


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "invalid_api_key", InvalidAPIKey),
        (401, "authentication_required", AuthenticationError),
        (401, "session_expired", AuthenticationError),
        (403, "insufficient_permissions", PermissionDenied),
        (403, "csrf_token_missing", PermissionDenied),
        (404, "not_found", NotFound),
        (409, "conflict", Conflict),
        (400, "validation_error", ValidationError),
        (422, "idempotency_key_reused", ValidationError),
        (429, "rate_limit_exceeded", RateLimitExceeded),
        (500, "internal_error", ServerError),
        (503, "service_unavailable", ServiceUnavailable),
        (418, "teapot", APIError),
    ],
    ids=lambda value: str(value) if not isinstance(value, type) else value.__name__,
)
def test_status_maps_to_exception(
    stub: StubServer, status: int, code: str, expected: type[APIError]
) -> None:
    stub.script(error_reply(status, code))

    with pytest.raises(expected) as raised:
        client_for(stub).keys.get("key_1")

    assert type(raised.value) is expected
    assert raised.value.status == status
    assert raised.value.code == code
    assert raised.value.message == f"{code} happened"
    assert raised.value.request_id == "req_stub"


def test_message_names_code_and_request(stub: StubServer) -> None:
    stub.script(error_reply(401, "invalid_api_key"))

    with pytest.raises(InvalidAPIKey) as raised:
        client_for(stub).auth_test()

    assert (
        str(raised.value)
        == "invalid_api_key: invalid_api_key happened (request req_stub)"
    )


def test_permission_denied_names_permission(stub: StubServer) -> None:
    stub.script(error_reply(403, "insufficient_permissions", permission="jobs:write"))

    with pytest.raises(PermissionDenied) as raised:
        client_for(stub).jobs.cancel("job_1")

    assert raised.value.permission == "jobs:write"


def test_validation_error_keeps_details(stub: StubServer) -> None:
    details = [{"field": "name", "message": "too short", "type": "string_too_short"}]
    stub.script(error_reply(400, "validation_error", details=details))

    with pytest.raises(ValidationError) as raised:
        client_for(stub).keys.create("")

    assert raised.value.details == details


def test_non_envelope_error_still_typed(stub: StubServer) -> None:
    stub.script(Reply(502, "Bad gateway"))

    with pytest.raises(ServerError) as raised:
        client_for(stub).auth_test()

    assert raised.value.code == "http_502"


def test_non_json_success_is_clear_error(stub: StubServer) -> None:
    stub.script(Reply(200, ["not", "an", "envelope"]))

    with pytest.raises(APIError) as raised:
        client_for(stub).auth_test()

    assert raised.value.code == "invalid_response"


def test_error_never_contains_key(stub: StubServer) -> None:
    stub.script(error_reply(401, "invalid_api_key"))

    with pytest.raises(InvalidAPIKey) as raised:
        client_for(stub).auth_test()

    assert CANARY not in str(raised.value)
    assert CANARY not in repr(raised.value)


def test_key_sent_only_in_header(stub: StubServer) -> None:
    stub.script(Reply(200, {"success": True, "data": [], "pagination": {}}))

    list(client_for(stub).keys.list())

    seen = stub.requests[0]
    assert seen.headers["X-API-KEY"] == CANARY
    assert CANARY not in seen.path


def test_ids_quoted_in_path(stub: StubServer) -> None:
    stub.script(error_reply(404, "not_found"))

    with pytest.raises(NotFound):
        client_for(stub).keys.get("../../jobs?x=1")

    assert stub.requests[0].path == "/api/v1/auth/keys/..%2F..%2Fjobs%3Fx%3D1/"

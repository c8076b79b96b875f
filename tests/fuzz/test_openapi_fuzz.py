"""Property-based fuzzing of every documented operation with schemathesis.

Each operation is called with generated valid and invalid input, once with
an API key and once with a session cookie plus CSRF token, and every response
is checked against the schema: no 5xx, documented status codes and content
types, bodies that match their schema, invalid input rejected.
``TRAINWAVE_FUZZ_EXAMPLES`` sets the examples per operation (10 by default;
the long run in docs/security.md uses 300).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from trainwave.server.wsgi import application

EXAMPLES = int(os.environ.get("TRAINWAVE_FUZZ_EXAMPLES", "10"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# Rules a JSON schema cannot state (an expiry in the future, two fields that
# exclude each other, a job status move) make some schema-valid bodies a 400,
# so the "positive data accepted" check would flag correct behaviour.
EXCLUDED = [positive_data_acceptance]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def api_key(owner) -> str:
    from trainwave.server.accounts.roles import role_permissions
    from trainwave.server.apikeys.services import issue_key
    from trainwave.server.auth import Principal

    principal = Principal(
        method="session",
        user_id=owner.user.pk,
        email=owner.email,
        organization_id=owner.organization.pk,
        organization_slug=owner.organization.slug,
        role="owner",
        permissions=role_permissions("owner"),
    )
    _key, secret = issue_key(
        principal, name="fuzz", permissions=None, environment="live"
    )
    return secret


@pytest.fixture
def session_headers(owner) -> dict[str, Any]:
    from tests.conftest import ApiClient

    client = ApiClient()
    client.login_as(owner)
    cookies = (
        f"session={client.cookies['session'].value}; csrftoken={client.csrf_token()}"
    )
    return {"Cookie": cookies, "X-CSRFToken": client.csrf_token()}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_with_key(case, api_key: str) -> None:
    case.call_and_validate(headers={"X-API-KEY": api_key}, excluded_checks=EXCLUDED)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_with_session(case, session_headers: dict[str, Any]) -> None:
    # Logout would end the session the remaining examples need.
    if case.path == "/auth/v1/logout/":
        return
    case.call_and_validate(headers=session_headers, excluded_checks=EXCLUDED)

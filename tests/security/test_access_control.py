"""Deny by default: the route inventory, the permission matrix, failing closed."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.apikeys.conftest import with_key
from tests.conftest import ApiClient, assert_error, data_of
from trainwave.server.accounts.roles import PERMISSIONS

# Operations anyone may call without credentials; reviewed by hand.
PUBLIC_ROUTES = {
    ("GET", "/auth/csrf/"),
    ("POST", "/auth/v1/login/"),
    ("POST", "/auth/v1/signup/"),
    ("POST", "/auth/v1/sso/discover/"),
}

# Every authenticated operation and the permission it needs.
ROUTE_PERMISSIONS = [
    ("GET", "/api/v1/jobs/", "jobs:read"),
    ("POST", "/api/v1/jobs/", "jobs:write"),
    ("GET", "/api/v1/jobs/{job}/", "jobs:read"),
    ("POST", "/api/v1/jobs/{job}/cancel/", "jobs:write"),
    ("POST", "/api/v1/jobs/{job}/status/", "jobs:schedule"),
    ("GET", "/api/v1/auth/keys/", "api_keys:read"),
    ("POST", "/api/v1/auth/keys/", "api_keys:write"),
    ("GET", "/api/v1/auth/keys/{key}/", "api_keys:read"),
    ("PATCH", "/api/v1/auth/keys/{key}/", "api_keys:write"),
    ("POST", "/api/v1/auth/keys/{key}/revoke/", "api_keys:write"),
    ("POST", "/api/v1/auth/keys/{key}/rotate/", "api_keys:write"),
    ("GET", "/api/v1/auth/keys/{key}/usage/", "api_keys:read"),
    ("GET", "/api/v1/members/", "members:read"),
    ("POST", "/api/v1/members/", "members:write"),
    ("PATCH", "/api/v1/members/{user}/", "members:write"),
    ("DELETE", "/api/v1/members/{user}/", "members:write"),
    ("GET", "/api/v1/audit-events/", "audit:read"),
    ("GET", "/api/v1/organization/", "members:read"),
    ("PATCH", "/api/v1/organization/", "org:admin"),
    ("GET", "/api/v1/sso/connections/", "sso:read"),
    ("POST", "/api/v1/sso/connections/", "org:admin"),
    ("GET", "/api/v1/sso/connections/{connection}/", "sso:read"),
    ("PATCH", "/api/v1/sso/connections/{connection}/", "org:admin"),
    ("DELETE", "/api/v1/sso/connections/{connection}/", "org:admin"),
]

BODIES = {
    ("POST", "/api/v1/jobs/"): {"name": "a", "image": "i", "gpu_type": "t4"},
    ("POST", "/api/v1/jobs/{job}/status/"): {"status": "running"},
    ("POST", "/api/v1/auth/keys/"): {"name": "k", "permissions": []},
    ("PATCH", "/api/v1/auth/keys/{key}/"): {"name": "renamed"},
    ("POST", "/api/v1/members/"): {"email": "nobody@example.com", "role": "viewer"},
    ("PATCH", "/api/v1/members/{user}/"): {"role": "viewer"},
    ("PATCH", "/api/v1/organization/"): {"name": "renamed"},
    ("POST", "/api/v1/sso/connections/"): {
        "name": "idp",
        "protocol": "oidc",
        "settings": {"issuer": "https://idp.example", "client_id": "c"},
    },
    ("PATCH", "/api/v1/sso/connections/{connection}/"): {"name": "renamed"},
}


def schema_operations(client: ApiClient) -> set[tuple[str, str, bool]]:
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            found.add((method.upper(), path, bool(operation.get("security"))))
    return found


@pytest.mark.django_db
def test_public_routes_are_the_reviewed_list(client: ApiClient) -> None:
    public = {(m, p) for m, p, secured in schema_operations(client) if not secured}

    assert public == PUBLIC_ROUTES


@pytest.mark.django_db
def test_every_route_is_in_the_permission_matrix(client: ApiClient) -> None:
    secured = {(m, p) for m, p, s in schema_operations(client) if s}
    session_only = {
        ("POST", "/auth/v1/logout/"),
        ("GET", "/auth/v1/session/"),
        ("POST", "/auth/v1/password/"),
        ("GET", "/api/v1/auth/test/"),
    }
    listed = {
        (
            m,
            p.replace("{job}", "{job_id}")
            .replace("{key}", "{key_id}")
            .replace("{user}", "{user_id}")
            .replace("{connection}", "{connection_id}"),
        )
        for m, p, _ in ROUTE_PERMISSIONS
    }

    assert secured - session_only == listed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "permission"),
    ROUTE_PERMISSIONS,
    ids=[f"{m} {p}" for m, p, _ in ROUTE_PERMISSIONS],
)
def test_anonymous_call_is_401(
    client: ApiClient, method: str, path: str, permission: str
) -> None:
    url = path.format(job="job_x", key="key_x", user="usr_x", connection="sso_x")

    response = client.generic(method, url, "{}", content_type="application/json")

    assert_error(response, 401, "authentication_required")


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    ROUTE_PERMISSIONS,
    ids=[f"{m} {p}" for m, p, _ in ROUTE_PERMISSIONS],
)
def test_key_without_permission_is_403(
    issue, client: ApiClient, owner, add_member, method: str, path: str, permission: str
) -> None:
    others = sorted(set(PERMISSIONS) - {permission})
    key = issue("almost", permissions=others)
    target = issue("target")
    member = add_member(owner.organization, "member")
    url = path.format(
        job="job_x", key=target["id"], user=member.user.pk, connection="sso_x"
    )
    body = BODIES.get((method, path))

    response = client.generic(
        method,
        url,
        json.dumps(body) if body else "",
        content_type="application/json",
        **with_key(key["secret"]),
    )

    error = assert_error(response, 403, "insufficient_permissions")
    assert error["permission"] == permission


def test_mass_assignment_is_ignored(issue, logged_in: ApiClient, make_account) -> None:
    key = issue("k", permissions=["jobs:read"])
    stranger = make_account("stranger@example.com")

    response = logged_in.send(
        "PATCH",
        f"/api/v1/auth/keys/{key['id']}/",
        {
            "owner_id": stranger.user.pk,
            "permissions": ["org:admin"],
            "digest": "x",
            "revoked_at": None,
            "hint": "tw_live_...fake",
        },
    )

    data = data_of(response)
    assert data["permissions"] == ["jobs:read"]
    assert data["owner"]["email"] == "owner@example.com"
    assert data["hint"] == key["hint"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 10_000},
        {"name": "k", "permissions": ["jobs:read"] * 10_000},
        {"name": "k", "allowed_networks": ["10.0.0.0/8"] * 1_000},
    ],
    ids=["long-name", "huge-permission-list", "huge-network-list"],
)
def test_sizes_are_bounded(logged_in: ApiClient, body: dict) -> None:
    response = logged_in.send("POST", "/api/v1/auth/keys/", body)

    assert_error(response, 400, "validation_error")


def test_auth_fails_closed_when_lookup_breaks(
    issue, client: ApiClient, monkeypatch
) -> None:
    key = issue("k")

    def broken(*args: object) -> None:
        raise RuntimeError("cache exploded")

    monkeypatch.setattr("trainwave.server.apikeys.verify.lookup", broken)

    response = client.get("/api/v1/jobs/", **with_key(key["secret"]))

    assert_error(response, 500, "internal_error")


def test_permission_check_fails_closed(issue, client: ApiClient, monkeypatch) -> None:
    key = issue("k")

    def broken(*args: object) -> None:
        raise RuntimeError("roles table unreadable")

    monkeypatch.setattr("trainwave.server.apikeys.verify.effective_permissions", broken)

    assert_error(
        client.get("/api/v1/jobs/", **with_key(key["secret"])), 500, "internal_error"
    )


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_on_secure_responses() -> None:
    client = ApiClient()

    response = client.get("/auth/csrf/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")

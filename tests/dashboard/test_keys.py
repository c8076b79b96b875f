"""Settings → API keys: generate, show once, revoke, rotate, and who may do what."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest

from tests.conftest import Account, MovableClock
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server import clock as server_clock
from trainwave.server.accounts.sessions import session_principal
from trainwave.server.apikeys.models import ApiKey, KeyUsage
from trainwave.server.apikeys.services import issue_key
from trainwave.server.audit.models import AuditEvent
from trainwave.server.dashboard.key_views import NEW_SECRET

SECRET = re.compile(r"tw_(?:live|test)_[0-9A-Za-z]{20,}")


def new_key_form(**fields: Any) -> dict[str, Any]:
    return {
        "name": "ci",
        "permissions": ["jobs:read", "api_keys:read"],
        "environment": "live",
        "expires_in": "30",
        **fields,
    }


def generate(pages: PageClient, **fields: Any) -> tuple[ApiKey, Any]:
    response = pages.submit("/settings/api-keys/new/", new_key_form(**fields))
    assert response.status_code == 302, text_of(response)[:2000]
    key_id = response["Location"].split("/")[3]
    return ApiKey.objects.get(id=key_id), response


def key_for(account: Account, name: str = "theirs", **fields: Any) -> ApiKey:
    class Request:
        headers: dict[str, str] = {}
        session: dict[str, str] = {}

    principal = session_principal(Request(), account.user)  # type: ignore[arg-type]
    key, _secret = issue_key(
        principal, name=name, permissions=None, environment="live", **fields
    )
    return key


def test_generate_redirects_to_secret(signed_in: PageClient) -> None:
    key, response = generate(signed_in)

    assert response["Location"] == f"/settings/api-keys/{key.id}/created/"
    assert key.permissions == ["api_keys:read", "jobs:read"]


def test_secret_shown_once(signed_in: PageClient) -> None:
    _key, response = generate(signed_in)

    first = signed_in.get(response["Location"])
    second = signed_in.get(response["Location"])

    assert SECRET.search(text_of(first)) is not None
    assert "export TRAINWAVE_API_KEY=tw_live_" in text_of(first)
    assert SECRET.search(text_of(second)) is None
    assert "already shown" in text_of(second)


def test_secret_page_not_stored(signed_in: PageClient) -> None:
    _key, response = generate(signed_in)

    page = signed_in.get(response["Location"])

    assert "no-store" in page["Cache-Control"]


def test_secret_leaves_session(signed_in: PageClient) -> None:
    _key, response = generate(signed_in)

    signed_in.get(response["Location"])

    assert NEW_SECRET not in signed_in.session


def test_shown_secret_works(signed_in: PageClient) -> None:
    _key, response = generate(signed_in)
    secret = SECRET.search(text_of(signed_in.get(response["Location"])))
    assert secret is not None

    api = PageClient().get("/api/v1/auth/test/", HTTP_X_API_KEY=secret.group())

    assert api.status_code == 200


def test_generate_audited(signed_in: PageClient) -> None:
    key, _response = generate(signed_in)

    event = AuditEvent.objects.get(action="api_key.created")
    assert event.target_id == key.id


def test_name_required(signed_in: PageClient) -> None:
    response = signed_in.submit("/settings/api-keys/new/", new_key_form(name=""))

    html = text_of(response)
    assert response.status_code == 200
    assert 'id="id_name_error"' in html
    assert "Enter a name for the key." in html
    assert ApiKey.objects.count() == 0


def test_permission_required(signed_in: PageClient) -> None:
    response = signed_in.submit("/settings/api-keys/new/", new_key_form(permissions=[]))

    assert "Choose at least one permission." in text_of(response)
    assert ApiKey.objects.count() == 0


def test_offers_held_permissions(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")
    pages.sign_in(member)

    html = text_of(pages.get("/settings/api-keys/new/"))

    assert 'value="api_keys:write"' in html
    assert 'value="api_keys:admin"' not in html


def test_unheld_permission_refused(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")
    pages.sign_in(member)

    response = pages.submit(
        "/settings/api-keys/new/", new_key_form(permissions=["api_keys:admin"])
    )

    assert response.status_code == 200
    assert 'id="permissions-error"' in text_of(response)
    assert ApiKey.objects.count() == 0


def test_policy_error_next_to_expiry(signed_in: PageClient, owner: Account) -> None:
    owner.organization.max_key_lifetime_days = 30
    owner.organization.save()

    response = signed_in.submit(
        "/settings/api-keys/new/", new_key_form(expires_in="365")
    )

    html = text_of(response)
    assert 'id="id_expires_in_error"' in html
    assert "at most 30 days" in html


def test_viewer_sees_no_generate(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    pages.sign_in(add_member(owner.organization, "viewer"))

    html = text_of(pages.get("/settings/api-keys/"))

    assert "Generate New Key" not in html


@pytest.mark.parametrize("method", ["get", "post"], ids=["open", "submit"])
def test_viewer_refused(
    pages: PageClient,
    owner: Account,
    add_member: Callable[..., Account],
    method: str,
) -> None:
    pages.sign_in(add_member(owner.organization, "viewer"))

    if method == "get":
        response = pages.get("/settings/api-keys/new/")
    else:
        response = pages.submit("/settings/api-keys/new/", new_key_form())

    assert response.status_code == 403
    assert "api_keys:write" in text_of(response)
    assert ApiKey.objects.count() == 0


def test_list_flags_expiry(signed_in: PageClient, owner: Account) -> None:
    key_for(owner, "soon", expires_in_days=3)
    key_for(owner, "later", expires_in_days=30)

    html = text_of(signed_in.get("/settings/api-keys/"))

    assert html.count("Expires soon") == 1


def test_list_hides_secret(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)

    html = text_of(signed_in.get("/settings/api-keys/"))

    assert key.hint in html
    assert SECRET.search(html) is None


def test_revoke_needs_confirmation(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)

    response = signed_in.get(f"/settings/api-keys/{key.id}/revoke/")

    key.refresh_from_db()
    assert "Revoke key" in text_of(response)
    assert key.revoked_at is None


def test_revoke(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)

    response = signed_in.submit(
        f"/settings/api-keys/{key.id}/revoke/", {"reason": "leaked"}
    )

    key.refresh_from_db()
    assert response["Location"] == f"/settings/api-keys/{key.id}/"
    assert key.revoked_at is not None
    assert key.revoked_reason == "leaked"
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_revoked_key_rejected(signed_in: PageClient) -> None:
    _key, response = generate(signed_in)
    secret = SECRET.search(text_of(signed_in.get(response["Location"])))
    assert secret is not None
    key_id = response["Location"].split("/")[3]

    signed_in.submit(f"/settings/api-keys/{key_id}/revoke/")
    api = PageClient().get("/api/v1/auth/test/", HTTP_X_API_KEY=secret.group())

    assert api.status_code == 401


def test_revoke_twice(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)
    signed_in.submit(f"/settings/api-keys/{key.id}/revoke/")

    response = signed_in.submit(f"/settings/api-keys/{key.id}/revoke/")

    assert response.status_code == 409
    assert "already revoked" in text_of(response)


def test_rotate_with_grace(
    signed_in: PageClient, owner: Account, clock: MovableClock
) -> None:
    key = key_for(owner)

    response = signed_in.submit(
        f"/settings/api-keys/{key.id}/rotate/", {"grace_seconds": "3600"}
    )
    page = signed_in.get(response["Location"])

    key.refresh_from_db()
    assert key.replaced_by_id is not None
    assert response["Location"] == f"/settings/api-keys/{key.replaced_by_id}/created/"
    assert key.grace_ends_at == clock() + timedelta(hours=1)
    assert SECRET.search(text_of(page)) is not None
    assert "keeps working until" in text_of(page)


def test_rotate_rejects_unknown_grace(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)

    response = signed_in.submit(
        f"/settings/api-keys/{key.id}/rotate/", {"grace_seconds": "999999999"}
    )

    key.refresh_from_db()
    assert response.status_code == 200
    assert 'id="id_grace_seconds_error"' in text_of(response)
    assert key.replaced_by_id is None


@pytest.mark.parametrize(
    "suffix",
    ["", "revoke/", "rotate/", "created/"],
    ids=["detail", "revoke", "rotate", "created"],
)
def test_foreign_key_not_found(
    signed_in: PageClient, make_account: Callable[..., Account], suffix: str
) -> None:
    key = key_for(make_account("stranger@example.com"))

    response = signed_in.get(f"/settings/api-keys/{key.id}/{suffix}")

    assert response.status_code == 404


def test_member_cannot_see_owner_key(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    key = key_for(owner)
    pages.sign_in(add_member(owner.organization, "member"))

    response = pages.get(f"/settings/api-keys/{key.id}/")

    assert response.status_code == 404


def test_detail_shows_usage(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)
    hour = server_clock.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    KeyUsage.objects.create(key=key, hour=hour, requests=40, errors_4xx=3, errors_5xx=1)
    key.last_used_ip = "203.0.113.9"
    key.last_used_user_agent = "trainwave-sdk/1.0"
    key.last_used_at = server_clock.now()
    key.save()

    html = text_of(signed_in.get(f"/settings/api-keys/{key.id}/"))

    assert "40 requests · 3 4xx · 1 5xx" in html
    assert f"{hour:%b} {hour.day}: 40 requests, 3 4xx, 1 5xx" in html
    assert 'class="bar-5xx"' in html
    assert "203.0.113.9" in html
    assert "trainwave-sdk/1.0" in html


def test_detail_loads_nothing_external(signed_in: PageClient, owner: Account) -> None:
    key = key_for(owner)

    html = text_of(signed_in.get(f"/settings/api-keys/{key.id}/"))

    assert re.search(r'(?:src|href)="(?:https?:)?//', html) is None

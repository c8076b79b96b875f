"""Settings → Audit log: admins only, filtered by actor, action and date, paged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Account
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server.audit.models import AuditEvent


def add_event(
    organization_id: str,
    action: str = "api_key.created",
    email: str = "someone@example.com",
    when: datetime | None = None,
    **data: object,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        organization_id=organization_id,
        actor_email=email,
        target_type="api_key",
        target_id="key_example",
        data=data,
        created_at=when or datetime.now(UTC),
    )
    event.save()
    return event


def test_member_refused(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    pages.sign_in(add_member(owner.organization, "member"))

    response = pages.get("/settings/audit-log/")

    assert response.status_code == 403
    assert "audit:read" in text_of(response)


def test_lists_own_organization(
    signed_in: PageClient, owner: Account, make_account: Callable[..., Account]
) -> None:
    add_event(owner.organization.id, email="mine@example.com")
    add_event(make_account("other@example.com").organization.id, email="theirs@x.io")

    html = text_of(signed_in.get("/settings/audit-log/"))

    assert "mine@example.com" in html
    assert "theirs@x.io" not in html


def test_lists_shorten(signed_in: PageClient, owner: Account) -> None:
    add_event(owner.organization.id, permissions=["a:1", "b:2", "c:3", "d:4", "e:5"])

    html = text_of(signed_in.get("/settings/audit-log/"))

    assert "a:1, b:2, c:3 and 2 more" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("action=api_key.revoked", "revoker@example.com", "creator@example.com"),
        ("actor=Creator@Example.com", "creator@example.com", "revoker@example.com"),
    ],
    ids=["action", "actor"],
)
def test_filters(
    signed_in: PageClient, owner: Account, query: str, shown: str, hidden: str
) -> None:
    add_event(owner.organization.id, "api_key.created", "creator@example.com")
    add_event(owner.organization.id, "api_key.revoked", "revoker@example.com")

    html = text_of(signed_in.get(f"/settings/audit-log/?{query}"))

    assert shown in html
    assert hidden not in html


def test_date_filter(signed_in: PageClient, owner: Account) -> None:
    today = datetime.now(UTC)
    add_event(
        owner.organization.id, email="old@example.com", when=today - timedelta(days=3)
    )
    add_event(owner.organization.id, email="new@example.com", when=today)

    html = text_of(
        signed_in.get(
            f"/settings/audit-log/?since={today:%Y-%m-%d}&until={today:%Y-%m-%d}"
        )
    )

    assert "new@example.com" in html
    assert "old@example.com" not in html


def test_bad_date_shown(signed_in: PageClient) -> None:
    response = signed_in.get("/settings/audit-log/?since=yesterday")

    assert response.status_code == 200
    assert 'id="id_since_error"' in text_of(response)


def test_reversed_dates_shown(signed_in: PageClient) -> None:
    response = signed_in.get("/settings/audit-log/?since=2026-02-02&until=2026-01-01")

    assert "The end date is before the start date." in text_of(response)


def test_paging(signed_in: PageClient, owner: Account) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for minute in range(51):
        add_event(
            owner.organization.id,
            email=f"actor{minute}@example.com",
            when=start + timedelta(minutes=minute),
        )

    first = text_of(signed_in.get("/settings/audit-log/?action=api_key.created"))
    next_link = first.split('href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = text_of(signed_in.get(f"/settings/audit-log/?{next_link}"))

    assert "actor50@example.com" in first
    assert "actor0@example.com" not in first
    assert "action=api_key.created" in next_link
    assert "actor0@example.com" in second
    assert "actor50@example.com" not in second


def test_bad_cursor(signed_in: PageClient) -> None:
    response = signed_in.get("/settings/audit-log/?cursor=%%%")

    assert response.status_code == 400
    assert "cursor is invalid" in text_of(response)


def test_times_readable(signed_in: PageClient, owner: Account) -> None:
    add_event(owner.organization.id, grace_ends_at="2026-12-04T18:45:10.223+00:00")

    html = text_of(signed_in.get("/settings/audit-log/"))

    assert "2026-12-04 18:45 UTC" in html


def test_last_date_shown(signed_in: PageClient) -> None:
    response = signed_in.get("/settings/audit-log/?until=9999-12-31")

    assert response.status_code == 200
    assert 'id="id_until_error"' in text_of(response)

"""Audit events: recorded for security changes, append-only, listed for admins."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import ApiClient, assert_error, data_of
from trainwave.server.audit.models import AppendOnlyError, AuditEvent


def test_login_success_and_failure_recorded(client: ApiClient, owner) -> None:
    client.send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": "wrong one here"}
    )
    client.login_as(owner)

    actions = list(
        AuditEvent.objects.order_by("created_at").values_list("action", "outcome")
    )

    assert ("user.login_failed", "failure") in actions
    assert ("user.login", "success") in actions


def test_events_never_store_password(client: ApiClient, owner) -> None:
    client.send(
        "POST", "/auth/v1/login/", {"email": owner.email, "password": "canary-pw-8812"}
    )

    event = AuditEvent.objects.get(action="user.login_failed")

    assert "canary-pw-8812" not in str(event.data)
    assert event.ip == "127.0.0.1"
    assert event.request_id


def test_event_cannot_be_changed_through_model(owner) -> None:
    event = AuditEvent.objects.create(action="user.login", actor_user_id=owner.user.pk)

    event.action = "user.logout"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_event_cannot_be_changed_with_sql(owner) -> None:
    AuditEvent.objects.create(action="user.login", actor_user_id=owner.user.pk)

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'user.logout'")


def test_admin_lists_and_filters_events(logged_in: ApiClient, owner) -> None:
    logged_in.send(
        "POST", "/api/v1/jobs/", {"name": "a", "image": "i", "gpu_type": "t4"}
    )

    everything = logged_in.get("/api/v1/audit-events/").json()
    jobs_only = data_of(logged_in.get("/api/v1/audit-events/?action=job.created"))

    assert everything["success"] is True
    assert [e["action"] for e in jobs_only] == ["job.created"]
    assert jobs_only[0]["actor_user_id"] == owner.user.pk


def test_member_cannot_read_audit_events(client: ApiClient, owner, add_member) -> None:
    member = add_member(owner.organization, "member")
    client.login_as(member)

    error = assert_error(
        client.get("/api/v1/audit-events/"), 403, "insufficient_permissions"
    )

    assert error["permission"] == "audit:read"


def test_role_change_recorded(logged_in: ApiClient, owner, add_member) -> None:
    member = add_member(owner.organization, "member")

    response = logged_in.send(
        "PATCH", f"/api/v1/members/{member.user.pk}/", {"role": "viewer"}
    )

    assert data_of(response)["role"] == "viewer"
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.data == {"previous_role": "member", "role": "viewer"}
    assert event.target_id == member.user.pk


def test_login_appears_in_organization_log(logged_in: ApiClient, owner) -> None:
    events = data_of(logged_in.get("/api/v1/audit-events/?action=user.login"))

    assert len(events) == 1
    assert events[0]["actor_user_id"] == owner.user.pk


@pytest.mark.parametrize(
    "since",
    ["2026-01-01T00:00:00+18:21", "2026-01-01T00:00:00-23:59"],
    ids=["large-offset", "negative-large-offset"],
)
def test_filter_with_large_utc_offset(logged_in: ApiClient, since: str) -> None:
    response = logged_in.get("/api/v1/audit-events/", {"since": since})

    assert response.status_code == 200


def test_filter_date_out_of_range(logged_in: ApiClient) -> None:
    response = logged_in.get(
        "/api/v1/audit-events/", {"since": "0001-01-01T00:00:00+05:00"}
    )

    assert_error(response, 400, "validation_error")

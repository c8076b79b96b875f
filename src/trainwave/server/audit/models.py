"""Append-only audit events."""

from __future__ import annotations

from typing import Any

from django.db import models

from trainwave.server import clock
from trainwave.server.ids import new_id


def new_event_id() -> str:
    return new_id("evt")


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an audit event."""


class AuditEvent(models.Model):
    """One security-relevant change: who did what, to what, from where, when.

    Rows are only ever inserted. The model refuses updates and deletes, and a
    database trigger (see the migrations) refuses them for raw SQL too.
    """

    id = models.CharField(
        primary_key=True, max_length=32, default=new_event_id, editable=False
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    organization_id = models.CharField(
        max_length=32, null=True, blank=True, db_index=True
    )
    actor_user_id = models.CharField(
        max_length=32, null=True, blank=True, db_index=True
    )
    actor_email = models.CharField(max_length=254, blank=True)
    actor_key_id = models.CharField(max_length=32, null=True, blank=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization_id", "-created_at", "-id"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

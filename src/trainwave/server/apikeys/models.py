"""API keys and their hourly usage counts."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from trainwave.server import clock
from trainwave.server.ids import new_id


def new_key_id() -> str:
    return new_id("key")


class ApiKey(models.Model):
    """An API key: its digest, owner, permissions and lifecycle.

    The secret itself is never stored; ``digest`` is its SHA-256 and ``hint``
    its prefix and last four characters, for display.
    """

    id = models.CharField(
        primary_key=True, max_length=32, default=new_key_id, editable=False
    )
    digest = models.BinaryField(max_length=32, unique=True)
    hint = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    environment = models.CharField(max_length=8, default="live")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="api_keys"
    )
    owner = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="api_keys"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_key_id = models.CharField(max_length=32, null=True, blank=True)
    permissions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    last_used_user_agent = models.CharField(max_length=256, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Set on a key that was rotated: it keeps working until this time.
    grace_ends_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    allowed_networks = models.JSONField(default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"]),
            models.Index(fields=["owner", "-created_at", "-id"]),
        ]

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.hint}>"

    def status_at(self, now: datetime) -> str:
        """Return ``revoked``, ``expired``, ``grace`` (rotated) or ``active``."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.grace_ends_at is not None:
            return "grace" if self.grace_ends_at > now else "expired"
        return "active"


class KeyUsage(models.Model):
    """Requests made with one key in one UTC hour, by outcome."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    hour = models.DateTimeField()
    requests = models.PositiveBigIntegerField(default=0)
    errors_4xx = models.PositiveBigIntegerField(default=0)
    errors_5xx = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "hour"], name="apikeys_usage_one_row_per_hour"
            ),
        ]

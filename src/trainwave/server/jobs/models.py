"""Training jobs: the resource the credentials protect."""

from __future__ import annotations

from django.db import models

from trainwave.server import clock
from trainwave.server.ids import new_id


def new_job_id() -> str:
    return new_id("job")


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})

# The moves a scheduler may make; anything else is a 409.
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset(
        {JobStatus.RUNNING, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
    JobStatus.RUNNING: frozenset(
        {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
}


class Job(models.Model):
    """A request to run a container on GPUs, and its progress."""

    id = models.CharField(
        primary_key=True, max_length=32, default=new_job_id, editable=False
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="jobs"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_key_id = models.CharField(max_length=32, null=True, blank=True)
    name = models.CharField(max_length=200)
    image = models.CharField(max_length=500)
    command = models.JSONField(default=list)
    gpu_type = models.CharField(max_length=64)
    gpu_count = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    status_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"]),
            models.Index(fields=["organization", "status", "-created_at", "-id"]),
        ]


class IdempotencyRecord(models.Model):
    """The job a POST with an ``Idempotency-Key`` created, so a retry returns it."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    job = models.ForeignKey(Job, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="jobs_idempotency_once"
            ),
        ]

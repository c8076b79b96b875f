"""Job use cases: create (idempotently), cancel, and status changes."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction

from trainwave.server import clock
from trainwave.server.auth import Principal
from trainwave.server.errors import Conflict, NotFound, UnprocessableEntity
from trainwave.server.jobs.models import (
    FINISHED,
    TRANSITIONS,
    IdempotencyRecord,
    Job,
    JobStatus,
)
from trainwave.server.jobs.schemas import JobIn


def get_job(principal: Principal, job_id: str) -> Job:
    """Return the organization's job; another organization's is a 404 too."""
    job = Job.objects.filter(
        id=job_id, organization_id=principal.organization_id
    ).first()
    if job is None:
        raise NotFound("Job not found.")
    return job


def request_hash(payload: JobIn) -> str:
    canonical = json.dumps(payload.model_dump(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_job(
    principal: Principal, payload: JobIn, idempotency_key: str | None
) -> tuple[Job, bool]:
    """Create a job; return it and whether it is new.

    With an ``Idempotency-Key``, a retry of the same request returns the job
    the first attempt created, and a different request under the same key is
    rejected with 422.
    """
    assert principal.organization_id is not None, "require() admits no org-less caller"
    if idempotency_key:
        digest = request_hash(payload)
        existing = find_idempotent(principal, idempotency_key, digest)
        if existing is not None:
            return existing, False
    job = Job(
        organization_id=principal.organization_id,
        created_by_id=principal.user_id,
        created_by_key_id=principal.key_id,
        **payload.model_dump(),
    )
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    organization_id=principal.organization_id,
                    key=idempotency_key,
                    request_hash=digest,
                    job=job,
                )
    except IntegrityError:
        # Two requests with one key raced and the other committed first.
        existing = find_idempotent(
            principal, idempotency_key or "", request_hash(payload)
        )
        if existing is None:
            raise
        return existing, False
    return job, True


def find_idempotent(principal: Principal, key: str, digest: str) -> Job | None:
    record = (
        IdempotencyRecord.objects.filter(
            organization_id=principal.organization_id, key=key
        )
        .select_related("job")
        .first()
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise UnprocessableEntity()
    return record.job


def cancel_job(principal: Principal, job_id: str) -> Job:
    """Cancel a queued or running job; a finished job is a 409."""
    with transaction.atomic():
        job = get_locked(principal, job_id)
        if job.status in FINISHED:
            raise Conflict(f"The job has already finished with status {job.status}.")
        move(job, JobStatus.CANCELLED, "Cancelled by a user.")
    return job


def set_status(principal: Principal, job_id: str, status: str, message: str) -> Job:
    """Move a job to ``status`` on behalf of the scheduler.

    Only the moves in ``TRANSITIONS`` are allowed; a finished job never moves.
    """
    with transaction.atomic():
        job = get_locked(principal, job_id)
        if status not in TRANSITIONS.get(job.status, frozenset()):
            raise Conflict(f"A job cannot move from {job.status} to {status}.")
        move(job, status, message)
    return job


def get_locked(principal: Principal, job_id: str) -> Job:
    job = (
        Job.objects.select_for_update()
        .filter(id=job_id, organization_id=principal.organization_id)
        .first()
    )
    if job is None:
        raise NotFound("Job not found.")
    return job


def move(job: Job, status: str, message: str) -> None:
    now = clock.now()
    job.status = status
    job.status_message = message
    job.updated_at = now
    if status == JobStatus.RUNNING and job.started_at is None:
        job.started_at = now
    if status in FINISHED:
        job.finished_at = now
    job.save(
        update_fields=[
            "status",
            "status_message",
            "updated_at",
            "started_at",
            "finished_at",
        ]
    )

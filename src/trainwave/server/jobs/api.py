"""The jobs API: ``/api/v1/jobs/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from trainwave.server.audit.events import record_event
from trainwave.server.auth import require
from trainwave.server.envelope import Envelope, Page, ok, page, responses
from trainwave.server.jobs import services
from trainwave.server.jobs.models import Job
from trainwave.server.jobs.schemas import JobIn, JobOut, JobStatusIn, JobStatusName
from trainwave.server.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate

jobs_router = Router(tags=["jobs"])


class JobFilters(Schema):
    status: JobStatusName | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "organization_id": job.organization_id,
        "name": job.name,
        "image": job.image,
        "command": job.command,
        "gpu_type": job.gpu_type,
        "gpu_count": job.gpu_count,
        "status": job.status,
        "status_message": job.status_message,
        "created_by": job.created_by_id,
        "created_by_key_id": job.created_by_key_id,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@jobs_router.get("", response=responses({200: Page[JobOut]}), summary="List jobs")
def list_jobs(request: HttpRequest, filters: Query[JobFilters]) -> dict[str, Any]:
    """List the organization's jobs, newest first, one page at a time."""
    principal = require(request, "jobs:read")
    queryset = Job.objects.filter(organization_id=principal.organization_id)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    jobs, next_cursor = paginate(queryset, filters.cursor, filters.limit)
    return page([job_out(job) for job in jobs], next_cursor)


@jobs_router.post(
    "",
    response=responses({200: Envelope[JobOut], 201: Envelope[JobOut]}, 409, 422),
    summary="Create a job",
)
def create_job(
    request: HttpRequest,
    payload: JobIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=255),
) -> Status[dict[str, Any]]:
    """Queue a job. Send an ``Idempotency-Key`` to make retries safe: a retry
    returns the job the first attempt created, with status 200."""
    principal = require(request, "jobs:write")
    job, created = services.create_job(principal, payload, idempotency_key)
    if created:
        record_event(request, "job.created", target_type="job", target_id=job.id)
    return Status(201 if created else 200, ok(job_out(job)))


@jobs_router.get(
    "{job_id}/", response=responses({200: Envelope[JobOut]}, 404), summary="Get a job"
)
def get_job(request: HttpRequest, job_id: str) -> dict[str, Any]:
    principal = require(request, "jobs:read")
    return ok(job_out(services.get_job(principal, job_id)))


@jobs_router.post(
    "{job_id}/cancel/",
    response=responses({200: Envelope[JobOut]}, 404, 409),
    summary="Cancel a job",
)
def cancel_job(request: HttpRequest, job_id: str) -> dict[str, Any]:
    """Cancel a queued or running job; cancelling a finished job is a 409."""
    principal = require(request, "jobs:write")
    job = services.cancel_job(principal, job_id)
    record_event(request, "job.cancelled", target_type="job", target_id=job.id)
    return ok(job_out(job))


@jobs_router.post(
    "{job_id}/status/",
    response=responses({200: Envelope[JobOut]}, 404, 409),
    summary="Set a job's status (scheduler)",
)
def set_job_status(
    request: HttpRequest, job_id: str, payload: JobStatusIn
) -> dict[str, Any]:
    """Move a job to a new status. The scheduler that runs jobs calls this with
    an API key holding ``jobs:schedule``."""
    principal = require(request, "jobs:schedule")
    job = services.set_status(principal, job_id, payload.status, payload.message)
    return ok(job_out(job))

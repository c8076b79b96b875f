"""``wave jobs``: list, create, inspect and cancel training jobs."""

from __future__ import annotations

import itertools
from typing import Annotated

import typer

from trainwave.cli.common import (
    JsonOption,
    ProfileOption,
    err,
    handles_errors,
    open_client,
    out,
    print_fields,
    print_json,
    print_table,
    when,
)
from trainwave.client import Job

jobs_app = typer.Typer(help="List, create, inspect and cancel training jobs.")


def show_job(job: Job, json_output: bool) -> None:
    if json_output:
        print_json(job.raw)
        return
    print_fields(
        [
            ("Job ID", job.id),
            ("Name", job.name),
            (
                "Status",
                job.status + (f" ({job.status_message})" if job.status_message else ""),
            ),
            ("Image", job.image),
            ("Command", " ".join(job.command) or "-"),
            ("GPUs", f"{job.gpu_count} x {job.gpu_type}"),
            ("Created", when(job.created_at)),
            ("Started", when(job.started_at)),
            ("Finished", when(job.finished_at)),
        ]
    )


@jobs_app.command("list")
@handles_errors
def list_jobs(
    status: Annotated[
        str | None,
        typer.Option(
            help="Only jobs in this status: queued, running, succeeded, "
            "failed or cancelled."
        ),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            help="Show at most this many jobs, newest first; 0 for all.", min=0
        ),
    ] = 50,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """List the organization's jobs, newest first."""
    client = open_client(profile)
    with err.status("Listing jobs..."):
        found = client.jobs.list(status=status, page_size=min(limit or 200, 200))
        jobs = list(itertools.islice(found, limit or None))
    if json_output:
        print_json([job.raw for job in jobs])
        return
    if not jobs:
        out.print("No jobs.")
        return
    print_table(
        ["JOB ID", "NAME", "STATUS", "GPUS", "CREATED"],
        [
            [
                job.id,
                job.name,
                job.status,
                f"{job.gpu_count} x {job.gpu_type}",
                when(job.created_at),
            ]
            for job in jobs
        ],
    )


@jobs_app.command("create")
@handles_errors
def create_job(
    name: Annotated[str, typer.Option(help="Job name.")],
    image: Annotated[
        str, typer.Option(help="Container image, such as pytorch/pytorch:2.4.")
    ],
    gpu_type: Annotated[str, typer.Option(help="GPU type, such as a100 or h100.")],
    command: Annotated[
        list[str] | None,
        typer.Argument(help="Command to run in the container; put it after --."),
    ] = None,
    gpu_count: Annotated[int, typer.Option(help="Number of GPUs.", min=1)] = 1,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            help="Reuse this value when repeating the command, so it never creates "
            "a second job (default: a new random value)."
        ),
    ] = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Queue a training job."""
    client = open_client(profile)
    with err.status("Creating the job..."):
        job = client.jobs.create(
            name,
            image=image,
            gpu_type=gpu_type,
            command=command or [],
            gpu_count=gpu_count,
            idempotency_key=idempotency_key,
        )
    show_job(job, json_output)


@jobs_app.command("get")
@handles_errors
def get_job(
    job_id: Annotated[str, typer.Argument(help="The job ID.")],
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show one job."""
    client = open_client(profile)
    with err.status("Fetching the job..."):
        job = client.jobs.get(job_id)
    show_job(job, json_output)


@jobs_app.command("cancel")
@handles_errors
def cancel_job(
    job_id: Annotated[str, typer.Argument(help="The job ID.")],
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Cancel a queued or running job."""
    client = open_client(profile)
    with err.status("Cancelling the job..."):
        job = client.jobs.cancel(job_id)
    show_job(job, json_output)

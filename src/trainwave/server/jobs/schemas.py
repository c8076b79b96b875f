"""Request and response schemas of the jobs API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

JobStatusName = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    image: str = Field(
        min_length=1, max_length=500, description="Container image reference."
    )
    command: list[str] = Field(default_factory=list, max_length=100)
    gpu_type: str = Field(
        min_length=1, max_length=64, description="For example a100 or h100."
    )
    gpu_count: int = Field(1, ge=1, le=64)

    @field_validator("name", "image", "gpu_type")
    @classmethod
    def reject_control_characters(cls, value: str) -> str:
        if CONTROL_CHARACTERS.search(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("command")
    @classmethod
    def reject_nul(cls, value: list[str]) -> list[str]:
        if any("\x00" in part or len(part) > 4096 for part in value):
            raise ValueError("arguments must be at most 4096 characters, without NUL")
        return value


class JobStatusIn(Schema):
    status: JobStatusName
    message: str = Field("", max_length=500)


class JobOut(Schema):
    id: str
    organization_id: str
    name: str
    image: str
    command: list[str]
    gpu_type: str
    gpu_count: int
    status: JobStatusName
    status_message: str
    created_by: str | None = Field(description="ID of the user who created the job.")
    created_by_key_id: str | None = Field(
        description="Key ID, when created with an API key."
    )
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

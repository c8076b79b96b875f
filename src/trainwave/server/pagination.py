"""Cursor pagination over ``(created_at, id)``, newest first.

A cursor is opaque to clients: URL-safe base64 of the last row's creation time
and ID. Paging by value instead of by offset keeps pages stable while rows are
added, and costs the same on page 1,000 as on page 1.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from trainwave.server.errors import ValidationFailed

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), str(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed(
            "The cursor is invalid: pass the next_cursor value of a previous page.",
            details=[
                {"field": "cursor", "message": "Invalid cursor.", "type": "cursor"}
            ],
        ) from None


def paginate(
    queryset: QuerySet[M], cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """Return one page of ``queryset`` and the cursor of the next page, if any."""
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        queryset = queryset.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=row_id)
        )
    rows = list(queryset.order_by("-created_at", "-id")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last: Any = rows[-1]
    return rows, encode_cursor(last.created_at, last.id)

"""Schemas of the success and error envelopes, for responses and OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

T = TypeVar("T")


class ErrorBody(Schema):
    code: str = Field(description="Stable error code, such as invalid_api_key.")
    message: str = Field(description="Plain-language explanation for people.")
    request_id: str | None = Field(None, description="The request's X-Request-ID.")
    permission: str | None = Field(
        None, description="The missing permission, on a 403."
    )
    details: Any = Field(None, description="Field errors, on validation_error.")


class ErrorEnvelope(Schema):
    success: Literal[False] = False
    error: ErrorBody


class Envelope(Schema, Generic[T]):
    success: Literal[True] = True
    data: T


class Pagination(Schema):
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to fetch the next page."
    )
    has_more: bool


class Page(Schema, Generic[T]):
    success: Literal[True] = True
    data: list[T]
    pagination: Pagination


def ok(data: Any) -> dict[str, Any]:
    """Wrap ``data`` in the success envelope."""
    return {"success": True, "data": data}


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """Wrap one page of ``items`` in the list envelope."""
    return {
        "success": True,
        "data": items,
        "pagination": {"next_cursor": next_cursor, "has_more": next_cursor is not None},
    }


def errors(*statuses: int) -> dict[int, type[ErrorEnvelope]]:
    """Return the ``response=`` entries that document error statuses of a route."""
    return {status: ErrorEnvelope for status in statuses}


# Statuses every route can return, whatever it does: bad input, an oversized
# or non-JSON body, rate limiting and a backing service being down.
COMMON_ERRORS = (400, 413, 415, 429, 500, 503)
AUTHENTICATED_ERRORS = (*COMMON_ERRORS, 401, 403)


def responses(
    success: dict[int, Any], *statuses: int, auth: bool = True
) -> dict[int, Any]:
    """Return a route's full ``response=`` mapping: success plus error schemas."""
    common = AUTHENTICATED_ERRORS if auth else COMMON_ERRORS
    return {**success, **errors(*common, *statuses)}


ISO_EXPECTED = "expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z"


def require_iso_text(value: Any) -> Any:
    """Accept a date-time only as ISO 8601 text, as the schema documents.

    Pydantic would otherwise read a bare number as a Unix timestamp, which
    the OpenAPI schema does not promise.
    """
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped or stripped.lstrip("+-").replace(".", "", 1).isdigit():
            raise ValueError(
                "expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z"
            )
        return stripped
    if isinstance(value, datetime):
        return value
    raise ValueError("expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z")


def to_utc(value: datetime) -> datetime:
    """Express a date-time in UTC; a naive one is taken to be UTC.

    PostgreSQL rejects UTC offsets beyond 15:59, which ISO 8601 text may
    carry, so filters are compared in UTC.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date-time out of range") from None


IsoDatetime = Annotated[
    datetime, BeforeValidator(require_iso_text), AfterValidator(to_utc)
]

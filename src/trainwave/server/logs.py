"""Log formatting, secret redaction and the security logger.

Records are written one per line. Values that reach a record are passed
through :func:`clean` so a newline in a user-chosen value cannot forge a second
log entry, and query strings are logged through :func:`redact_query` so a key
pasted into a URL by mistake never reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

security_logger = logging.getLogger("trainwave.security")

# Query parameters whose values are credentials or could be. The check is on
# the lowercased name, so "apiKey", "API_KEY" and "x-api-key" all match.
SENSITIVE_PARAMETER = re.compile(
    r"key|token|secret|pass|session|csrf|auth|code|signature"
)
API_KEY_PATTERN = re.compile(r"tw_(?:live|test)_[0-9A-Za-z]{8,}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# Attributes every LogRecord has; anything else was passed through ``extra``.
STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__
) | {"message", "asctime"}


def clean(value: object) -> object:
    """Escape control characters in strings so one record stays one line."""
    if isinstance(value, str):
        text = CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        return API_KEY_PATTERN.sub("tw_[redacted]", text)
    return value


def redact_query(query: str) -> str:
    """Return ``query`` with the values of credential-like parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    safe = [
        (name, "[redacted]" if SENSITIVE_PARAMETER.search(name.lower()) else value)
        for name, value in pairs
    ]
    return urlencode(safe)


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": clean(record.getMessage()),
    }
    for name, value in record.__dict__.items():
        if name not in STANDARD_ATTRIBUTES and not name.startswith("_"):
            fields[name] = clean(value)
    if record.exc_info:
        fields["exception"] = clean(
            logging.Formatter().formatException(record.exc_info)
        )
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with a UTC ISO-8601 time."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record_fields(record), default=str)


class TextFormatter(logging.Formatter):
    """A readable line for terminals: time, level, message, then key=value."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        head = f"{fields.pop('time')} {fields.pop('level'):<7} {fields.pop('message')}"
        fields.pop("logger")
        exception = fields.pop("exception", None)
        tail = " ".join(f"{name}={value}" for name, value in fields.items())
        line = f"{head} {tail}".rstrip()
        return f"{line}\n{exception}" if exception else line


def log_rejection(request: Any, status: int, code: str, **fields: Any) -> None:
    """Record a rejected request on the security logger.

    The record carries the reason code, method, path, client IP and request ID,
    plus ``fields`` such as a key ID; 4xx go out at warning and 5xx at error.
    Callers must never pass a secret in ``fields``.
    """
    level = logging.ERROR if status >= 500 else logging.WARNING
    security_logger.log(
        level,
        "request rejected: %s",
        code,
        extra={
            "event": "request.rejected",
            "outcome": "failure",
            "code": code,
            "status": status,
            "method": request.method,
            "path": request.path,
            "ip": getattr(request, "client_ip", None),
            "request_id": getattr(request, "request_id", None),
            **fields,
        },
    )

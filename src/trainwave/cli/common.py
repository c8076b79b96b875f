"""Options, output, errors and exit codes shared by every ``wave`` command.

An SDK error becomes one plain line on stderr, ``error: CODE: MESSAGE
(request ID) - WHAT TO DO``, and the exit code of :data:`EXIT_CODES`. No
command prints a traceback for an error it expects.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from trainwave.client import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    Client,
    ConfigError,
    KeyNotice,
    MissingCredentials,
    NotFound,
    PermissionDenied,
    RateLimitExceeded,
    ServerError,
    TrainwaveError,
    ValidationError,
)
from trainwave.client.settings import API_KEY_ENV

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_PERMISSION = 4
EXIT_NOT_FOUND = 5
EXIT_RATE_LIMITED = 6
EXIT_UNAVAILABLE = 7

EXIT_CODES: list[tuple[type[TrainwaveError], int]] = [
    (MissingCredentials, EXIT_AUTH),
    (AuthenticationError, EXIT_AUTH),
    (PermissionDenied, EXIT_PERMISSION),
    (NotFound, EXIT_NOT_FOUND),
    (RateLimitExceeded, EXIT_RATE_LIMITED),
    (ServerError, EXIT_UNAVAILABLE),
    (APIConnectionError, EXIT_UNAVAILABLE),
    (ValidationError, EXIT_USAGE),
]

LOGIN_HINT = "run wave auth login"
HINTS = {
    "invalid_api_key": LOGIN_HINT,
    "authentication_required": LOGIN_HINT,
    "session_expired": "run wave auth login --email EMAIL",
    "invalid_credentials": "check the email and password",
    "csrf_token_missing": "run wave auth login again",
    "ip_not_allowed": "use the key from one of its allowed networks",
    "not_found": "check the ID: wave auth list-tokens or wave jobs list shows them",
    "internal_error": "retry shortly, and quote the request ID if it persists",
    "service_unavailable": "retry shortly, and quote the request ID if it persists",
}

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="TRAINWAVE_PROFILE",
        help="Stored login to use (default: the last one logged in).",
    ),
]

# Piped output is not cut to 80 columns, so scripts and logs get whole rows.
PIPE_WIDTH = 1000

out = Console(
    highlight=False,
    soft_wrap=True,
    width=None if sys.stdout.isatty() else PIPE_WIDTH,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(error: TrainwaveError) -> int:
    for error_class, code in EXIT_CODES:
        if isinstance(error, error_class):
            return code
    return EXIT_ERROR


def hint_for(error: TrainwaveError) -> str | None:
    if isinstance(error, PermissionDenied) and error.permission:
        return (
            f"ask an organization admin for the {error.permission} permission, "
            "or use a key that has it"
        )
    if isinstance(error, RateLimitExceeded):
        if error.retry_after is not None:
            return f"wait {error.retry_after:.0f}s and retry"
        return "wait a moment and retry"
    if isinstance(error, ValidationError) and isinstance(error.details, list):
        fields = [
            f"{item.get('field') or 'request'}: {item.get('message')}"
            for item in error.details
            if isinstance(item, dict)
        ]
        return "; ".join(fields) or None
    if isinstance(error, APIError) and error.code == "invalid_api_key":
        if os.environ.get(API_KEY_ENV, "").strip():
            # A fresh login would not help: the variable wins over it.
            return f"{LOGIN_HINT}, or fix {API_KEY_ENV}, which wins over a stored login"
        return LOGIN_HINT
    if isinstance(error, APIError):
        return HINTS.get(error.code)
    if isinstance(error, APIConnectionError):
        return "check the server URL and your network"
    return None


def error_line(error: TrainwaveError) -> str:
    text = error.describe() if isinstance(error, APIError) else str(error)
    hint = hint_for(error)
    return f"error: {text} - {hint}" if hint else f"error: {text}"


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` on stderr; return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def handles_errors(command: F) -> F:
    """Turn the SDK's errors raised by ``command`` into one line and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except TrainwaveError as error:
            typer.echo(error_line(error), err=True)
            raise typer.Exit(exit_code_for(error)) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def show_notice(notice: KeyNotice) -> None:
    err.print(f"warning: {notice.message}", style="yellow", markup=False)


def open_client(profile: str | None) -> Client:
    """Return an SDK client for the chosen profile, environment or ``.env``."""
    return Client(profile=profile, on_key_notice=show_notice)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def when(moment: datetime | None, empty: str = "-") -> str:
    if moment is None:
        return empty
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def print_table(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    table = Table(*columns, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    out.print(table)


def print_fields(fields: Iterable[tuple[str, Any]]) -> None:
    """Print ``name: value`` lines, aligned."""
    pairs = list(fields)
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        out.print(f"{name + ':':<{width + 1}} {value}", markup=False)


def read_stdin_secret(what: str) -> str:
    """Return the first line of stdin, stripped, or exit when it is empty."""
    value = sys.stdin.readline().strip()
    if not value:
        raise fail(f"no {what} on standard input", EXIT_USAGE)
    return value

"""Entry point of the ``wave`` command."""

from __future__ import annotations

import typer

from trainwave.cli.auth import auth_app
from trainwave.cli.jobs import jobs_app
from trainwave.cli.server import server_app

app = typer.Typer(
    name="wave",
    help="Trainwave: manage API keys and jobs, or run the server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help and usage errors: one-line errors for scripts, and no rich
    # markup, which would swallow bracketed text such as 'trainwave[server]'.
    rich_markup_mode=None,
)
app.add_typer(auth_app, name="auth")
app.add_typer(jobs_app, name="jobs")
app.add_typer(server_app, name="server")


if __name__ == "__main__":
    app()

"""Entry point of the ``wave`` command."""

from __future__ import annotations

import typer

from trainwave.cli.server import server_app

app = typer.Typer(
    name="wave",
    help="Trainwave: manage API keys and jobs, or run the server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(server_app, name="server")


if __name__ == "__main__":
    app()

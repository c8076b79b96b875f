"""``wave server``: run the service, and create its first owner.

Django is imported only inside these commands, so the SDK and the rest of the
CLI work without the ``server`` extra installed.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

server_app = typer.Typer(
    help="Run the Trainwave server (needs: pip install 'trainwave[server]').",
    invoke_without_command=True,
    no_args_is_help=False,
)

EXIT_CONFIG = 2


def fail(message: str, code: int = EXIT_CONFIG) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def setup_django(data_dir: Path | None) -> None:
    """Configure and start Django; exit with a clear message on a bad setting."""
    if data_dir is not None:
        os.environ["TRAINWAVE_DATA_DIR"] = str(data_dir.expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainwave.server.settings")
    try:
        import django
    except ImportError:
        fail("the server is not installed: run pip install 'trainwave[server]'")
    from trainwave.server.config import ConfigError

    try:
        django.setup()
    except ConfigError as error:
        fail(str(error))


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@server_app.callback()
def serve(
    context: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="TCP port to listen on.", min=1, max=65535)
    ] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the SQLite database and secret key (TRAINWAVE_DATA_DIR)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes; more than 1 needs REDIS_URL.", min=1)
    ] = 1,
    threads: Annotated[
        int,
        typer.Option(
            help="Request threads per worker. Each keeps at most one database "
            "connection, so workers x threads x hosts must stay below the "
            "database's connection limit.",
            min=1,
            max=256,
        ),
    ] = 8,
) -> None:
    """Apply migrations, then serve the API and dashboard until SIGINT or SIGTERM."""
    if context.invoked_subcommand is not None:
        if data_dir is not None:
            os.environ["TRAINWAVE_DATA_DIR"] = str(data_dir.expanduser().resolve())
        return
    setup_django(data_dir)
    from trainwave.server.config import get_config

    config = get_config()
    if workers > 1 and not config.redis_url:
        fail(
            "--workers above 1 needs REDIS_URL, so that rate limits, usage counts and "
            "revocations are shared between the processes."
        )
    migrate()
    prepare_metrics_folder(config.data_dir)
    logger = logging.getLogger("trainwave.server")
    from trainwave.server.accounts.models import User

    if not User.objects.exists():
        logger.warning(
            "No account exists yet. Create the first owner with: "
            "wave server create-owner --email you@example.com"
        )
    run_granian(host, port, workers, threads)


def prepare_metrics_folder(data_dir: Path) -> None:
    """Give the worker processes an empty folder to share metrics through.

    prometheus-client's multiprocess mode keeps one file per worker there; a
    folder left by an earlier run would add its counts to this one's. An
    operator's own PROMETHEUS_MULTIPROC_DIR is used as it is.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def run_granian(host: str, port: int, workers: int, threads: int) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    display_host = f"[{host}]" if ":" in host else host
    logging.getLogger("trainwave.server").info(
        "Trainwave is serving on http://%s:%s", display_host, port
    )
    static_dir = Path(__file__).resolve().parent.parent / "server" / "static"
    server = Server(
        "trainwave.server.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # Granian's WSGI default is hundreds of threads per worker, each of
        # which would keep its own database connection open. Requests beyond
        # the threads wait for one inside granian (its backpressure default),
        # so a busy keep-alive connection cannot starve the others.
        blocking_threads=threads,
        log_enabled=False,
        static_path_route=["/static"],
        static_path_mount=[static_dir],
        respawn_failed_workers=True,
    )
    # Granian stops its workers cleanly on SIGINT and SIGTERM.
    server.serve()


@server_app.command("create-owner")
def create_owner(
    email: Annotated[str, typer.Option(help="Email address of the first owner.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input."),
    ] = False,
    organization: Annotated[
        str, typer.Option(help="Name of the organization the owner gets.")
    ] = "",
) -> None:
    """Create an account that owns a new organization.

    The password is read from a hidden prompt (or stdin with --password-stdin),
    never from a flag, so it does not land in shell history.
    """
    setup_django(None)
    migrate()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            fail("the two passwords differ; nothing was created", 1)
    from trainwave.server.accounts.services import create_account
    from trainwave.server.errors import ApiError

    try:
        user, org = create_account(email, password, organization_name=organization)
    except ApiError as error:
        reasons = "; ".join(d["message"] for d in error.details or [] if "message" in d)
        fail(f"{error.message} {reasons}".strip(), 1)
    typer.echo(f"Created {user.email}, owner of organization {org.slug}.")

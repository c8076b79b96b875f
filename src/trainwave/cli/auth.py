"""``wave auth``: log in, check who you are, and manage API keys.

Secrets are never taken as option values, which would land in shell history
and process listings: an API key comes from a hidden prompt or stdin
(``--with-token``), a password from a hidden prompt or stdin
(``--password-stdin``).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import typer

from trainwave.cli.common import (
    EXIT_USAGE,
    JsonOption,
    ProfileOption,
    err,
    fail,
    handles_errors,
    open_client,
    out,
    print_fields,
    print_json,
    print_table,
    read_stdin_secret,
    show_notice,
    when,
)
from trainwave.cli.durations import describe_seconds, parse_duration
from trainwave.client import Client, CreatedKey, Identity
from trainwave.client.secrets import Secret, clean_secret
from trainwave.client.settings import (
    API_URL_ENV,
    DEFAULT_BASE_URL,
    SessionAuth,
    lookup,
    read_dotenv,
)
from trainwave.client.store import ConfigStore, Profile, normalize_url, profile_name_for

auth_app = typer.Typer(help="Log in, and create, list, rotate and revoke API keys.")


def login_url(url: str | None, profile: str | None, store: ConfigStore) -> str:
    if url:
        return normalize_url(url)
    from_env, _ = lookup(API_URL_ENV, read_dotenv())
    if from_env:
        return normalize_url(from_env)
    existing = store.find(name=profile) if profile else None
    return existing.url if existing else DEFAULT_BASE_URL


def prompt_secret(label: str, flag: str) -> str:
    if not sys.stdin.isatty():
        raise fail(
            f"standard input is not a terminal: pass {flag} to read the {label} "
            "from it",
            EXIT_USAGE,
        )
    value: str = typer.prompt(label, hide_input=True)
    return clean_secret(value)


@auth_app.command()
@handles_errors
def login(
    url: Annotated[
        str | None,
        typer.Option(
            help=f"Server URL (default: $TRAINWAVE_API_URL or {DEFAULT_BASE_URL})."
        ),
    ] = None,
    with_token: Annotated[
        bool, typer.Option("--with-token", help="Read the API key from stdin.")
    ] = False,
    email: Annotated[
        str | None,
        typer.Option(help="Log in with email and password (a session) instead."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    keyring: Annotated[
        bool,
        typer.Option(
            "--keyring",
            help="Keep the API key in the OS keyring when one works, not the file.",
        ),
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Store a credential for a server, after checking that it works.

    Without --email, the API key is read from a hidden prompt, or from stdin
    with --with-token. With --email, the password is read from a hidden prompt,
    or from stdin with --password-stdin, and a session is stored.
    """
    store = ConfigStore()
    server = login_url(url, profile, store)
    name = profile or profile_name_for(server)
    if email:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = prompt_secret("Password", "--password-stdin")
        with err.status("Logging in..."):
            client = Client.login(
                email,
                password,
                base_url=server,
                dotenv=False,
                on_key_notice=show_notice,
            )
        session = client.credentials.session
        assert session is not None and client.session_info is not None
        stored = Profile(
            name, server, session=session.session, csrf_token=session.csrf_token
        )
        stored.email = client.session_info.email
        store.save(stored)
        identity = client.auth_test()
    else:
        if with_token:
            key = read_stdin_secret("API key")
        else:
            key = prompt_secret("Paste your API key", "--with-token")
        client = Client(
            api_key=Secret(key),
            base_url=server,
            dotenv=False,
            on_key_notice=show_notice,
        )
        with err.status("Checking the API key..."):
            identity = client.auth_test()
        stored = Profile(name, server, api_key=Secret(key), email=identity.email)
        in_keyring = store.save(stored, use_keyring=keyring)
        if keyring and not in_keyring:
            err.print(
                "warning: no working OS keyring; the key is stored in the file instead",
                style="yellow",
                markup=False,
            )
    if json_output:
        print_json({"profile": name, "base_url": server, **identity.raw})
        return
    organization = identity.organization.slug if identity.organization else "-"
    out.print(
        f"Logged in to {server} as {identity.email} (organization {organization}) "
        f"with {'a session' if email else 'an API key'}; profile {name} is stored "
        f"in {store.path}.",
        markup=False,
    )


@auth_app.command()
@handles_errors
def logout(profile: ProfileOption = None, json_output: JsonOption = False) -> None:
    """End the stored session on the server and delete the stored login."""
    store = ConfigStore()
    stored = store.find(name=profile)
    if stored is None:
        raise fail("no stored login to log out of")
    if stored.session:
        session = SessionAuth(stored.session, stored.csrf_token)
        client = Client(base_url=stored.url, session=session, dotenv=False)
        try:
            client.logout()
        except Exception as error:
            # The profile is deleted even when the server rejects the logout,
            # because a session the server no longer knows has already ended.
            err.print(
                f"note: the server did not end the session ({error})", markup=False
            )
    store.remove(stored.name)
    if json_output:
        print_json({"profile": stored.name, "base_url": stored.url, "logged_out": True})
        return
    out.print(
        f"Logged out of {stored.url}; removed profile {stored.name}.", markup=False
    )


def describe_identity(client: Client, identity: Identity) -> list[tuple[str, str]]:
    credentials = client.credentials
    organization = identity.organization
    fields = [
        ("Server", client.base_url),
        ("Credential", f"{identity.method} from {credentials.source}"),
        ("User", identity.email),
        (
            "Organization",
            f"{organization.name} ({organization.slug})" if organization else "-",
        ),
        ("Role", identity.role or "-"),
    ]
    if identity.key is not None:
        hint = credentials.api_key.hint if credentials.api_key else ""
        fields.append(("API key", f"{identity.key.name} ({identity.key.id}) {hint}"))
        fields.append(("Expires", when(identity.key.expires_at, "never")))
        if identity.key.grace_ends_at:
            fields.append(("Rotated; works until", when(identity.key.grace_ends_at)))
    fields.append(("Permissions", ", ".join(identity.permissions) or "none"))
    return fields


@auth_app.command()
@handles_errors
def status(profile: ProfileOption = None, json_output: JsonOption = False) -> None:
    """Show who you are: user, organization, key, permissions and expiry."""
    client = open_client(profile)
    with err.status("Checking credentials..."):
        identity = client.auth_test()
    if json_output:
        print_json(
            {
                "base_url": client.base_url,
                "source": client.credentials.source,
                **identity.raw,
            }
        )
        return
    print_fields(describe_identity(client, identity))


def show_secret(created: CreatedKey, quiet: bool, json_output: bool) -> None:
    """Show a new key's secret once, with the warning and the export line."""
    secret = created.secret.reveal()
    if quiet:
        typer.echo(secret)
        return
    if json_output:
        print_json({**created.raw, "secret": secret})
        return
    out.print(
        f'Created API key "{created.name}" (key ID {created.id}, '
        f"{created.environment}).",
        markup=False,
    )
    out.print(f"Permissions: {', '.join(created.permissions) or 'none'}", markup=False)
    out.print(f"Expires: {when(created.expires_at, 'never')}", markup=False)
    out.print()
    out.print(f"    {secret}", markup=False, style="bold")
    out.print()
    out.print(
        "Copy this key now: it is shown only once and cannot be read again. Keep "
        "it in a secret manager or your environment, never in version control.",
        style="bold yellow",
        markup=False,
    )
    out.print()
    out.print(f"    export TRAINWAVE_API_KEY={secret}", markup=False)


QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the new API key.")
]


@auth_app.command("create-token")
@handles_errors
def create_token(
    name: Annotated[
        str, typer.Option(help="Key name, such as the host or job that uses the key.")
    ],
    permission: Annotated[
        list[str] | None,
        typer.Option(
            "--permission",
            "-p",
            help="A permission the key carries, such as jobs:read; repeatable. "
            "Default: all of yours.",
        ),
    ] = None,
    expires_in: Annotated[
        str | None,
        typer.Option(help="Lifetime such as 30d, 12h or 2w (default: no expiry)."),
    ] = None,
    env: Annotated[
        Literal["live", "test"], typer.Option("--env", help="Key environment.")
    ] = "live",
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Create an API key and show it once."""
    expires_at = None
    if expires_in is not None:
        seconds = parse_duration(expires_in)
        if seconds <= 0:
            raise typer.BadParameter("must be longer than 0", param_hint="--expires-in")
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    client = open_client(profile)
    with err.status("Creating the API key..."):
        created = client.keys.create(
            name, permissions=permission or None, environment=env, expires_at=expires_at
        )
    show_secret(created, quiet, json_output)


@auth_app.command("list-tokens")
@handles_errors
def list_tokens(
    state: Annotated[
        Literal["active", "revoked", "all"],
        typer.Option("--status", help="Which keys to list."),
    ] = "active",
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """List your API keys (never their secrets)."""
    client = open_client(profile)
    with err.status("Listing API keys..."):
        keys = list(client.keys.list(status=state))
    if json_output:
        print_json([key.raw for key in keys])
        return
    if not keys:
        out.print("No API keys.")
        return
    print_table(
        ["KEY ID", "NAME", "KEY", "STATUS", "PERMISSIONS", "EXPIRES", "LAST USED"],
        [
            [
                key.id,
                key.name,
                key.hint,
                key.status,
                ", ".join(key.permissions),
                when(key.expires_at, "never"),
                when(key.last_used_at, "never"),
            ]
            for key in keys
        ],
    )


@auth_app.command("revoke-token")
@handles_errors
def revoke_token(
    key_id: Annotated[str, typer.Argument(help="The key ID, as list-tokens shows it.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit log.")] = "",
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Revoke an API key; it stops working on the next request."""
    client = open_client(profile)
    with err.status("Revoking the API key..."):
        key = client.keys.revoke(key_id, reason=reason)
    if json_output:
        print_json(key.raw)
        return
    out.print(
        f'Revoked API key "{key.name}" ({key.id}); it no longer works.', markup=False
    )


@auth_app.command("rotate-token")
@handles_errors
def rotate_token(
    key_id: Annotated[str, typer.Argument(help="The key ID to replace.")],
    grace: Annotated[
        str,
        typer.Option(
            help="How long the old key keeps working, such as 24h, 30m or 0.",
        ),
    ] = "24h",
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Issue a replacement key with the same settings and show it once."""
    grace_seconds = parse_duration(grace)
    client = open_client(profile)
    with err.status("Rotating the API key..."):
        created = client.keys.rotate(key_id, grace_seconds=grace_seconds)
    show_secret(created, quiet, json_output)
    if not quiet and not json_output:
        out.print()
        if grace_seconds:
            out.print(
                f"The old key {key_id} keeps working for "
                f"{describe_seconds(grace_seconds)} more; then revoke it or let it "
                "lapse.",
                markup=False,
            )
        else:
            out.print(f"The old key {key_id} stopped working now.", markup=False)

"""The CLI and the SDK against a live server: keys from creation to revocation."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.conftest import EMAIL, PASSWORD, Wave
from tests.live import LiveServer
from trainwave.cli.common import (
    EXIT_AUTH,
    EXIT_NOT_FOUND,
    EXIT_PERMISSION,
    EXIT_USAGE,
)
from trainwave.client import (
    APIKeyWarning,
    AsyncClient,
    AuthenticationError,
    Client,
    InvalidAPIKey,
    PermissionDenied,
    RateLimitExceeded,
    RetryPolicy,
    Secret,
    SessionAuth,
)

pytestmark = pytest.mark.live

CANARY = "tw_live_CANARYliveCANARYliveCANARYliveCANARY"


def create_key(wave: Wave, *args: str) -> dict[str, str]:
    return wave.json("auth", "create-token", "--name", "My API Key", *args)


def test_login_stores_private_session(wave: Wave) -> None:
    path = wave.home / "config" / "config.json"

    content = json.loads(path.read_text())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD not in path.read_text()
    profile = content["profiles"][content["current"]]
    assert profile["session"]
    assert profile["csrf_token"]
    assert profile["email"] == EMAIL


def test_status_shows_session(wave: Wave) -> None:
    status = wave.json("auth", "status")

    assert status["method"] == "session"
    assert status["user"]["email"] == EMAIL
    assert status["role"] == "owner"


def test_key_lifecycle_cli_and_sdk(wave: Wave, server: LiveServer) -> None:
    created = create_key(wave)
    sdk = Client(api_key=created["secret"], base_url=server.url)
    identity = sdk.auth_test()

    rotated = wave.json("auth", "rotate-token", created["id"], "--grace", "0")
    new_sdk = Client(api_key=rotated["secret"], base_url=server.url)
    with pytest.raises(InvalidAPIKey):
        sdk.auth_test()
    assert new_sdk.auth_test().key is not None

    revoked = wave("auth", "revoke-token", rotated["id"])
    with pytest.raises(InvalidAPIKey) as from_sdk:
        new_sdk.auth_test()
    from_cli = wave("auth", "status", TRAINWAVE_API_KEY=rotated["secret"])

    assert identity.method == "api_key"
    assert identity.key is not None
    assert identity.key.id == created["id"]
    assert revoked.returncode == 0
    assert from_sdk.value.status == 401
    assert from_cli.returncode == EXIT_AUTH
    assert from_cli.stderr.startswith("error: invalid_api_key: ")
    assert "- run wave auth login, or fix TRAINWAVE_API_KEY" in from_cli.stderr
    assert rotated["secret"] not in from_cli.stderr


def test_guide_rotation_steps(wave: Wave) -> None:
    old = create_key(wave)
    # Generate a new key
    new = wave("auth", "create-token", "--name", "New Production Key")
    new_secret = new.stdout.split("export TRAINWAVE_API_KEY=")[1].split()[0]
    # Update your applications with the new key, then revoke the old key
    revoke = wave("auth", "revoke-token", old["id"])

    with_new = wave("jobs", "list", TRAINWAVE_API_KEY=new_secret)
    with_old = wave("jobs", "list", TRAINWAVE_API_KEY=old["secret"])

    assert new.returncode == 0
    assert revoke.returncode == 0
    assert with_new.returncode == 0
    assert with_old.returncode == EXIT_AUTH


def test_create_token_defaults_to_all_permissions(wave: Wave) -> None:
    session = wave.json("auth", "status")

    created = create_key(wave)

    assert sorted(created["permissions"]) == sorted(session["permissions"])


def test_create_token_options(wave: Wave) -> None:
    created = create_key(
        wave,
        "-p",
        "jobs:read",
        "--permission",
        "jobs:write",
        "--expires-in",
        "30d",
        "--env",
        "test",
    )

    expires_at = datetime.fromisoformat(created["expires_at"])
    assert created["permissions"] == ["jobs:read", "jobs:write"]
    assert created["secret"].startswith("tw_test_")
    assert expires_at - datetime.now(UTC) > timedelta(days=29, hours=23)
    assert expires_at - datetime.now(UTC) <= timedelta(days=30)


def test_create_token_quiet_prints_only_secret(wave: Wave) -> None:
    done = wave("auth", "create-token", "--name", "quiet", "--quiet")

    assert done.returncode == 0
    assert done.stdout.count("\n") == 1
    assert Client(api_key=done.stdout, base_url=wave.server.url).auth_test()


def test_create_token_display(wave: Wave) -> None:
    done = wave("auth", "create-token", "--name", "shown")

    secret = done.stdout.split("export TRAINWAVE_API_KEY=")[1].split()[0]
    assert "shown only once" in done.stdout
    assert done.stdout.count(secret) == 2


def test_list_tokens_hides_secrets(wave: Wave) -> None:
    created = create_key(wave)

    table = wave("auth", "list-tokens")
    listed = wave.json("auth", "list-tokens")

    assert created["id"] in table.stdout
    assert created["secret"] not in table.stdout
    assert created["secret"] not in json.dumps(listed)
    assert created["id"] in [key["id"] for key in listed]


def test_grace_notice_in_cli_and_sdk(wave: Wave, server: LiveServer) -> None:
    created = create_key(wave)
    wave.json("auth", "rotate-token", created["id"], "--grace", "1h")

    done = wave("jobs", "list", TRAINWAVE_API_KEY=created["secret"])
    with pytest.warns(APIKeyWarning, match="rotated"):
        Client(api_key=created["secret"], base_url=server.url).auth_test()

    assert done.returncode == 0
    assert "warning: This API key was rotated and stops working at" in done.stderr


def test_rotate_grace_rejects_bad_duration(wave: Wave) -> None:
    done = wave("auth", "rotate-token", "key_x", "--grace", "soon")

    assert done.returncode == EXIT_USAGE
    assert "invalid duration 'soon'" in done.stderr


def test_permission_denied(wave: Wave, server: LiveServer) -> None:
    reader = create_key(wave, "-p", "jobs:read")

    done = wave("auth", "list-tokens", TRAINWAVE_API_KEY=reader["secret"])
    with pytest.raises(PermissionDenied) as raised:
        list(Client(api_key=reader["secret"], base_url=server.url).keys.list())

    assert done.returncode == EXIT_PERMISSION
    assert "insufficient_permissions" in done.stderr
    assert "api_keys:read" in done.stderr
    assert raised.value.permission == "api_keys:read"


def test_unknown_key_not_found(wave: Wave) -> None:
    done = wave("auth", "revoke-token", "key_doesnotexist")

    assert done.returncode == EXIT_NOT_FOUND
    assert done.stderr.startswith("error: not_found: ")


def test_server_validation_error_names_field(wave: Wave) -> None:
    done = wave("auth", "create-token", "--name", "x", "-p", "no:such")

    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith("error: validation_error: ")


def test_jobs_commands(wave: Wave) -> None:
    created = wave.json(
        "jobs",
        "create",
        "--name",
        "resnet",
        "--image",
        "pytorch/pytorch:2.4",
        "--gpu-type",
        "a100",
        "--gpu-count",
        "2",
        "--",
        "python",
        "train.py",
        "--lr",
        "3",
    )

    fetched = wave.json("jobs", "get", created["id"])
    listed = wave.json("jobs", "list", "--status", "queued")
    cancelled = wave.json("jobs", "cancel", created["id"])
    again = wave("jobs", "cancel", created["id"])

    assert fetched["command"] == ["python", "train.py", "--lr", "3"]
    assert fetched["gpu_count"] == 2
    assert created["id"] in [job["id"] for job in listed]
    assert cancelled["status"] == "cancelled"
    assert again.returncode == 1
    assert again.stderr.startswith("error: conflict: ")


def test_sdk_pages_through_jobs(wave: Wave, server: LiveServer) -> None:
    key = create_key(wave)["secret"]
    client = Client(api_key=key, base_url=server.url)
    created_ids = {
        client.jobs.create(f"j{n}", image="img", gpu_type="a100").id for n in range(5)
    }

    seen = [job.id for job in client.jobs.list(page_size=2)]

    assert created_ids <= set(seen)
    assert len(seen) == len(set(seen))


def test_sdk_create_job_idempotent(wave: Wave, server: LiveServer) -> None:
    client = Client(api_key=create_key(wave)["secret"], base_url=server.url)

    first = client.jobs.create(
        "same", image="img", gpu_type="a100", idempotency_key="k-1"
    )
    second = client.jobs.create(
        "same", image="img", gpu_type="a100", idempotency_key="k-1"
    )

    assert first.id == second.id


def test_async_client(wave: Wave, server: LiveServer) -> None:
    key = create_key(wave)["secret"]

    async def run() -> tuple[str, int]:
        async with AsyncClient(api_key=key, base_url=server.url) as client:
            identity = await client.auth_test()
            jobs = [job async for job in client.jobs.list(page_size=1)]
            return identity.method, len(jobs)

    method, _count = asyncio.run(run())

    assert method == "api_key"


def test_sdk_session_login_creates_key(server: LiveServer) -> None:
    client = Client.login(EMAIL, PASSWORD, base_url=server.url)

    created = client.keys.create("from a session")

    assert client.session_info is not None
    assert client.session_info.email == EMAIL
    assert created.secret.reveal().startswith("tw_live_")


def test_login_with_token_from_stdin(wave: Wave, fresh_wave: Wave) -> None:
    key = create_key(wave)["secret"]

    done = fresh_wave("auth", "login", "--with-token", input=f"  {key}  \n\n")
    status = fresh_wave.json("auth", "status")

    assert done.returncode == 0, done.stderr
    assert status["method"] == "api_key"
    assert status["source"].startswith("profile ")


def test_login_rejects_bad_key(server: LiveServer, fresh_wave: Wave) -> None:
    done = fresh_wave("auth", "login", "--with-token", input=CANARY + "\n")

    assert done.returncode == EXIT_AUTH
    assert done.stderr.startswith("error: invalid_api_key: ")
    assert CANARY not in done.stdout + done.stderr
    assert CANARY not in server.log()
    assert not (fresh_wave.home / "config" / "config.json").exists()


def test_login_without_terminal_needs_flag(fresh_wave: Wave) -> None:
    done = fresh_wave("auth", "login", input="")

    assert done.returncode == EXIT_USAGE
    assert "--with-token" in done.stderr


def test_wrong_password(fresh_wave: Wave) -> None:
    done = fresh_wave(
        "auth", "login", "--email", EMAIL, "--password-stdin", input="CANARYpassword\n"
    )

    assert done.returncode == EXIT_AUTH
    assert done.stderr.startswith("error: invalid_credentials: ")
    assert "CANARYpassword" not in done.stdout + done.stderr


def test_logout_ends_session(fresh_wave: Wave) -> None:
    fresh_wave.login()
    stored = json.loads((fresh_wave.home / "config" / "config.json").read_text())
    session = stored["profiles"][stored["current"]]["session"]

    done = fresh_wave("auth", "logout")
    after = fresh_wave("auth", "status")
    replay = Client(
        base_url=fresh_wave.server.url, session=SessionAuth(Secret(session))
    )

    assert done.returncode == 0
    assert after.returncode == EXIT_AUTH
    assert "wave auth login" in after.stderr
    with pytest.raises(AuthenticationError):
        replay.auth_test()


def test_world_readable_config_rejected(fresh_wave: Wave) -> None:
    fresh_wave.login()
    (fresh_wave.home / "config" / "config.json").chmod(0o644)

    done = fresh_wave("auth", "status")

    assert done.returncode == 1
    assert "chmod 600" in done.stderr


def test_profiles_chosen_by_name(wave: Wave, fresh_wave: Wave) -> None:
    key = create_key(wave, "-p", "jobs:read")["secret"]
    fresh_wave.login()
    fresh_wave("auth", "login", "--with-token", "--profile", "reader", input=key + "\n")

    as_reader = fresh_wave.json("auth", "status", "--profile", "reader")
    as_owner = fresh_wave.json(
        "auth", "status", "--profile", f"127.0.0.1:{wave.server.port}"
    )

    assert as_reader["method"] == "api_key"
    assert as_owner["method"] == "session"


def test_live_rate_limit_maps_to_exception(server: LiveServer, wave: Wave) -> None:
    owner = Client.login(EMAIL, PASSWORD, base_url=server.url)
    key = owner.keys.create("limited", rate_limit_per_minute=2).secret
    client = Client(api_key=key, base_url=server.url, retry=RetryPolicy(0))

    try:
        for _ in range(5):
            client.auth_test()
    except RateLimitExceeded as error:
        limited: RateLimitExceeded | None = error
    else:
        limited = None
    if limited is None:
        # NOTE: skipped until the server enforces a key's rate_limit_per_minute;
        # the retry behaviour itself is covered against a stub in tests/client.
        pytest.skip("the server does not enforce per-key rate limits yet")

    assert limited.status == 429
    assert limited.retry_after is not None
    assert 0 < limited.retry_after <= 60

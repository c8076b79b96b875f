"""``wave`` in a pseudo-terminal: hidden prompts and the one-time key display."""

from __future__ import annotations

import io
import re

import pexpect
import pytest

from tests.cli.conftest import EMAIL, PASSWORD, Wave
from tests.live import WAVE

pytestmark = pytest.mark.live

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn(wave: Wave, *args: str) -> pexpect.spawn:
    wave.home.mkdir(parents=True, exist_ok=True)
    child = pexpect.spawn(
        WAVE,
        list(args),
        env=wave.environment(),
        cwd=str(wave.home),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    child.logfile_read = io.StringIO()
    return child


def finish(child: pexpect.spawn) -> str:
    """Wait for the command to end; return its whole screen output, plain."""
    child.expect(pexpect.EOF)
    child.close()
    assert isinstance(child.logfile_read, io.StringIO)
    return ANSI.sub("", child.logfile_read.getvalue())


def test_key_prompt_hides_input(wave: Wave, fresh_wave: Wave) -> None:
    key = wave.json("auth", "create-token", "--name", "typed")["secret"]
    child = spawn(fresh_wave, "auth", "login")

    child.expect("Paste your API key")
    child.sendline(key)
    screen = finish(child)

    assert child.exitstatus == 0, screen
    assert "Logged in to" in screen
    assert key not in screen


def test_password_prompt_hides_input(fresh_wave: Wave) -> None:
    child = spawn(fresh_wave, "auth", "login", "--email", EMAIL)

    child.expect("Password")
    child.sendline(PASSWORD)
    screen = finish(child)

    assert child.exitstatus == 0, screen
    assert f"as {EMAIL}" in screen
    assert PASSWORD not in screen


def test_create_token_shows_secret_once(wave: Wave) -> None:
    child = spawn(wave, "auth", "create-token", "--name", "On screen")

    screen = finish(child)

    secret = re.search(r"export TRAINWAVE_API_KEY=(tw_live_\w+)", screen)
    assert child.exitstatus == 0, screen
    assert secret is not None
    assert "Copy this key now: it is shown only once" in screen
    assert screen.count(secret.group(1)) == 2

"""The Python examples of docs/sdk.md, run in order against a live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Wave

pytestmark = pytest.mark.live

SDK_PAGE = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"
BLOCK = re.compile(r"(<!-- not run[^>]*-->\n)?```python\n(.*?)```", re.DOTALL)


def examples() -> list[str]:
    text = SDK_PAGE.read_text()
    return [code for skip, code in BLOCK.findall(text) if not skip]


def test_sdk_page_has_examples() -> None:
    assert len(examples()) >= 6


def test_sdk_examples_run(wave: Wave, monkeypatch: pytest.MonkeyPatch) -> None:
    key = wave.json("auth", "create-token", "--name", "docs")["secret"]
    monkeypatch.setenv("TRAINWAVE_API_KEY", key)
    monkeypatch.setenv("TRAINWAVE_API_URL", wave.server.url)
    namespace: dict[str, object] = {"__name__": "docs_example"}

    for code in examples():
        exec(compile(code, str(SDK_PAGE), "exec"), namespace)  # noqa: S102

    assert "client" in namespace

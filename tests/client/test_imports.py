"""The SDK and CLI install and import without Django."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import trainwave
cheap = "httpx" not in sys.modules
from trainwave import Client, AsyncClient, InvalidAPIKey
import trainwave.client
import trainwave.cli.main
print(cheap, "django" in sys.modules, "ninja" in sys.modules)
"""


def test_sdk_and_cli_import_without_django() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )

    cheap, django_loaded, ninja_loaded = done.stdout.split()
    assert cheap == "True"
    assert django_loaded == "False"
    assert ninja_loaded == "False"


def test_unknown_attribute_raises() -> None:
    import pytest

    import trainwave

    with pytest.raises(AttributeError):
        trainwave.NoSuchThing  # noqa: B018


def test_package_exports_whole_sdk() -> None:
    import trainwave
    import trainwave.client

    assert set(trainwave.__all__) - {"__version__"} == set(trainwave.client.__all__)

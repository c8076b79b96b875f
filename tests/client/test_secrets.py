"""Secrets stay masked in reprs; pasted keys are trimmed."""

from __future__ import annotations

import pickle

import pytest

from trainwave.client import Client, CreatedKey, Secret
from trainwave.client.secrets import mask

CANARY = "tw_live_CANARYsecretsCANARYsecretsCANARYsecr"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (CANARY, "tw_live_...secr"),
        ("short-password", "[secure]"),
        ("x" * 40, "[secure]"),
    ],
    ids=["api-key", "short", "not-a-key"],
)
def test_mask(value: str, shown: str) -> None:
    assert mask(value) == shown


def test_secret_repr_and_str_masked() -> None:
    secret = Secret(CANARY)

    assert CANARY not in repr(secret)
    assert CANARY not in str(secret)
    assert CANARY not in f"{secret}"
    assert secret.reveal() == CANARY


@pytest.mark.parametrize(
    "pasted",
    [CANARY + "\n", "  " + CANARY + "  ", CANARY + "\r\n", "\t" + CANARY + " \n"],
    ids=["newline", "spaces", "crlf", "tab"],
)
def test_pasted_key_trimmed(pasted: str) -> None:
    assert Secret(pasted).reveal() == CANARY


def test_secret_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(CANARY))


def test_client_repr_masks_key() -> None:
    client = Client(api_key=CANARY, base_url="http://127.0.0.1:1")

    assert CANARY not in repr(client)
    assert "tw_live_...secr" in repr(client)


def test_created_key_repr_masks_secret() -> None:
    created = CreatedKey.from_data({"id": "key_1", "name": "n", "secret": CANARY})

    assert CANARY not in repr(created)
    assert "secret" not in created.raw

"""The key format: shape, entropy, checksum and storage form."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from trainwave.server.apikeys import tokens

SOURCE = Path(__file__).resolve().parents[2] / "src" / "trainwave" / "server"


def test_key_shape_and_prefix() -> None:
    key = tokens.generate_key("live")

    assert key.secret.startswith("tw_live_")
    assert len(key.secret) == tokens.KEY_LENGTH == 44
    assert re.fullmatch(r"tw_(live|test)_[0-9A-Za-z]{36}", key.secret)


def test_test_environment_prefix() -> None:
    assert tokens.generate_key("test").secret.startswith("tw_test_")


def test_unknown_environment_rejected() -> None:
    with pytest.raises(ValueError):
        tokens.generate_key("prod")


def test_random_part_has_at_least_160_bits() -> None:
    assert tokens.RANDOM_LENGTH * math.log2(62) >= 160


def test_thousand_keys_are_distinct() -> None:
    secrets = {tokens.generate_key("live").secret for _ in range(1000)}

    assert len(secrets) == 1000


def test_checksum_accepts_generated_keys() -> None:
    key = tokens.generate_key("live").secret

    assert tokens.is_well_formed(key)


@pytest.mark.parametrize(
    "mutation",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),
        lambda k: k[:10] + ("x" if k[10] != "x" else "y") + k[11:],
        lambda k: k.replace("tw_live_", "tw_test_"),
        lambda k: k + "0",
        lambda k: k[:-1],
        lambda k: k + "\n",
        lambda k: " " + k,
    ],
    ids=[
        "checksum-char",
        "body-char",
        "environment",
        "too-long",
        "too-short",
        "newline",
        "space",
    ],
)
def test_checksum_rejects_altered_keys(mutation) -> None:
    key = tokens.generate_key("live").secret

    assert not tokens.is_well_formed(mutation(key))


def test_digest_is_sha256_bytes() -> None:
    key = tokens.generate_key("live")

    assert len(key.digest) == 32
    assert key.digest == tokens.digest_of(key.secret)


def test_hint_shows_prefix_and_last_four() -> None:
    key = tokens.generate_key("live")

    assert key.hint == f"tw_live_...{key.secret[-4:]}"


def test_new_key_repr_hides_secret() -> None:
    key = tokens.generate_key("live")

    assert key.secret not in repr(key)


def test_key_code_never_uses_random_module() -> None:
    for path in [*(SOURCE / "apikeys").glob("*.py"), SOURCE / "ids.py"]:
        text = path.read_text()
        assert not re.search(r"^\s*(import random|from random import)", text, re.M), (
            path
        )


def test_digests_compared_in_constant_time() -> None:
    text = (SOURCE / "apikeys" / "verify.py").read_text()

    assert "hmac.compare_digest(" in text
    assert "digest ==" not in text

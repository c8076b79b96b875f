"""Sealing connection secrets (client secrets, bind passwords) at rest.

The key is derived from the server secret with HKDF-SHA256, so rotating
``TRAINWAVE_SECRET_KEY`` makes stored secrets unreadable: admins then enter
them again. Each value is sealed with AES-256-GCM under a fresh 96-bit nonce,
with the connection ID as associated data, so a sealed blob copied onto
another connection fails to open.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from trainwave.server.config import get_config

VERSION = "v1"
HKDF_INFO = b"trainwave sso connection secrets v1"
NONCE_BYTES = 12


class SecretsUnreadable(Exception):
    """Stored secrets cannot be decrypted (server secret changed, or tampering)."""


def derive_key(server_secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return hkdf.derive(server_secret.encode())


def seal(secrets: dict[str, str], connection_id: str) -> str:
    """Encrypt ``secrets`` for ``connection_id``; an empty dict seals to ''."""
    if not secrets:
        return ""
    nonce = os.urandom(NONCE_BYTES)
    aead = AESGCM(derive_key(get_config().secret_key))
    sealed = aead.encrypt(nonce, json.dumps(secrets).encode(), connection_id.encode())
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(blob: str, connection_id: str) -> dict[str, str]:
    """Decrypt what :func:`seal` produced; raise SecretsUnreadable on failure."""
    if not blob:
        return {}
    version, _, encoded = blob.partition(":")
    if version != VERSION:
        raise SecretsUnreadable(f"unknown secrets format {version!r}")
    raw = base64.b64decode(encoded)
    aead = AESGCM(derive_key(get_config().secret_key))
    try:
        plain = aead.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], connection_id.encode()
        )
    except InvalidTag:
        raise SecretsUnreadable(
            "secrets do not decrypt with this server secret"
        ) from None
    result: dict[str, str] = json.loads(plain)
    return result

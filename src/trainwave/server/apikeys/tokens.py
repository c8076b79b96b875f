"""The API key format: ``tw_<env>_<30 random base62><6 base62 CRC32>``.

Example shape: ``tw_live_`` + 30 characters of CSPRNG output (about 178 bits)
+ 6 characters that encode the CRC32 of everything before them, so a secret
scanner, or this service before any database work, can tell a real key from a
typo or a random string offline. The whole key matches the regular expression
``tw_(live|test)_[0-9A-Za-z]{36}``.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

from trainwave.server.ids import encode_base62, random_base62

ENVIRONMENTS = ("live", "test")
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
KEY_LENGTH = len("tw_live_") + RANDOM_LENGTH + CHECKSUM_LENGTH
# 36 is RANDOM_LENGTH + CHECKSUM_LENGTH, written out for scanners to copy.
KEY_PATTERN = re.compile(r"tw_(live|test)_[0-9A-Za-z]{36}")


def checksum(body: str) -> str:
    """Return the 6-character base62 CRC32 of ``body``."""
    return encode_base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: the secret to show once, and what is stored."""

    secret: str
    digest: bytes
    environment: str
    hint: str

    def __repr__(self) -> str:
        return f"NewKey(environment={self.environment!r}, hint={self.hint!r})"


def generate_key(environment: str) -> NewKey:
    """Generate a new key for ``environment`` (``live`` or ``test``)."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}")
    body = f"tw_{environment}_{random_base62(RANDOM_LENGTH)}"
    secret = body + checksum(body)
    return NewKey(secret, digest_of(secret), environment, hint_of(secret))


def is_well_formed(candidate: str) -> bool:
    """Return whether ``candidate`` has the key shape and a valid checksum."""
    if len(candidate) != KEY_LENGTH or not KEY_PATTERN.fullmatch(candidate):
        return False
    body, check = candidate[:-CHECKSUM_LENGTH], candidate[-CHECKSUM_LENGTH:]
    return checksum(body) == check


def digest_of(secret: str) -> bytes:
    """Return the SHA-256 digest stored in place of the key.

    A plain hash is enough here: the key carries about 178 random bits, so
    there is nothing to brute-force, and unlike a keyed hash it survives a
    change of the server secret.
    """
    return hashlib.sha256(secret.encode("ascii")).digest()


def hint_of(secret: str) -> str:
    """Return the non-secret display form: prefix and the last four characters."""
    return f"{secret[:8]}...{secret[-4:]}"

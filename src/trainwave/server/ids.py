"""Random public identifiers such as ``job_4fJ2...``."""

from __future__ import annotations

import secrets

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def encode_base62(number: int, width: int) -> str:
    """Encode ``number`` in base62, left-padded with zeros to ``width``."""
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def random_base62(length: int) -> str:
    """Return ``length`` base62 characters from the operating system's CSPRNG."""
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_id(prefix: str) -> str:
    """Return a new public ID: the prefix, an underscore and 22 random base62
    characters (about 131 bits), so IDs reveal neither order nor count."""
    return f"{prefix}_{random_base62(22)}"

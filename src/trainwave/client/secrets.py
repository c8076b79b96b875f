"""A wrapper that keeps an API key or session secret out of reprs and logs."""

from __future__ import annotations

import hmac

# Long enough that showing the prefix and the last four characters still hides
# more than 128 bits; anything shorter is shown as a placeholder only.
MIN_HINT_LENGTH = 24


def clean_secret(value: str) -> str:
    """Strip the whitespace and newlines that pasting from a file often adds."""
    return value.strip()


def mask(value: str) -> str:
    """Return the display form of a secret: ``tw_live_...abcd`` or ``[secure]``."""
    if len(value) >= MIN_HINT_LENGTH and value.startswith("tw_"):
        return f"{value[:8]}...{value[-4:]}"
    return "[secure]"


class Secret:
    """A secret string whose ``repr`` and ``str`` are masked.

    Call :meth:`reveal` where the real value is needed, which is only when a
    request header is built or the CLI shows a new key once.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = clean_secret(value)

    def reveal(self) -> str:
        return self._value

    @property
    def hint(self) -> str:
        return mask(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")

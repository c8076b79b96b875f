"""Password rules beyond Django's built-in validators.

The policy is about length and guessability only, with no composition rules:
at least 12 characters (Django's MinimumLengthValidator, set in settings), at
most ``MAX_PASSWORD_LENGTH``, not a common password and not built from the
product's name or the user's email address.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

MAX_PASSWORD_LENGTH = 256
PRODUCT_WORDS = ("trainwave", "wave")
# What must be left of a password once product and account words are removed.
MIN_REMAINDER = 8


class MaximumLengthValidator:
    """Reject passwords longer than ``MAX_PASSWORD_LENGTH`` characters.

    The cap keeps hashing cost bounded; it is far above what people type, and
    passwords are never truncated below it.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                "This password is too long: "
                f"use at most {MAX_PASSWORD_LENGTH} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can have up to {MAX_PASSWORD_LENGTH} characters."


class ProductWordValidator:
    """Reject passwords made mostly of the product's name or the user's email."""

    def validate(self, password: str, user: Any = None) -> None:
        letters = re.sub(r"[^a-z0-9]", "", password.lower())
        words = list(PRODUCT_WORDS)
        email = getattr(user, "email", "") or ""
        local_part = re.sub(r"[^a-z0-9]", "", email.split("@", 1)[0].lower())
        if len(local_part) >= 3:
            words.append(local_part)
        remainder = letters
        for word in sorted(words, key=len, reverse=True):
            remainder = remainder.replace(word, "")
        # Digits appended to a known word ("trainwave2024!") add little.
        if len(remainder.rstrip("0123456789")) < MIN_REMAINDER and remainder != letters:
            raise ValidationError(
                "This password is too close to the product name or your email address.",
                code="password_too_guessable",
            )

    def get_help_text(self) -> str:
        return (
            "Your password can't be built from the product name or your email address."
        )

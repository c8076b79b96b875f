"""Password authentication by email."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from trainwave.server.accounts.models import User, normalize_email


class EmailBackend(BaseBackend):
    """Authenticate a user by email and password.

    An unknown email still runs the password hasher once, and an inactive
    user's password is still checked, so all three failures take the same
    time and an attacker cannot tell which accounts exist.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        email: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not email or password is None:
            return None
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()

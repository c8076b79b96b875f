"""Invalidate cached key verifications whenever a credential's access changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from trainwave.server.accounts.models import Membership, Organization, User
from trainwave.server.apikeys.cache import bump_epoch_after_commit
from trainwave.server.apikeys.models import ApiKey

WATCHED = (ApiKey, Membership, User, Organization)


# Saves that cannot change what a credential may do.
HARMLESS_FIELDS = frozenset(
    {"last_login", "last_used_at", "last_used_ip", "last_used_user_agent"}
)


def on_save(update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= HARMLESS_FIELDS:
        return
    bump_epoch_after_commit()


def on_delete(**kwargs: Any) -> None:
    bump_epoch_after_commit()


def connect() -> None:
    for model in WATCHED:
        name = model.__name__
        post_save.connect(on_save, sender=model, dispatch_uid=f"epoch-save-{name}")
        post_delete.connect(
            on_delete, sender=model, dispatch_uid=f"epoch-delete-{name}"
        )

"""API key tests share the root fixtures; ``with_key`` is re-exported here."""

from tests.conftest import with_key

__all__ = ["with_key"]

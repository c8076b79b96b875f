"""Trainwave: the Python SDK and ``wave`` CLI for the Trainwave API.

``from trainwave import Client`` loads the SDK on first use, so importing the
package alone stays cheap and never imports Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trainwave.client import (
        APIError,
        AsyncClient,
        Client,
        InvalidAPIKey,
        MissingCredentials,
        NotFound,
        PermissionDenied,
        RateLimitExceeded,
        ServerError,
        TrainwaveError,
        ValidationError,
    )

__all__ = [
    "APIError",
    "AsyncClient",
    "Client",
    "InvalidAPIKey",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "RateLimitExceeded",
    "ServerError",
    "TrainwaveError",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        import trainwave.client

        return getattr(trainwave.client, name)
    raise AttributeError(f"module 'trainwave' has no attribute {name!r}")

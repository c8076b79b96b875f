"""Trainwave: the Python SDK and ``wave`` CLI for the Trainwave API.

``from trainwave import Client`` loads the SDK on first use, so importing the
package alone stays cheap and never imports Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trainwave.client import (
        APIConnectionError,
        APIError,
        ApiKey,
        APIKeyWarning,
        AsyncClient,
        AuthenticationError,
        Client,
        ConfigError,
        Conflict,
        CreatedKey,
        Identity,
        InvalidAPIKey,
        Job,
        KeyNotice,
        KeyUsage,
        MissingCredentials,
        NotFound,
        PermissionDenied,
        RateLimitExceeded,
        RetryPolicy,
        Secret,
        ServerError,
        ServiceUnavailable,
        SessionAuth,
        TrainwaveError,
        ValidationError,
    )

# The SDK's public names, importable from ``trainwave`` directly.
__all__ = [
    "APIConnectionError",
    "APIError",
    "APIKeyWarning",
    "ApiKey",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ConfigError",
    "Conflict",
    "CreatedKey",
    "Identity",
    "InvalidAPIKey",
    "Job",
    "KeyNotice",
    "KeyUsage",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "RateLimitExceeded",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "ServiceUnavailable",
    "SessionAuth",
    "TrainwaveError",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        import trainwave.client

        return getattr(trainwave.client, name)
    raise AttributeError(f"module 'trainwave' has no attribute {name!r}")

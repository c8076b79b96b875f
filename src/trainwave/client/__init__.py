"""The Trainwave Python SDK: ``Client``, ``AsyncClient`` and their exceptions.

Importing this package loads httpx but never Django.
"""

from trainwave.client.asynchronous import AsyncClient
from trainwave.client.core import APIKeyWarning, KeyNotice, RetryPolicy
from trainwave.client.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConfigError,
    Conflict,
    InvalidAPIKey,
    MissingCredentials,
    NotFound,
    PermissionDenied,
    RateLimitExceeded,
    ServerError,
    ServiceUnavailable,
    TrainwaveError,
    ValidationError,
)
from trainwave.client.models import ApiKey, CreatedKey, Identity, Job, KeyUsage
from trainwave.client.secrets import Secret
from trainwave.client.settings import SessionAuth
from trainwave.client.sync import Client

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
]

"""The one route of the DRF comparison project."""

from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

PERMISSIONS = sorted(
    ["jobs:read", "jobs:write", "api_keys:read", "api_keys:write", "members:read"]
)


@api_view(["GET"])
def auth_test(request: Request) -> Response:
    """Return a body like ``/api/v1/auth/test/`` once ``HasAPIKey`` accepted the key."""
    prefix = request.headers.get("X-API-KEY", "").partition(".")[0]
    return Response(
        {
            "success": True,
            "data": {
                "method": "api_key",
                "key": {"prefix": prefix},
                "permissions": PERMISSIONS,
            },
        }
    )


urlpatterns = [path("api/v1/auth/test/", auth_test)]

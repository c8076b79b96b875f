"""The product's URL routes plus ``/api/v1/bench/auth/test/`` without authentication."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import path
from ninja import Router

from trainwave.server import health
from trainwave.server.accounts import schemas
from trainwave.server.accounts.api import auth_test
from trainwave.server.accounts.roles import OWNER, role_permissions
from trainwave.server.api import build_api
from trainwave.server.auth import Principal
from trainwave.server.envelope import Envelope, responses

# Shaped like the principal of an owner's key, so both routes return bodies
# of about the same size.
TWIN_PRINCIPAL = Principal(
    method="api_key",
    user_id="usr_0000000000000000000000",
    email="bench-owner@example.com",
    organization_id="org_0000000000000000000000",
    organization_slug="bench",
    role=OWNER,
    permissions=role_permissions(OWNER),
    key_id="key_0000000000000000000000",
    key_name="bench",
    extra={"organization_name": "Bench", "user_name": "Bench Owner"},
)

twin_router = Router()


@twin_router.get(
    "test/",
    auth=None,
    response=responses({200: Envelope[schemas.AuthTestOut]}),
)
def twin_auth_test(request: HttpRequest) -> dict[str, Any]:
    request.principal = TWIN_PRINCIPAL  # type: ignore[attr-defined]
    return auth_test(request)


api = build_api()
api.add_router("/api/v1/bench/auth/", twin_router)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", api.urls),
]

handler400 = "trainwave.server.errors.bad_request"
handler403 = "trainwave.server.errors.permission_denied"
handler404 = "trainwave.server.errors.page_not_found"
handler500 = "trainwave.server.errors.server_error"

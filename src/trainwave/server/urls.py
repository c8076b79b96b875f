"""URL routes: the API, health probes, the dashboard and Django's error handlers."""

from __future__ import annotations

from django.urls import include, path

from trainwave.server import health
from trainwave.server.api import build_api
from trainwave.server.ratelimits.metrics import metrics_view

api = build_api()

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Before the API: ninja answers the site root itself otherwise.
    path("", include("trainwave.server.dashboard.urls")),
    path("auth/sso/", include("trainwave.server.sso.urls")),
    path("", api.urls),
]

handler400 = "trainwave.server.errors.bad_request"
handler403 = "trainwave.server.errors.permission_denied"
handler404 = "trainwave.server.errors.page_not_found"
handler500 = "trainwave.server.errors.server_error"

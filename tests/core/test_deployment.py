"""Production settings pass Django's deployment checks and harden responses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ApiClient

DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))
PRODUCTION_SECRET = "Qm7vR2xK9pL4wT8zN1cF6hJ3bD5gS0aY-eU_iO" + "q" * 20
SETTINGS_PROBE = """
import json
import django
django.setup()
from django.conf import settings as s
print(json.dumps([
    s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,
    s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.DEBUG, s.CSRF_TRUSTED_ORIGINS,
]))
"""


def production_check(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgresql://app@db.internal:5432/trainwave",
        "TRAINWAVE_SECRET_KEY": PRODUCTION_SECRET,
        "TRAINWAVE_ALLOWED_HOSTS": "api.example.com",
        "DJANGO_SETTINGS_MODULE": "trainwave.server.settings",
        **extra,
    }
    return subprocess.run(
        [DJANGO_ADMIN, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_in_production() -> None:
    done = production_check()

    assert done.returncode == 0, done.stderr


def test_production_settings_values() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgresql://app@db.internal:5432/trainwave",
        "TRAINWAVE_SECRET_KEY": PRODUCTION_SECRET,
        "TRAINWAVE_ALLOWED_HOSTS": "api.example.com",
        "DJANGO_SETTINGS_MODULE": "trainwave.server.settings",
    }

    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    secure, csrf_secure, httponly, samesite, hsts, debug, origins = json.loads(
        done.stdout
    )
    assert secure is True
    assert csrf_secure is True
    assert httponly is True
    assert samesite == "Lax"
    assert hsts >= 31536000
    assert debug is False
    assert not any("*" in origin for origin in origins)


@pytest.mark.django_db
def test_unknown_host_is_400(client: ApiClient) -> None:
    response = client.get("/api/v1/jobs/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "bad_request"


@pytest.mark.django_db
def test_no_cors_for_foreign_origin(client: ApiClient) -> None:
    response = client.options(
        "/api/v1/auth/keys/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key",
    )

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_frame_denial_and_nosniff_everywhere(client: ApiClient) -> None:
    for path in ("/auth/csrf/", "/api/v1/jobs/", "/healthz", "/nothing-here"):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.django_db
def test_forwarded_proto_ignored_from_untrusted_peer(client: ApiClient) -> None:
    response = client.get("/auth/csrf/", HTTP_X_FORWARDED_PROTO="https")

    assert response.cookies["csrftoken"]["secure"] == ""

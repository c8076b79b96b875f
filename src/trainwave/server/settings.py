"""Django settings, derived from the typed configuration in ``config.py``.

Nothing here reads the environment directly: operators change the service
through the variables documented in docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainwave.server.config import get_config

CONFIG = get_config()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(CONFIG.csrf_trusted_origins)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "ninja",
    "trainwave.server.accounts",
    "trainwave.server.audit",
    "trainwave.server.apikeys",
    "trainwave.server.jobs",
    "trainwave.server.dashboard",
    "trainwave.server.sso",
]

MIDDLEWARE = [
    "trainwave.server.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "trainwave.server.middleware.ApiContentMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trainwave.server.ratelimits.middleware.RateLimitMiddleware",
    "trainwave.server.dashboard.access.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "trainwave.server.urls"
WSGI_APPLICATION = "trainwave.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
        },
    }
]


def database_settings() -> dict[str, Any]:
    db = CONFIG.database
    if db.is_postgresql:
        # A query that waits longer than the statement timeout (a lock, an
        # overloaded server) fails and becomes a 503 instead of holding a
        # worker. The connect timeout does the same for an unreachable server.
        options: dict[str, Any] = {
            "connect_timeout": 5,
            "options": f"-c statement_timeout={CONFIG.db_statement_timeout_ms}",
            **db.options,
        }
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db.name,
            "USER": db.user,
            "PASSWORD": db.password,
            "HOST": db.host,
            "PORT": db.port,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": db.name,
        "OPTIONS": {
            # WAL lets readers work while one writer commits; IMMEDIATE
            # transactions take the write lock up front, so two writers wait
            # for each other instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["trainwave.server.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
DJANGO_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": f"{DJANGO_VALIDATORS}.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email",)},
    },
    {
        "NAME": f"{DJANGO_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "trainwave.server.accounts.passwords.MaximumLengthValidator"},
    {"NAME": f"{DJANGO_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": "trainwave.server.accounts.passwords.ProductWordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CONFIG.production
SESSION_COOKIE_AGE = CONFIG.session_absolute_seconds
CSRF_COOKIE_NAME = "csrftoken"
CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = CONFIG.production
CSRF_FAILURE_VIEW = "trainwave.server.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# TLS ends at the load balancer, which redirects the dashboard to HTTPS. The
# server itself never redirects: a client that sent an API key over plain
# HTTP has already leaked it, and a silent redirect would hide the mistake.
# HSTS preload is a decision for the operator's domain, not for this package.
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]
if CONFIG.production:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bodies above this size are rejected with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(CONFIG.data_dir / "static")

NINJA_PAGINATION_PER_PAGE = 50

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "trainwave.server.logs.JsonFormatter"},
        "text": {"()": "trainwave.server.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if CONFIG.log_format == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        # Django's request logger repeats what the access log already records,
        # and its 404 lines would print unredacted URLs.
        "django.request": {"level": "CRITICAL", "propagate": True},
        "django.server": {"level": "CRITICAL", "propagate": True},
        # A foreign Host header gets a 400. Django would also log it with a
        # traceback at error level, which any client could trigger.
        "django.security.DisallowedHost": {"level": "CRITICAL", "propagate": True},
    },
}

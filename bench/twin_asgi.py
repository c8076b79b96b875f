"""ASGI entry point of the twin settings, for the uvicorn comparison."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.twin_settings")

application = get_asgi_application()

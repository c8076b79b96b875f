"""WSGI entry point: ``trainwave.server.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainwave.server.settings")

application = get_wsgi_application()

from django.http import HttpRequest

from trainwave.server.auth import Principal
from trainwave.server.errors import InvalidApiKey


def authenticate_api_key(request: HttpRequest, key: str) -> Principal:
    raise InvalidApiKey()

"""What happens after a response to a request made with an API key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from trainwave.server import clock
from trainwave.server.apikeys.usage import usage_recorder
from trainwave.server.apikeys.verify import key_notice_headers


def after_key_response(request: HttpRequest, response: HttpResponse) -> None:
    """Count an error response against the key, and warn of a coming cutoff."""
    key = request.api_key  # type: ignore[attr-defined]
    now = clock.now()
    if response.status_code >= 400:
        usage_recorder.record_outcome(key.key_id, now, response.status_code)
    principal = getattr(request, "principal", None)
    if principal is not None:
        for name, value in key_notice_headers(principal, now).items():
            response[name] = value

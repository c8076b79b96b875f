"""Server-side fetches of IdP documents (OIDC discovery and keys, SAML metadata).

Short timeouts, no redirects (a redirect could point at an internal host),
and only http(s) URLs, which ``connections.check_url`` already enforced when
the admin saved them. Results are cached in this process for a few minutes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

TIMEOUT_SECONDS = 5
CACHE_SECONDS = 300
MAX_DOCUMENT_BYTES = 512 * 1024

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class FetchFailed(Exception):
    """An IdP document could not be fetched or is not a JSON object."""


def get(url: str, accept: str) -> requests.Response:
    try:
        response = requests.get(
            url,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            headers={"Accept": accept},
        )
    except requests.RequestException as error:
        raise FetchFailed(f"{url}: {type(error).__name__}") from None
    if response.status_code != 200:
        raise FetchFailed(f"{url}: HTTP {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise FetchFailed(f"{url}: document too large")
    return response


def fetch_text(url: str) -> str:
    """Return the document at ``url`` as text (SAML metadata); never cached."""
    return get(url, "application/samlmetadata+xml, application/xml").text


def fetch_json(url: str, *, fresh: bool = False) -> dict[str, Any]:
    """Return the JSON object at ``url``, from the cache unless ``fresh``."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
    if cached is not None and not fresh and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    response = get(url, "application/json")
    try:
        document = response.json()
    except ValueError:
        raise FetchFailed(f"{url}: not JSON") from None
    if not isinstance(document, dict):
        raise FetchFailed(f"{url}: not a JSON object")
    with _lock:
        _cache[url] = (now, document)
    return document


def clear_cache() -> None:
    with _lock:
        _cache.clear()

"""URLs in SDK messages never carry a user name or password."""

from __future__ import annotations

import pytest

from trainwave.client.core import display_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pa55word@127.0.0.1:18999", "http://127.0.0.1:18999"),
        ("https://token@api.example.com/base", "https://api.example.com/base"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://u:p@[::1]:8000", "http://[::1]:8000"),
    ],
    ids=["user-and-password", "user-only", "plain-ipv6", "ipv6-with-password"],
)
def test_display_url_drops_credentials(url: str, shown: str) -> None:
    assert display_url(url) == shown

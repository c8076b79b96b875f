"""Resolve the client's IP address, trusting only configured proxies.

The address comes from the socket (``REMOTE_ADDR``). Only when that peer is in
a trusted proxy network is ``X-Forwarded-For`` read, from the right, skipping
entries that are themselves trusted proxies: the first untrusted entry is the
client. Entries further left were written by the client and are ignored, so
rotating them gains an attacker nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "0.0.0.0"  # noqa: S104 - a placeholder value, never bound


def parse_address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        # An IPv4 address with a port, as some proxies write it.
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(
        address.version == network.version and address in network for network in proxies
    )


def resolve_client_ip(
    remote_addr: str, forwarded_for: str, proxies: Sequence[Network]
) -> str:
    """Return the client IP for a request, as a normalised string."""
    peer = parse_address(remote_addr or "")
    if peer is None:
        return UNKNOWN
    if not proxies or not is_trusted(peer, proxies) or not forwarded_for:
        return str(peer)
    client = peer
    for entry in reversed(forwarded_for.split(",")):
        hop = parse_address(entry)
        if hop is None:
            # A malformed hop means the chain can no longer be trusted: stop at
            # the last address a trusted proxy vouched for.
            break
        client = hop
        if not is_trusted(hop, proxies):
            break
    return str(client)


def rate_limit_identity(ip: str) -> str:
    """Return the identity an IP is rate limited under: IPv6 clients per /64."""
    address = parse_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return ip

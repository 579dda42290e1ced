"""Target URL validation: in production a webhook may not point at loopback or private networks (SSRF)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from notifier.subscriptions.errors import UnsafeTargetUrl


def is_public(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and other non-global addresses."""
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


async def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeTargetUrl(f"url: host {host!r} does not resolve") from exc
    return [info[4][0] for info in infos]


async def validate_target(url: str, environment: str) -> None:
    """Refuse URLs a partner must not make us call; loopback and private hosts are allowed outside production."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTargetUrl("url: must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise UnsafeTargetUrl("url: must not carry credentials")
    if environment != "production":
        return
    if parts.scheme != "https":
        raise UnsafeTargetUrl("url: must use https")
    port = parts.port or 443
    if not all(is_public(address) for address in await _addresses(parts.hostname, port)):
        raise UnsafeTargetUrl("url: points at a loopback, private or reserved address")

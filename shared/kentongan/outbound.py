"""The one outbound-URL policy: where the platform may send a request on someone else's say-so (SSRF).

Every URL that is stored or called for a partner, a representative, a provider or a camera goes through it:

- `url_problem(url, policy)` -> why the URL is refused, or None. Syntactic: the scheme, no ambiguous
  characters, and the host in every spelling a client would accept (`2852039166`, `0xa9.0xfe.0xa9.0xfe`,
  `0251.0376.0251.0376`, `127.1`, `[::ffff:169.254.169.254]`, `localhost.`, full-width digits, ...) read
  as the address it means, then judged. Use it in settings validators.
- `check_url(url, field, policy)` raises `UnsafeUrl` (422, naming the field); `check_url_resolved` also
  resolves a host name and judges every address it has now (API endpoints that store a URL).
- `outbound_client(policy, ...)`: the httpx client to call such URLs with. Its transport judges each
  request's host, and its resolver judges every address a name resolves to at connect time, so a name that
  was public when stored and later points inside (DNS rebinding) is never connected to. Redirects are not
  followed; proxies from the environment are ignored; no cookies are kept. Its `post_raw` sends a POST under
  the same policy and pool without httpx's request and response layers, for senders on a hot path.

What is refused: loopback, private (RFC 1918, unique-local, shared 100.64/10, documentation and other
non-global ranges), link-local, multicast, reserved and unspecified addresses, and cloud metadata endpoints.
`KENTONGAN_OUTBOUND_ALLOW_PRIVATE=true` allows loopback and private ranges (`make run` and tests with local
receivers); `KENTONGAN_OUTBOUND_ALLOWED_NETWORKS` (CIDRs) allows exactly those networks, e.g. a provider on
an internal network. Metadata endpoints are refused whatever the settings.
"""

import asyncio
import errno
import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from httpx_aiohttp import AiohttpTransport

from kentongan.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services (AWS, GCP, Azure, Alibaba, ECS task metadata, AWS over IPv6) and their names:
# refused even when private targets are allowed, because they hand out the platform's cloud credentials.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                            "instance-data.ec2.internal", "metadata.azure.internal"})
# Networks cameras live on: a city's NVRs sit on private LANs, so camera URLs may name them by default
# (loopback, link-local and metadata stay refused; see cctv-ingest's README).
PRIVATE_LANS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")
# Characters URL parsers disagree on (a backslash is a slash to browsers and some clients, not to others).
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")


class UnsafeUrl(ServiceError):
    """This URL may not be stored or called."""

    status_code = 422
    error = "invalid_url"

    def __init__(self, field: str, message: str) -> None:
        super().__init__([{"field": field, "message": message}])
        self.field, self.message = field, message


@dataclass(frozen=True)
class OutboundPolicy:
    """Which addresses outbound requests may reach; built from the settings (`settings.outbound_policy()`)."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    schemes: frozenset[str] = field(default_factory=lambda: frozenset({"http", "https"}))

    def allowing(self, networks: Iterable[IPNetwork]) -> "OutboundPolicy":
        """This policy, with these networks allowed too."""
        return replace(self, allowed_networks=(*self.allowed_networks, *networks))

    def with_schemes(self, *schemes: str) -> "OutboundPolicy":
        return replace(self, schemes=frozenset(schemes))

    def address_problem(self, ip: IPAddress) -> str | None:
        """Why a connection to `ip` is refused, or None."""
        ip = _canonical(ip)
        kind = address_kind(ip)
        if kind is None:
            return None
        if kind == "a cloud metadata address":
            return kind
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return None
        if self.allow_private and kind in ("a loopback address", "a private address"):
            return None
        return kind


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """`10.20.0.0/16, fd12::/48` -> networks; ValueError naming the bad entry."""
    networks = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not a network (CIDR)") from exc
    return tuple(networks)


def _canonical(ip: IPAddress) -> IPAddress:
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64, 6to4 or Teredo address reaches."""
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo else None


def address_kind(ip: IPAddress) -> str | None:
    """What kind of non-public address `ip` is ("a loopback address", ...), or None for a public one."""
    ip = _canonical(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and address_kind(embedded) is not None:
            return address_kind(embedded)
        if ip in _IPV4_COMPATIBLE:  # IPv4-compatible (deprecated), and `::`, `::1`
            return "a loopback address" if ip.is_loopback else "a reserved address"
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if (ip.is_multicast or ip.is_unspecified or ip.is_reserved
            or (ip.version == 4 and ip in _THIS_NETWORK)):
        return "a reserved address"
    if ip.is_loopback:
        return "a loopback address"
    if not ip.is_global:
        return "a private address"
    return None


def _ipv4_from_numbers(host: str) -> ipaddress.IPv4Address:
    """inet_aton's reading of a numeric host: 1-4 parts, each decimal, 0x-hex or 0-octal, the last one
    filling the remaining bytes (`127.1` is 127.0.0.1, `2852039166` is 169.254.169.254)."""
    parts = host.split(".")
    numbers = [int(p, 16) if p.startswith("0x") else int(p, 8) if len(p) > 1 and p.startswith("0") else int(p)
               for p in (p if p != "0x" else "0x0" for p in parts)]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is not an IPv4 address")
    value = last
    for index, number in enumerate(leading):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def canonical_host(host: str) -> str | IPAddress:
    """The address or the lower-case ASCII name a client connects to for `host`; ValueError if none."""
    host = host.removeprefix("[").removesuffix("]")
    if not host.isascii():  # full-width digits and ideographic dots: IDNA maps them to what clients use
        host = host.encode("idna").decode("ascii")
    host = host.lower().rstrip(".")
    if ":" in host:
        return ipaddress.IPv6Address(host)  # a zone id (`%eth0`) is refused as ambiguous before this
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(host)
        except ValueError:
            return _ipv4_from_numbers(host)
    if not _NAME.match(host) or host.rsplit(".", 1)[-1].isdigit():
        raise ValueError(f"{host!r} is not a host name")
    return host


def host_problem(host: str, policy: OutboundPolicy) -> str | None:
    """Why `host` (as written in a URL) may not be reached without resolving it, or None."""
    try:
        found = canonical_host(host)
    except (ValueError, UnicodeError):
        return "the host is not a valid name or address"
    if isinstance(found, str):
        if found in METADATA_NAMES:
            return "the host is a cloud metadata address"
        if found == "localhost" or found.endswith(".localhost"):
            return None if policy.allow_private else "the host is a loopback address"
        return None
    problem = policy.address_problem(found)
    return f"the host is {problem}" if problem else None


@lru_cache(maxsize=4096)  # the client judges every request; most go to a few provider and partner URLs
def url_problem(url: str, policy: OutboundPolicy, *, credentials: bool = False) -> str | None:
    """Why `url` may not be stored or called under `policy` (without resolving its host), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in policy.schemes:
        return f"must be an absolute {' or '.join(sorted(policy.schemes))} URL"
    host = parts.netloc.rpartition("@")[2]
    if not parts.hostname or _AMBIGUOUS.search(parts.netloc) or "%" in host:
        return "must name a host, without spaces, backslashes or percent-escapes in it"
    if not credentials and "@" in parts.netloc:
        return "must not carry credentials"
    if port == 0:
        return "port 0 is not a port"
    problem = host_problem(parts.hostname, policy)
    if problem is None and not _same_host_for_httpx(url, parts.hostname):
        return "the host is written ambiguously"
    return problem


def _same_host_for_httpx(url: str, host: str) -> bool:
    """httpx (which sends the request) reads the same host as the check did."""
    try:
        return canonical_host(httpx.URL(url).host) == canonical_host(host)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return False


def check_url(url: str, field: str, policy: OutboundPolicy, *, credentials: bool = False) -> str:
    """`url` if the policy allows it; UnsafeUrl (422 naming `field`) if not."""
    problem = url_problem(url, policy, credentials=credentials)
    if problem:
        raise UnsafeUrl(field, problem)
    return url


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` has now (an address literal: itself)."""
    found = canonical_host(host)
    if not isinstance(found, str):
        return [found]
    infos = await asyncio.wait_for(
        asyncio.get_running_loop().getaddrinfo(found, port, type=socket.SOCK_STREAM), timeout=5)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def check_url_resolved(url: str, field: str, policy: OutboundPolicy, *,
                             credentials: bool = False) -> str:
    """`check_url`, and the host's every current address allowed too (a name that does not resolve is
    refused: nothing could be delivered to it)."""
    check_url(url, field, policy, credentials=credentials)
    parts = urlsplit(url)
    try:
        addresses = await resolve(parts.hostname or "", parts.port or 443)
    except (OSError, TimeoutError) as exc:
        raise UnsafeUrl(field, f"the host {parts.hostname!r} does not resolve") from exc
    for address in addresses:
        problem = policy.address_problem(address)
        if problem:
            raise UnsafeUrl(field, f"the host resolves to {problem}")
    return url


def resolved_url_problem(url: str, policy: OutboundPolicy, *, credentials: bool = False) -> str | None:
    """`url_problem`, then every address the host has now judged too. Blocking (call it from a thread): for
    clients the policy cannot hook into, such as FFmpeg; they resolve again, so this narrows the DNS-rebinding
    window to milliseconds rather than closing it."""
    problem = url_problem(url, policy, credentials=credentials)
    if problem:
        return problem
    parts = urlsplit(url)
    found = canonical_host(parts.hostname or "")
    if not isinstance(found, str):
        return None
    try:
        infos = socket.getaddrinfo(found, parts.port or 0, type=socket.SOCK_STREAM)
    except OSError:
        return None  # nothing to connect to: the client's own error says so
    for info in infos:
        problem = policy.address_problem(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        if problem:
            return f"the host resolves to {problem}"
    return None


class PolicyResolver(AbstractResolver):
    """aiohttp's default resolver, keeping only the addresses the policy allows: connections only ever go to
    an address judged here, at connect time (DNS rebinding)."""

    def __init__(self, policy: OutboundPolicy, resolver: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._resolver = resolver or aiohttp.DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        allowed = [r for r in found if self._policy.address_problem(ipaddress.ip_address(r["host"])) is None]
        if not allowed:
            raise OSError(errno.EHOSTUNREACH,
                          f"{host} resolves to no address the outbound policy allows; not sent")
        return allowed

    async def close(self) -> None:
        await self._resolver.close()


class RefusedByPolicy(httpx.ConnectError):
    """The outbound policy refused the request's URL before any connection was made."""


class PolicyTransport(httpx.AsyncBaseTransport):
    """Judges each request's URL (scheme and host literal; names are judged by `PolicyResolver` once
    resolved) before handing it to the inner transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: OutboundPolicy) -> None:
        self._inner, self._policy = inner, policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        problem = url_problem(str(request.url), self._policy, credentials=True)
        if problem:
            raise RefusedByPolicy(f"outbound policy: {problem}; not sent", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def outbound_client(policy: OutboundPolicy, *, concurrency: int = 100, timeout_s: float = 10.0,
                          resolver: AbstractResolver | None = None) -> AsyncIterator["OutboundClient"]:
    """A pooled httpx client that reaches only what `policy` allows, at connect time. It runs on aiohttp's
    transport (httpx-aiohttp): httpx's own transport cost ~1.7 ms of CPU per request on a 2-core machine,
    aiohttp's ~0.2 ms through the same httpx API. Redirects are not followed (a redirect target was never
    checked); proxy settings from the environment are ignored; no cookies are kept, so one endpoint can never
    hand something to the next request. `resolver`: the DNS resolver whose answers are judged (aiohttp's
    default). Its `post_raw` sends a POST on the same pool and policy without httpx's layers (hot paths)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=0,
                                                                   resolver=PolicyResolver(policy, resolver)),
                                    cookie_jar=aiohttp.DummyCookieJar())
    transport = PolicyTransport(AiohttpTransport(client=session), policy)
    async with OutboundClient(session, policy, timeout_s, transport=transport, timeout=timeout_s,
                              follow_redirects=False, trust_env=False) as client:
        yield client


class _NoCookies(httpx.Cookies):
    """A cookie jar that never takes one: httpx offers every response to the client's jar, and turning it into
    the standard library's request and response objects to be refused cost ~7% of the notifier's CPU."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


# What `OutboundClient.post_raw` raises when no answer came: refused by the policy (`RefusedByPolicy`, an
# httpx.HTTPError), a connection or protocol failure, or the timeout.
OUTBOUND_ERRORS = (httpx.HTTPError, aiohttp.ClientError, TimeoutError)


class OutboundClient(httpx.AsyncClient):
    """The client `outbound_client` yields: httpx's API, a jar that stays empty (`_NoCookies`), and `post_raw`
    for senders that need only the status and a bounded body."""

    def __init__(self, session: aiohttp.ClientSession, policy: OutboundPolicy, timeout_s: float,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._no_cookies = _NoCookies()
        self._session, self._policy = session, policy
        self._raw_timeout = aiohttp.ClientTimeout(connect=timeout_s, sock_connect=timeout_s,
                                                  sock_read=timeout_s)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("this client keeps no cookies")

    async def post_raw(self, url: str, content: bytes, headers: dict[str, str], *,
                       max_bytes: int = 64 * 1024) -> tuple[int, bytes]:
        """POST `content` to `url` on the pooled keep-alive connections, judged by the same policy as every
        request: (status, at most `max_bytes` of the answer; with 0 the body is not read, and a connection
        still receiving one is closed). Raises one of `OUTBOUND_ERRORS` when there is no answer. httpx's
        request and response objects around aiohttp cost more CPU than the request itself (the notifier)."""
        problem, target = _raw_target(url, self._policy)
        if target is None:
            raise RefusedByPolicy(f"outbound policy: {problem}; not sent")
        async with self._session.post(target, data=content, headers=headers, allow_redirects=False,
                                      timeout=self._raw_timeout) as response:
            return response.status, await _read_at_most(response.content, max_bytes)


@lru_cache(maxsize=4096)
def _raw_target(url: str, policy: OutboundPolicy) -> tuple[str | None, yarl.URL | None]:
    """(why refused, None) or (None, the URL given to aiohttp), which must read the host the check read."""
    problem = url_problem(url, policy, credentials=True)
    if problem:
        return problem, None
    try:
        target = yarl.URL(url)
        same = canonical_host(target.raw_host or "") == canonical_host(urlsplit(url).hostname or "")
    except (ValueError, UnicodeError):
        same = False
    return (None, target) if same else ("the host is written ambiguously", None)


async def _read_at_most(stream: aiohttp.StreamReader, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < max_bytes:
        chunk = await stream.read(max_bytes - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)

"""A per-key rate limiter, kept in process memory, and the client address that anonymous limits key on.

Each replica limits on its own, so the effective limit scales with replicas; good enough to stop a stuck
button or a runaway client without a shared store.

It is a sliding-window counter: the hits of the current fixed window plus the previous window's, weighted by
how much of the previous window still lies inside the sliding one. Each key keeps three numbers in a tuple,
whatever its limit: the garbage collector ignores such tuples, where a log of hit times per key (a deque per
device) had it walk every key on each full collection, stalling every request in flight.
"""

import ipaddress
import math
import time
from collections.abc import Callable, Iterable

from starlette.requests import Request

from kentongan.errors import TooManyRequests
from kentongan.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# An IPv6 subscriber is usually given a whole /64: one client, however many addresses it picks from it.
IPV6_CLIENT_PREFIX = 64


class RateLimiter:
    def __init__(self, limit: int, window_s: float, max_keys: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._windows: dict[str, tuple[int, int, int]] = {}  # key -> (window number, its hits, previous one's)

    def check(self, key: str) -> None:
        """Count a request for `key`; raise TooManyRequests (429, with the seconds to wait) past the limit."""
        now = self._clock()
        window = int(now // self._window_s)
        state = self._windows.get(key)
        if state is None and len(self._windows) >= self._max_keys:
            self._forget_idle(window)
        hits, previous = _counts(state, window)
        elapsed = now / self._window_s - window  # of the current window, 0..1
        if previous * (1 - elapsed) + hits >= self._limit:
            self._windows[key] = (window, hits, previous)
            raise TooManyRequests(self._retry_after_s(hits, previous, elapsed))
        self._windows[key] = (window, hits + 1, previous)

    def _retry_after_s(self, hits: int, previous: int, elapsed: float) -> int:
        """Whole seconds until the previous window's weight has faded enough for one more request (or, when the
        current window alone is full, until it ends)."""
        room = self._limit - 1 - hits
        wait = 1 - elapsed if room < 0 or previous == 0 else max(0.0, 1 - room / previous - elapsed)
        return max(1, math.ceil(round(wait * self._window_s, 6)))  # 9.000000000000002 s is 9 s

    def _forget_idle(self, window: int) -> None:
        idle = [key for key, (number, _, _) in self._windows.items() if number < window - 1]
        for key in idle:
            del self._windows[key]


def _counts(state: tuple[int, int, int] | None, window: int) -> tuple[int, int]:
    """(hits in the current window, hits in the one before) for a key last seen in `state`."""
    if state is None:
        return 0, 0
    number, hits, previous = state
    if number == window:
        return hits, previous
    if number == window - 1:
        return 0, hits
    return 0, 0


def client_key(request: Request) -> str:
    """What anonymous limits count per: the client's address (`client_address`), an IPv6 one by its /64."""
    address = client_address(request)
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return address


def client_address(request: Request) -> str:
    """The client's address: the connecting peer, unless that peer is a trusted proxy
    (KENTONGAN_TRUSTED_PROXIES); then the address that proxy (and any trusted one before it) was reached from,
    read from X-Forwarded-For right to left. A header from anyone else is ignored: it is the sender's word."""
    peer = request.client.host if request.client else "unknown"
    trusted = request.app.state.settings.trusted_proxy_networks
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)


def forwarded_client(peer: str, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """`client_address` on plain values. Each trusted proxy appends the address it was reached from, so the
    right-most entry not itself a trusted proxy is the client; entries left of it came from the client."""
    if not _trusted(_parse(peer), trusted):
        return peer
    client = peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return client  # unreadable: keep the last address a trusted hop vouched for
        client = str(address)
        if not _trusted(address, trusted):
            return client
    return client


def _trusted(address: Address | None, trusted: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _parse(value: str) -> Address | None:
    """An address, with a port (`1.2.3.4:80`, `[2001:db8::1]:80`) dropped and IPv4-mapped IPv6 as IPv4."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address

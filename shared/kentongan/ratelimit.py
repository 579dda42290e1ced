"""A per-key rate limiter, kept in process memory.

Each replica limits on its own, so the effective limit scales with replicas; good enough to stop a stuck
button or a runaway client without a shared store.

It is a sliding-window counter: the hits of the current fixed window plus the previous window's, weighted by
how much of the previous window still lies inside the sliding one. Each key keeps three numbers in a tuple,
whatever its limit: the garbage collector ignores such tuples, where a log of hit times per key (a deque per
device) had it walk every key on each full collection, stalling every request in flight.
"""

import math
import time
from collections.abc import Callable

from kentongan.errors import TooManyRequests


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

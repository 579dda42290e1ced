"""A per-key sliding-window rate limiter, kept in process memory.

Each replica limits on its own, so the effective limit scales with replicas; good enough to stop a stuck
button or a runaway client without a shared store.
"""

import time
from collections import deque

from kentongan.errors import TooManyRequests


class RateLimiter:
    def __init__(self, limit: int, window_s: float, max_keys: int = 200_000) -> None:
        self._limit = limit
        self._window_s = window_s
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        """Count a request for `key`; raise TooManyRequests (429) past the limit."""
        now = time.monotonic()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self._window_s:
            hits.popleft()
        if len(hits) >= self._limit:
            raise TooManyRequests(max(1, int(hits[0] + self._window_s - now) + 1))
        hits.append(now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, h in self._hits.items() if not h or h[-1] <= now - self._window_s]
        for key in idle:
            del self._hits[key]

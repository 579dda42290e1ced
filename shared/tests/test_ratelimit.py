import pytest

from kentongan.errors import TooManyRequests
from kentongan.ratelimit import RateLimiter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _hits_allowed(limiter: RateLimiter, key: str, tries: int) -> int:
    allowed = 0
    for _ in range(tries):
        try:
            limiter.check(key)
            allowed += 1
        except TooManyRequests:
            pass
    return allowed


def test_the_limit_holds_within_a_window_and_each_key_has_its_own():
    clock = Clock(6_000.0)  # the start of a 60-s window
    limiter = RateLimiter(5, 60, clock=clock)
    assert _hits_allowed(limiter, "device-a", 8) == 5
    assert _hits_allowed(limiter, "device-b", 1) == 1
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("device-a")
    assert refused.value.headers["Retry-After"] == "60"  # the window alone is full: wait for its end


def test_the_previous_window_counts_by_how_much_of_it_still_slides_along():
    clock = Clock(6_000.0)
    limiter = RateLimiter(10, 60, clock=clock)
    assert _hits_allowed(limiter, "device", 10) == 10
    clock.now += 60 + 15  # a quarter into the next window: the full previous one still weighs 3/4, 7.5 hits
    assert _hits_allowed(limiter, "device", 5) == 3  # 7.5, 8.5 and 9.5 are under 10
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("device")
    # 3 hits now; one more fits when the previous window weighs 6 or less, 40% into this one: 9 s from now.
    assert refused.value.headers["Retry-After"] == "9"
    clock.now += 120  # two windows on, nothing of the past counts
    assert _hits_allowed(limiter, "device", 12) == 10


def test_idle_keys_are_forgotten_when_the_table_is_full():
    clock = Clock(6_000.0)
    limiter = RateLimiter(1, 60, max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        limiter.check(key)
    clock.now += 180
    limiter.check("d")
    assert set(limiter._windows) == {"d"}

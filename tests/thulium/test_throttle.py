"""The limits on requests to Thulium: the rate limit holds in any one-second window (a fake
clock), the pacer spreads request starts over a round trip, never slower than the slots allow;
`thulium_limits()` builds the shared limits from the settings.

(The concurrency and rate limiters across threads and processes, and in Redis, are tested in
`tests/production/test_limits.py`, which starts processes.)"""

from __future__ import annotations

import pytest

from thuladmin.thulium.throttle import (
    MAX_PACED_ROUND_TRIP_SECONDS,
    ConcurrencyLimiter,
    MemoryRateWindows,
    Pacer,
    RateLimiter,
    RedisRateWindows,
    rate_windows,
    thulium_limits,
)


class FakeWallClock:
    """A clock moved on by hand, or by sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _rate_limiter(
    per_second: float, clock: FakeWallClock, *, margin: float = 0.0, windows=None
) -> RateLimiter:
    return RateLimiter(
        per_second,
        key="t-rate",
        margin=margin,
        windows=windows or MemoryRateWindows(),
        clock=clock.time,
        sleep=clock.sleep,
    )


# --- RateLimiter: a moving window --------------------------------------------------------------


def test_ten_at_the_end_of_one_second_leave_no_room_at_the_start_of_the_next():
    clock = FakeWallClock()
    limiter = _rate_limiter(10, clock)
    late_in_one_second = [1000.50 + 0.05 * index for index in range(10)]
    early_in_the_next = [1001.00 + 0.05 * index for index in range(10)]

    allowed = []
    for moment in late_in_one_second + early_in_the_next:
        clock.now = moment
        allowed.append(limiter.try_acquire())

    # A window per clock second would let all 20 through: 20 within 1000.50 - 1001.45.
    assert allowed == [True] * 10 + [False] * 10
    clock.now = 1001.50  # the first of the ten is now a second old: one more may go
    assert limiter.try_acquire()
    assert not limiter.try_acquire()


def test_acquire_waits_until_the_oldest_request_in_the_window_is_a_second_old():
    clock = FakeWallClock()
    limiter = _rate_limiter(10, clock)
    for index in range(10):
        clock.now = 1000.50 + 0.05 * index
        limiter.acquire()
    assert clock.slept == []

    clock.now = 1001.10
    limiter.acquire()

    assert clock.now == pytest.approx(1001.50, abs=0.01)


def test_the_margin_makes_the_window_a_little_longer_than_a_second():
    clock = FakeWallClock()
    limiter = _rate_limiter(10, clock, margin=0.05)
    for index in range(10):
        clock.now = 1000.50 + 0.05 * index
        limiter.acquire()

    clock.now = 1001.52
    assert not limiter.try_acquire(), "the first of the ten went 1.02 s ago: within 1.05"
    limiter.acquire()

    assert clock.now == pytest.approx(1001.55, abs=0.01)


def test_waiting_for_room_counts_nothing_until_the_request_is_counted():
    clock = FakeWallClock()
    limiter = _rate_limiter(2, clock)
    limiter.acquire()
    clock.now = 1000.2
    limiter.acquire()

    clock.now = 1000.5
    limiter.wait_for_room()
    assert clock.now == pytest.approx(1001.0, abs=0.01)
    limiter.wait_for_room()  # the room is still there: waiting took none of it
    assert len(clock.slept) == 1

    limiter.acquire()  # the request is counted as it leaves
    assert not limiter.try_acquire(), "two within a second: 1000.2 and about 1001.0"


def test_any_one_second_window_holds_at_most_the_limit_under_steady_demand():
    clock = FakeWallClock()
    limiter = _rate_limiter(10, clock)
    starts = []
    for _ in range(55):
        limiter.acquire()
        starts.append(clock.now)
        clock.now += 0.013  # asking again at once, again and again

    most = max(sum(1 for t in starts if start <= t < start + 1) for start in starts)
    assert most == 10
    assert starts[-1] - starts[0] > 5 - 0.1  # and the limit is used, not undershot


def test_limiters_with_the_same_key_share_one_window():
    clock, windows = FakeWallClock(), MemoryRateWindows()
    first = _rate_limiter(4, clock, windows=windows)
    second = _rate_limiter(4, clock, windows=windows)

    allowed = [limiter.try_acquire() for limiter in (first, second) * 4]

    assert allowed.count(True) == 4


def test_no_rate_limit_when_the_rate_is_zero():
    clock = FakeWallClock()
    limiter = _rate_limiter(0, clock)

    for _ in range(100):
        limiter.acquire()

    assert clock.slept == []


@pytest.mark.parametrize(("per_second", "allowed_in_two_seconds"), [(0.5, 1), (2.5, 4), (1, 2)])
def test_a_fractional_rate_is_rounded_down_to_whole_requests(per_second, allowed_in_two_seconds):
    clock = FakeWallClock()
    limiter = _rate_limiter(per_second, clock)

    allowed = 0
    for step in range(20):
        clock.now = 1000.0 + 0.1 * step
        allowed += limiter.try_acquire()

    assert allowed == allowed_in_two_seconds


def test_the_margin_is_read_from_the_settings(settings):
    settings.BULK_RATE_MARGIN_SECONDS = 0.2

    assert RateLimiter(10).margin == 0.2
    assert RateLimiter(10, margin=0).margin == 0


def test_rate_windows_are_kept_in_the_caches_redis_when_it_is_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6399/7,redis://127.0.0.1:6398/7",
        }
    }

    windows = rate_windows()

    assert isinstance(windows, RedisRateWindows)
    assert windows.redis.connection_pool.connection_kwargs["port"] == 6399  # the primary
    assert windows.redis.connection_pool.connection_kwargs["db"] == 7
    assert rate_windows() is windows  # one connection pool for the process


def test_rate_windows_are_kept_in_this_processs_memory_with_the_local_memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert isinstance(rate_windows(), MemoryRateWindows)
    assert rate_windows() is rate_windows()
    assert RateLimiter(10).windows is rate_windows()


# --- Pacer -------------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _pacer(slots: int = 4) -> tuple[Pacer, FakeTime]:
    time = FakeTime()
    return Pacer(slots, clock=time.clock, sleep=time.sleep), time


def test_no_gap_before_any_round_trip_is_known():
    pacer, time = _pacer()

    for _ in range(4):
        pacer.wait_turn()

    assert pacer.gap == 0
    assert time.slept == []


def test_starts_are_spread_by_three_quarters_of_a_slots_share_of_the_round_trip():
    pacer, time = _pacer(slots=4)
    pacer.observe(0.080)

    for _ in range(4):
        pacer.wait_turn()

    assert pacer.gap == pytest.approx(0.015)
    assert time.slept == pytest.approx([0.015, 0.030, 0.045])


def test_a_start_long_after_the_last_one_does_not_wait():
    pacer, time = _pacer(slots=4)
    pacer.observe(0.080)
    pacer.wait_turn()

    time.now += 1.0
    pacer.wait_turn()

    assert time.slept == []


def test_round_trip_is_a_moving_average_with_stalls_capped():
    pacer, _ = _pacer(slots=1)
    pacer.observe(0.100)
    pacer.observe(0.200)

    assert pacer.gap == pytest.approx(0.75 * 0.120)

    pacer.observe(60.0)

    assert pacer.gap == pytest.approx(0.75 * (0.120 + 0.2 * (MAX_PACED_ROUND_TRIP_SECONDS - 0.120)))


# --- thulium_limits ---------------------------------------------------------------------------


def test_limits_are_built_from_the_settings_under_the_keys_every_caller_shares(settings):
    settings.BULK_REQUESTS_PER_SECOND = 7.0
    settings.BULK_MAX_CONCURRENT_REQUESTS = 3
    settings.BULK_CONCURRENCY_LEASE_SECONDS = 12.0

    limits = thulium_limits(parallel=5)

    assert limits.rate_limiter.per_second == 7.0
    assert limits.rate_limiter.key == "thulium-requests"
    assert limits.concurrency.slots == 3
    assert limits.concurrency.lease_seconds == 12.0
    assert limits.concurrency.key == "thulium-slots"
    assert limits.pacer.slots == 5


def test_each_caller_gets_a_pacer_of_its_own():
    first, second = thulium_limits(parallel=2), thulium_limits(parallel=2)

    first.pacer.observe(0.100)

    assert first.pacer.gap > 0
    assert second.pacer.gap == 0


def test_limiters_given_are_used_instead_of_the_settings():
    rate_limiter = RateLimiter(0, key="t-own-rate")
    concurrency = ConcurrencyLimiter(1, lease_seconds=5, key="t-own-slots")

    limits = thulium_limits(rate_limiter=rate_limiter, concurrency=concurrency)

    assert limits.rate_limiter is rate_limiter
    assert limits.concurrency is concurrency
    assert limits.pacer.slots == 1

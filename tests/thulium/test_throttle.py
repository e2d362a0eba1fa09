"""The limits on requests to Thulium: the pacer spreads request starts over a round trip, never
slower than the slots allow; `thulium_limits()` builds the shared limits from the settings.

(The concurrency and rate limiters across threads and processes are tested in
`tests/production/test_limits.py`, which starts processes.)"""

from __future__ import annotations

import pytest

from thuladmin.thulium.throttle import (
    MAX_PACED_ROUND_TRIP_SECONDS,
    ConcurrencyLimiter,
    Pacer,
    RateLimiter,
    thulium_limits,
)


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

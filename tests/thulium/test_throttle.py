"""The pacer spreads request starts over a round trip, never slower than the slots allow."""

from __future__ import annotations

import pytest

from thuladmin.thulium.throttle import MAX_PACED_ROUND_TRIP_SECONDS, Pacer


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

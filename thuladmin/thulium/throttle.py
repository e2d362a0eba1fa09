"""The limits every request to Thulium goes through, whoever sends it.

Thulium allows an account only so many requests a second and so many at once, and it counts
them all: a bulk job's batches, a snapshot sync's pages, the records list, the per-status
counts. So the limits belong to the client's side of the project, not to any one caller: they
are counted in the cache (shared keys, the same for every caller), so with Redis one budget
holds across every worker process and machine; with the local-memory cache, within one process.

- `RateLimiter`: at most so many requests a second;
- `ConcurrencyLimiter`: at most so many requests in flight at once (a shared semaphore whose
  slots are leases, so a dead holder's slot frees itself);
- `Pacer`: spreads one caller's request starts over a round trip (in-process, not shared).

Callers build them only through `thulium_limits()`, from the settings, so how the budget is
counted can change here alone. (The settings keep their `BULK_` names: the bulk engine was the
first to send many requests, but the budget is every caller's.)
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, cache

# The longest round trip the pacer counts (see Pacer.observe).
MAX_PACED_ROUND_TRIP_SECONDS = 2.0


class RateLimiter:
    """At most `per_second` requests a second, counted in the cache.

    With a shared cache (Redis) the limit holds across every worker process and machine; with
    the local-memory cache, within one process.
    """

    def __init__(self, per_second: float, *, key: str = "thulium-requests") -> None:
        self.per_second = per_second
        self.key = key

    def acquire(self) -> None:
        if self.per_second <= 0:
            return
        while True:
            now = time.time()
            window_key = f"{self.key}:{int(now)}"
            cache.add(window_key, 0, timeout=5)
            try:
                count = cache.incr(window_key)
            except ValueError:  # the key expired between add and incr
                continue
            if count <= self.per_second:
                return
            time.sleep(int(now) + 1 - now)


class ConcurrencyLimiter:
    """At most `slots` requests in flight at once, counted in the cache: a shared semaphore.

    Each slot is a cache key taken with `cache.add` (atomic: Redis `SET NX`, a lock in local
    memory) and given back with a delete. A slot is a lease that expires after `lease_seconds`,
    so a worker killed while holding one cannot keep it for ever. A request may take longer than
    a lease (retries included), so the holder's heartbeat calls `renew()` to extend the leases
    it still holds. With a shared cache (Redis) the limit holds across every worker process and
    machine; with the local-memory cache, within one process.
    """

    def __init__(
        self,
        slots: int,
        *,
        lease_seconds: float,
        key: str = "thulium-slots",
        poll_seconds: float = 0.05,
        cache: BaseCache | None = None,
    ) -> None:
        self.slots = slots
        self.lease_seconds = lease_seconds
        self.key = key
        self.poll_seconds = poll_seconds
        self._cache = cache
        self._held: set[str] = set()
        self._held_lock = threading.Lock()

    @property
    def cache(self) -> BaseCache:
        # The default cache is looked up at use, not at construction: it is a per-thread proxy.
        return self._cache if self._cache is not None else cache

    @property
    def _lease_timeout(self) -> int:
        return max(1, round(self.lease_seconds))

    def try_acquire(self) -> str | None:
        """Take a free slot and return it (to give to `release`), or None if all are taken."""
        token = uuid.uuid4().hex
        # Slots in random order: waiters do not all fight over slot 0.
        for index in random.sample(range(self.slots), self.slots):
            slot_key = f"{self.key}:{index}"
            if self.cache.add(slot_key, token, timeout=self._lease_timeout):
                held = f"{slot_key}={token}"
                with self._held_lock:
                    self._held.add(held)
                return held
        return None

    def release(self, held: str) -> None:
        """Give a slot back, unless its lease expired and someone else holds it now.

        The read and the delete are two steps: a lease that runs out between them may free
        another holder's slot early. Held leases are renewed, so that needs a holder whose
        heartbeat stalled for a whole lease, and then it costs one extra request in flight.
        """
        with self._held_lock:
            self._held.discard(held)
        slot_key, _, token = held.rpartition("=")
        if self.cache.get(slot_key) == token:
            self.cache.delete(slot_key)

    def renew(self) -> None:
        """Extend the lease of every slot this limiter still holds (called by a heartbeat)."""
        with self._held_lock:
            held = list(self._held)
        for entry in held:
            slot_key, _, token = entry.rpartition("=")
            if self.cache.get(slot_key) == token:
                self.cache.touch(slot_key, timeout=self._lease_timeout)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the body of the `with`, waiting for one to be free."""
        if self.slots <= 0:
            yield
            return
        while (held := self.try_acquire()) is None:
            time.sleep(self.poll_seconds * random.uniform(0.5, 1.5))
        try:
            yield
        finally:
            self.release(held)


class Pacer:
    """Spreads the starts of a runner's requests over a round trip instead of sending them in
    bursts.

    Requests that go out together come back together, and then every thread parses, records
    and sends again at the same moment, queueing for the same CPU (this process's, Thulium's):
    left alone they stay in step for the whole job. Starting them at least
    `share x round trip / slots` apart spreads them out and keeps them spread. The round trip is
    the moving average of those measured; with `share` below 1 the gap never holds back more
    requests than the slots could have in flight anyway. Until a round trip is known there is
    no gap.
    """

    def __init__(
        self,
        slots: int,
        *,
        share: float = 0.75,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.slots = max(1, slots)
        self.share = share
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._round_trip: float | None = None
        self._next_start = 0.0

    @property
    def gap(self) -> float:
        if self._round_trip is None:
            return 0.0
        return self.share * self._round_trip / self.slots

    def wait_turn(self) -> None:
        """Sleep until this request's start, at least `gap` after the one before."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self.gap
        if start > now:
            self._sleep(start - now)

    def observe(self, seconds: float) -> None:
        """Fold one request's round trip into the average (capped: a stalled request must not
        space the others out for long)."""
        seconds = min(seconds, MAX_PACED_ROUND_TRIP_SECONDS)
        with self._lock:
            if self._round_trip is None:
                self._round_trip = seconds
            else:
                self._round_trip += 0.2 * (seconds - self._round_trip)


@dataclass(frozen=True)
class ThuliumLimits:
    """What one caller's requests to Thulium go through: the shared rate and concurrency
    limits, and a pacer of its own."""

    rate_limiter: RateLimiter
    concurrency: ConcurrencyLimiter
    pacer: Pacer


def thulium_limits(
    *,
    parallel: int = 1,
    rate_limiter: RateLimiter | None = None,
    concurrency: ConcurrencyLimiter | None = None,
) -> ThuliumLimits:
    """The limits for a caller with up to `parallel` requests of its own in flight, from the
    settings: `BULK_REQUESTS_PER_SECOND`, `BULK_MAX_CONCURRENT_REQUESTS` and
    `BULK_CONCURRENCY_LEASE_SECONDS`, read now (so a test's settings apply to what it builds).

    The rate and concurrency limits count under the same cache keys for every caller, so they
    are one budget however many callers build them. `parallel` only sizes the pacer, which is
    the caller's own. A limiter given (a test's, with a key or a slot count of its own) is used
    instead of the one from the settings.
    """
    return ThuliumLimits(
        rate_limiter=(
            rate_limiter
            if rate_limiter is not None
            else RateLimiter(settings.BULK_REQUESTS_PER_SECOND)
        ),
        concurrency=(
            concurrency
            if concurrency is not None
            else ConcurrencyLimiter(
                settings.BULK_MAX_CONCURRENT_REQUESTS,
                lease_seconds=settings.BULK_CONCURRENCY_LEASE_SECONDS,
            )
        ),
        pacer=Pacer(parallel),
    )

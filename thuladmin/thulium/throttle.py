"""The limits every request to Thulium goes through, whoever sends it.

Thulium allows an account only so many requests a second and so many at once, and it counts
them all: a bulk job's batches, a snapshot sync's pages, the records list, the per-status
counts. So the limits belong to the client's side of the project, not to any one caller: they
are counted under shared keys, the same for every caller, so with a Redis cache one budget holds
across every worker process and machine; with the local-memory cache, within one process.

- `RateLimiter`: at most so many requests in any one second (a moving window, kept by the
  `limits` library in the cache's Redis, or in this process's memory);
- `ConcurrencyLimiter`: at most so many requests in flight at once (a shared semaphore in the
  cache whose slots are leases, so a dead holder's slot frees itself, and which are named after
  their holder, so a runner declared dead has its slots freed at once);
- `Pacer`: spreads one caller's request starts over a round trip (in-process, not shared).

Callers build them only through `thulium_limits()`, from the settings, so how the budget is
counted can change here alone. (The settings keep their `BULK_` names: the bulk engine was the
first to send many requests, but the budget is every caller's.)
"""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, cache
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

# The longest round trip the pacer counts (see Pacer.observe).
MAX_PACED_ROUND_TRIP_SECONDS = 2.0
# How long after a full rate window's oldest request leaves it a waiter asks again (it leaves
# just after a second, and asking in a loop meanwhile would only load the storage).
RATE_WAIT_MARGIN_SECONDS = 0.001

# The rate windows' storages, one per Redis URL (or one in memory), kept for the process: each
# holds a connection pool, or the windows themselves.
_rate_storages: dict[str, Storage] = {}
_rate_storages_lock = threading.Lock()


def _cache_redis_url() -> str:
    """The URL of the default cache's Redis (its first server: the one written to), or "" when
    the default cache is not Redis."""
    config = settings.CACHES["default"]
    if "redis" not in config["BACKEND"].lower():
        return ""
    location = config["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    return location.split(",")[0].strip()


def rate_storage() -> Storage:
    """Where the request rate windows are kept: the default cache's Redis when it is Redis (so
    every process and machine shares them), else this process's memory."""
    url = _cache_redis_url()
    with _rate_storages_lock:
        storage = _rate_storages.get(url)
        if storage is None:
            storage = RedisStorage(url) if url else MemoryStorage()
            _rate_storages[url] = storage
    return storage


def _rate_item(per_second: float) -> RateLimitItem:
    """`per_second` as `limits` counts it: whole requests in a window of whole seconds."""
    if per_second >= 1:
        return RateLimitItemPerSecond(math.floor(per_second), 1)
    return RateLimitItemPerSecond(1, math.ceil(1 / per_second))


class RateLimiter:
    """At most `per_second` requests in any one-second window: a moving window, kept by `limits`.

    A window per clock second (a counter named after `int(time.time())`) lets twice the limit
    through across the turn of a second: 10 in its last half and 10 in the next one's first half
    make 20 within one second, and a Thulium that counts by sliding window or token bucket
    answers 429 to that. The moving window remembers when each of the last `per_second`
    requests started and lets a new one through only once the oldest is a second old.

    With a Redis cache (`CACHE_URL`) the window lives in that Redis (`limits`' Redis storage:
    one Lua script checks and records a request at once), so the limit holds across every
    worker process and machine; with any other cache, in this process's memory (`limits`'
    memory storage), so within one process. A fractional limit is rounded down to whole
    requests a second; below one, it is one request every `ceil(1 / per_second)` seconds.
    """

    def __init__(
        self,
        per_second: float,
        *,
        key: str = "thulium-requests",
        storage: Storage | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.key = key
        self._storage = storage
        self._clock = clock
        self._sleep = sleep
        self._item = _rate_item(per_second) if per_second > 0 else None

    @property
    def storage(self) -> Storage:
        # Looked up at use, not at construction, like the cache: a test's settings apply.
        return self._storage if self._storage is not None else rate_storage()

    def try_acquire(self) -> bool:
        """Count one request now and return True, or return False if the window is full."""
        if self._item is None:
            return True
        return MovingWindowRateLimiter(self.storage).hit(self._item, self.key)

    def acquire(self) -> None:
        """Wait until a request may start within the limit, and count it."""
        if self._item is None:
            return
        window = MovingWindowRateLimiter(self.storage)
        while not window.hit(self._item, self.key):
            # Full: the oldest request in the window leaves it at `reset` (just after: at
            # `reset` itself it still counts). Every waiter wakes then and one gets the place;
            # the others wait for the next one.
            reset, _remaining = window.get_window_stats(self._item, self.key)
            self._sleep(max(reset - self._clock(), 0.0) + RATE_WAIT_MARGIN_SECONDS)


@dataclass(frozen=True)
class HeldSlot:
    """A slot taken by `ConcurrencyLimiter.try_acquire`: its cache key, and the lease written
    under it ("<token> <holder>"), by which only its own holder gives it back."""

    key: str
    lease: str


def _lease_holder(lease: object) -> str:
    return lease.partition(" ")[2] if isinstance(lease, str) else ""


class ConcurrencyLimiter:
    """At most `slots` requests in flight at once, counted in the cache: a shared semaphore.

    Each slot is a cache key taken with `cache.add` (atomic: Redis `SET NX`, a lock in local
    memory) and given back with a delete. Its value names the holder (a bulk runner's id), so
    that when a runner is declared dead (its heartbeat stale for `BULK_RUNNER_STALE_SECONDS`)
    its slots are freed at once (`release_holders`), before its chunks are taken over: a
    SIGKILLed worker must not keep the others waiting. A slot is also a lease that expires after
    `lease_seconds`, so one taken by a holder without a heartbeat (a records list, a snapshot
    sync) cannot be kept for ever by a process that died. A request may take longer than a lease
    (retries included), so the holder's heartbeat calls `renew()` to extend the leases it still
    holds. With a shared cache (Redis) the limit holds across every worker process and machine;
    with the local-memory cache, within one process.
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
        self._held: set[HeldSlot] = set()
        self._held_lock = threading.Lock()

    @property
    def cache(self) -> BaseCache:
        # The default cache is looked up at use, not at construction: it is a per-thread proxy.
        return self._cache if self._cache is not None else cache

    @property
    def _lease_timeout(self) -> int:
        return max(1, round(self.lease_seconds))

    def _slot_keys(self) -> list[str]:
        return [f"{self.key}:{index}" for index in range(self.slots)]

    def try_acquire(self, *, holder: str = "") -> HeldSlot | None:
        """Take a free slot for `holder` and return it (to give to `release`), or None if all
        are taken."""
        lease = f"{uuid.uuid4().hex} {holder}"
        # Slots in random order: waiters do not all fight over slot 0.
        for slot_key in random.sample(self._slot_keys(), self.slots):
            if self.cache.add(slot_key, lease, timeout=self._lease_timeout):
                held = HeldSlot(slot_key, lease)
                with self._held_lock:
                    self._held.add(held)
                return held
        return None

    def release(self, held: HeldSlot) -> None:
        """Give a slot back, unless it was freed meanwhile and someone else holds it now.

        The read and the delete are two steps: a lease that runs out (or a holder declared dead
        and freed) between them may free another holder's slot early. Held leases are renewed
        and a live runner is not declared dead, so that needs a holder whose heartbeat stalled
        for a whole lease or `BULK_RUNNER_STALE_SECONDS`, and then it costs one extra request in
        flight.
        """
        with self._held_lock:
            self._held.discard(held)
        if self.cache.get(held.key) == held.lease:
            self.cache.delete(held.key)

    def renew(self) -> None:
        """Extend the lease of every slot this limiter still holds (called by a heartbeat)."""
        with self._held_lock:
            held = list(self._held)
        for entry in held:
            if self.cache.get(entry.key) == entry.lease:
                self.cache.touch(entry.key, timeout=self._lease_timeout)

    def release_holders(self, holders: Collection[str]) -> int:
        """Free every slot held by one of `holders` (runners declared dead) and say how many.

        A dead process never gives its slots back; its leases would keep them for
        `lease_seconds` after its last renewal, and every other worker would wait that long.
        The watchdog, and a runner taking a dead runner's chunks over, free them instead: by the
        time a dead runner's chunks are sent again, its slots are free. (Read, then deleted if
        unchanged, as in `release`.)
        """
        holders = {holder for holder in holders if holder}
        if not holders or self.slots <= 0:
            return 0
        freed = 0
        for slot_key, lease in self.cache.get_many(self._slot_keys()).items():
            if _lease_holder(lease) in holders and self.cache.get(slot_key) == lease:
                self.cache.delete(slot_key)
                freed += 1
        return freed

    @contextmanager
    def slot(self, *, holder: str = "") -> Iterator[None]:
        """Hold a slot for `holder` for the body of the `with`, waiting for one to be free."""
        if self.slots <= 0:
            yield
            return
        while (held := self.try_acquire(holder=holder)) is None:
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


def thulium_slots_release(*, holders: Collection[str]) -> int:
    """Free the shared request slots (`BULK_MAX_CONCURRENT_REQUESTS`) held by `holders`, runners
    declared dead: see `ConcurrencyLimiter.release_holders`."""
    return thulium_limits().concurrency.release_holders(holders)

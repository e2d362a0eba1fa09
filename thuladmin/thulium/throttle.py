"""The limits every request to Thulium goes through, whoever sends it.

Thulium allows an account only so many requests a second and so many at once, and it counts
them all: a bulk job's batches, a snapshot sync's pages, the records list, the per-status
counts. So the limits belong to the client's side of the project, not to any one caller: they
are counted under shared keys, the same for every caller, so with a Redis cache one budget holds
across every worker process and machine; with the local-memory cache, within one process.

- `RateLimiter`: at most so many requests in any one second (a moving window, kept in the
  cache's Redis, or in this process's memory);
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
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import redis
from django.conf import settings
from django.core.cache import BaseCache, cache

# The longest round trip the pacer counts (see Pacer.observe).
MAX_PACED_ROUND_TRIP_SECONDS = 2.0
# How long after a full rate window's oldest request leaves it a waiter asks again (asking in a
# loop meanwhile would only load Redis).
RATE_WAIT_MARGIN_SECONDS = 0.001

# One script checks the window and records the request in it, so that no two callers on any
# machine take the same place. The window is a list of the last `limit` request starts, newest
# first; a start is refused while the `limit`-th newest is younger than `window` seconds, and the
# script then answers how long until it is not (asked with `record` 0, it only answers). The
# times are Redis's own (`TIME`), one clock for every machine, unless the caller gives one.
_REDIS_WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
if now == nil then
    local clock = redis.call('TIME')
    now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
end
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local oldest = redis.call('LINDEX', KEYS[1], limit - 1)
if oldest and now - tonumber(oldest) < window then
    return string.format('%.6f', tonumber(oldest) + window - now)
end
if ARGV[4] == '0' then
    return '0'
end
redis.call('LPUSH', KEYS[1], string.format('%.6f', now))
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return '0'
"""


class RateWindows(Protocol):
    """Where the rate limiter's windows are kept."""

    def take(
        self, key: str, *, limit: int, window: float, now: float | None, record: bool = True
    ) -> float:
        """Record a request starting now in `key`'s window and return 0 if fewer than `limit`
        started in the last `window` seconds; otherwise record nothing and return how many
        seconds until one of them is `window` old. `now` is the caller's clock, or None for the
        windows' own; with `record` false nothing is recorded either way."""


class MemoryRateWindows:
    """The windows in this process's memory: one process's budget (the local-memory cache)."""

    def __init__(self) -> None:
        self._starts: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def take(
        self, key: str, *, limit: int, window: float, now: float | None, record: bool = True
    ) -> float:
        now = time.time() if now is None else now
        with self._lock:
            starts = self._starts[key]
            while len(starts) > limit:
                starts.popleft()
            if len(starts) == limit and now - starts[0] < window:
                return starts[0] + window - now
            if record:
                starts.append(now)
            return 0.0


class RedisRateWindows:
    """The windows in Redis: one budget for every process and machine that uses that Redis."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url)
        self._script = self.redis.register_script(_REDIS_WINDOW_SCRIPT)

    def take(
        self, key: str, *, limit: int, window: float, now: float | None, record: bool = True
    ) -> float:
        now_argument = "" if now is None else repr(now)
        return float(self._script(keys=[key], args=[now_argument, limit, window, int(record)]))


# The rate windows, kept for the process: one per Redis URL (a connection pool each), or one in
# memory (the windows themselves).
_rate_windows: dict[str, RateWindows] = {}
_rate_windows_lock = threading.Lock()


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


def rate_windows_forget() -> None:
    """Forget the rate windows' storage, so the next request reads the cache settings again;
    windows kept in memory start empty (as the cache does after a test's `cache.clear()`)."""
    with _rate_windows_lock:
        _rate_windows.clear()


def rate_windows() -> RateWindows:
    """Where the request rate windows are kept: the default cache's Redis when it is Redis (so
    every process and machine shares them), else this process's memory."""
    url = _cache_redis_url()
    with _rate_windows_lock:
        windows = _rate_windows.get(url)
        if windows is None:
            windows = RedisRateWindows(url) if url else MemoryRateWindows()
            _rate_windows[url] = windows
    return windows


class RateLimiter:
    """At most `per_second` requests in any one-second window: a moving window (a sliding log).

    A window per clock second (a counter named after `int(time.time())`) lets twice the limit
    through across the turn of a second: 10 in its last half and 10 in the next one's first half
    make 20 within one second, and a Thulium that counts by sliding window answers 429 to that.
    A token bucket (GCRA) does not hold it either: after a burst of 10 it refills one place every
    tenth of a second, 19 within one second. The moving window remembers when each of the last
    `per_second` requests started and lets a new one through only once the oldest is a second
    old.

    And a little more than a second (`margin`, `BULK_RATE_MARGIN_SECONDS`, 0.2): a request
    reaches Thulium some time after it is counted, by an amount that varies with the load and
    the network. Counted exactly a second apart, the 1st and the 11th of 10 a second reached the
    sandbox 0.95 s apart in bench/nodes.py on a busy machine, and it saw 11 within one second;
    with a margin of 0.05 or 0.1 s it still did now and then, with 0.2 s in none of 9 runs.
    A caller with work to do before its request (the bulk runner writes the chunk's start)
    waits with `wait_for_room` first and counts the request with `acquire` just before sending
    it, so that the variable part is as short as it can be.

    With a Redis cache (`CACHE_URL`) the windows live in that Redis (one Lua script checks and
    records each request, on Redis's clock), so the limit holds across every worker process and
    machine; with any other cache, in this process's memory, so within one process. (The
    `limits` library's moving window was tried first: its Redis storage counts only windows of
    whole seconds, which leaves no room for the margin.) A fractional limit is rounded down to
    whole requests a second; below one, it is one request every `1 / per_second` seconds.
    """

    def __init__(
        self,
        per_second: float,
        *,
        key: str = "thulium-requests",
        margin: float | None = None,
        windows: RateWindows | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.key = key
        self.margin = settings.BULK_RATE_MARGIN_SECONDS if margin is None else margin
        if per_second >= 1:
            self.limit, self.window = math.floor(per_second), 1.0
        elif per_second > 0:
            self.limit, self.window = 1, 1 / per_second
        else:
            self.limit, self.window = 0, 0.0  # no limit
        self._windows = windows
        self._clock = clock
        self._sleep = sleep

    @property
    def windows(self) -> RateWindows:
        # Looked up at use, not at construction, like the cache: a test's settings apply.
        return self._windows if self._windows is not None else rate_windows()

    def _take(self, *, record: bool = True) -> float:
        return self.windows.take(
            self.key,
            limit=self.limit,
            window=self.window + self.margin,
            now=None if self._clock is None else self._clock(),
            record=record,
        )

    def try_acquire(self) -> bool:
        """Count one request now and return True, or return False if the window is full."""
        return self.limit == 0 or self._take() == 0

    def acquire(self) -> None:
        """Wait until a request may start within the limit, and count it."""
        self._wait(record=True)

    def wait_for_room(self) -> None:
        """Wait until a request could start within the limit, without counting it: for a caller
        with work to do between the wait and the request, which then counts it with `acquire`
        just before sending (usually at once), so that it is counted as late as it can be."""
        self._wait(record=False)

    def _wait(self, *, record: bool) -> None:
        if self.limit == 0:
            return
        while (wait := self._take(record=record)) > 0:
            # Every waiter wakes when the oldest request leaves the window and one gets the
            # place; the others are told how long to wait for the next one.
            self._sleep(wait + RATE_WAIT_MARGIN_SECONDS)


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

    def holders(self) -> list[str]:
        """The holder of each slot taken now ("" for one taken without a holder): what a
        benchmark or an operator looks at."""
        return [_lease_holder(lease) for lease in self.cache.get_many(self._slot_keys()).values()]

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

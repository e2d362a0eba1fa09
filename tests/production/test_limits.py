"""The limits on requests to Thulium hold across threads, runners and worker processes.

`ConcurrencyLimiter` (requests in flight) counts in the cache, `RateLimiter` (requests in any
one second) in the cache's Redis or in this process's memory. With the local-memory cache that
is one process; with Redis, every worker on every node.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from tests.production.helpers import PYTHON, ROOT, process_env, redis_reachable
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter, RedisRateWindows

REDIS_URL = "redis://127.0.0.1:6379/15"
needs_redis = pytest.mark.skipif(
    not redis_reachable(REDIS_URL), reason=f"Redis is not reachable at {REDIS_URL}"
)


class InFlight:
    """Counts what runs at once inside `with in_flight:` and remembers the most."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.now -= 1


def _hammer(limiter: ConcurrencyLimiter, *, threads: int, rounds: int, hold: float) -> InFlight:
    in_flight = InFlight()

    def work() -> None:
        for _ in range(rounds):
            with limiter.slot(), in_flight:
                time.sleep(hold)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return in_flight


def _most_at_once(intervals: list[list[float]]) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    now = most = 0
    for _, step in events:  # at equal times the end (-1) sorts first
        now += step
        most = max(most, now)
    return most


# --- ConcurrencyLimiter, local-memory cache ---------------------------------------------------


def test_never_more_requests_in_flight_than_slots():
    limiter = ConcurrencyLimiter(2, lease_seconds=30, key="t-slots", poll_seconds=0.005)

    in_flight = _hammer(limiter, threads=8, rounds=3, hold=0.02)

    assert in_flight.most == 2
    assert in_flight.now == 0
    assert cache.get("t-slots:0") is None, "every slot was given back"
    assert cache.get("t-slots:1") is None


def test_no_slots_means_no_limit():
    limiter = ConcurrencyLimiter(0, lease_seconds=30, key="t-none")

    in_flight = _hammer(limiter, threads=4, rounds=1, hold=0.05)

    assert in_flight.most == 4


def test_a_slot_whose_holder_died_frees_itself_after_the_lease():
    limiter = ConcurrencyLimiter(1, lease_seconds=1, key="t-lease")
    assert limiter.try_acquire() is not None  # and never released, as by a killed worker
    assert limiter.try_acquire() is None

    time.sleep(1.1)

    assert limiter.try_acquire() is not None


def test_a_live_holder_keeps_its_slot_past_the_lease_by_renewing_it():
    limiter = ConcurrencyLimiter(1, lease_seconds=1, key="t-renew")
    held = limiter.try_acquire()
    for _ in range(3):  # as the runner's heartbeat does, during a long request
        time.sleep(0.6)
        limiter.renew()

    assert limiter.try_acquire() is None, "still held after 1.8 s of a 1 s lease"
    limiter.release(held)
    limiter.renew()  # nothing held: renews nothing
    assert limiter.try_acquire() is not None


def test_a_late_release_does_not_free_the_next_holders_slot():
    limiter = ConcurrencyLimiter(1, lease_seconds=1, key="t-late")
    first = limiter.try_acquire()
    time.sleep(1.1)
    second = limiter.try_acquire()
    assert second is not None

    limiter.release(first)

    assert limiter.try_acquire() is None, "the second holder still has the slot"
    limiter.release(second)
    assert limiter.try_acquire() is not None


def test_a_dead_holders_slots_are_freed_and_no_one_elses():
    limiter = ConcurrencyLimiter(4, lease_seconds=30, key="t-holders")
    dead = [limiter.try_acquire(holder="host:1:dead") for _ in range(2)]
    alive = limiter.try_acquire(holder="host:2:alive")
    anonymous = limiter.try_acquire()  # a records list, say: no runner, no heartbeat
    assert limiter.try_acquire() is None

    assert limiter.release_holders(["host:1:dead", "host:3:gone"]) == 2

    assert all(cache.get(held.key) is None for held in dead)
    assert sorted(limiter.holders()) == ["", "host:2:alive"]
    assert cache.get(alive.key) == alive.lease
    assert cache.get(anonymous.key) == anonymous.lease
    assert limiter.release_holders([""]) == 0, "no holder named: nothing to free"
    assert cache.get(anonymous.key) == anonymous.lease


def test_a_dead_holder_that_gives_its_freed_slot_back_late_frees_nothing_of_the_next_holder():
    limiter = ConcurrencyLimiter(1, lease_seconds=30, key="t-holders-late")
    first = limiter.try_acquire(holder="slow")
    limiter.release_holders(["slow"])  # declared dead, but it was only slow
    second = limiter.try_acquire(holder="next")
    assert second is not None

    limiter.release(first)
    limiter.renew()

    assert cache.get(second.key) == second.lease


def test_a_slot_is_given_back_when_the_request_fails():
    limiter = ConcurrencyLimiter(1, lease_seconds=30, key="t-fail")

    with pytest.raises(RuntimeError), limiter.slot():
        raise RuntimeError("Thulium said no")

    assert limiter.try_acquire() is not None


# --- the engine uses it ------------------------------------------------------------------------

API = "https://acme.thulium.com/api/"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", [1, 2])
def test_runners_on_one_job_share_the_concurrency_limit(settings, supervisor, limit):
    settings.THULIUM_URL = API
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 400  # ~14 numbers a request
    settings.BULK_MAX_CONCURRENT_REQUESTS = limit
    numbers = [f"5{index:08d}" for index in range(150)]
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    in_flight = InFlight()

    def answer(request):
        with in_flight:
            time.sleep(0.02)
        sent = parse_qs(urlsplit(request.url).query)["phone_number[]"]
        return 200, {}, json.dumps({n: [{"http_status": 404, "status": "NOT_EXIST"}] for n in sent})

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.DELETE, API + "batch/outbounds/00001/records", answer)
        assert bulk_job_start(job=job, user=supervisor)
        # Two runners of four threads each, as two worker processes would run.
        runners = [threading.Thread(target=JobRunner(job.pk, parallel=4).run) for _ in range(2)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(timeout=60)

    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED
    assert bulk_job_progress(job).counts == {"NOT_EXIST": 150}
    assert in_flight.most == limit


# --- Redis: shared by every process -------------------------------------------------------------


@needs_redis
def test_slots_in_redis_hold_across_threads():
    redis_cache = RedisCache(REDIS_URL, {})
    key = f"t-redis-{uuid.uuid4().hex}"
    limiter = ConcurrencyLimiter(
        3, lease_seconds=30, key=key, poll_seconds=0.005, cache=redis_cache
    )

    in_flight = _hammer(limiter, threads=8, rounds=3, hold=0.02)

    assert in_flight.most == 3
    assert all(redis_cache.get(f"{key}:{index}") is None for index in range(3))


@needs_redis
def test_dead_holders_slots_in_redis_are_freed(request):
    redis_cache = RedisCache(REDIS_URL, {})
    key = f"t-redis-holders-{uuid.uuid4().hex}"
    limiter = ConcurrencyLimiter(3, lease_seconds=30, key=key, cache=redis_cache)
    request.addfinalizer(lambda: redis_cache.delete_many([f"{key}:{i}" for i in range(3)]))
    limiter.try_acquire(holder="dead")
    limiter.try_acquire(holder="dead")
    alive = limiter.try_acquire(holder="alive")

    assert limiter.release_holders(["dead"]) == 2

    assert limiter.try_acquire(holder="next") is not None
    assert limiter.try_acquire(holder="next") is not None
    assert limiter.try_acquire(holder="next") is None
    assert redis_cache.get(alive.key) == alive.lease


@needs_redis
def test_the_moving_window_in_redis_holds_across_the_turn_of_a_second(request):
    class FakeWallClock:
        now = 2000.50

        def time(self) -> float:
            return self.now

    clock = FakeWallClock()
    windows = RedisRateWindows(REDIS_URL)
    key = f"t-redis-window-{uuid.uuid4().hex}"
    request.addfinalizer(lambda: windows.redis.delete(key))
    limiter = RateLimiter(10, key=key, margin=0.05, windows=windows, clock=clock.time)

    allowed = []
    for index in range(20):  # 10 in the last half of a second, 10 in the first of the next
        clock.now = 2000.50 + 0.05 * index
        allowed.append(limiter.try_acquire())

    assert allowed == [True] * 10 + [False] * 10
    clock.now = 2001.52  # a second, but not the margin, after the first
    assert not limiter.try_acquire()
    clock.now = 2001.56
    assert limiter.try_acquire()
    assert not limiter.try_acquire()
    assert windows.take(key, limit=10, window=1.05, now=2001.57) == pytest.approx(0.03)
    # Asked whether there is room without taking it: the window is left as it was.
    assert windows.take(key, limit=10, window=1.05, now=2003.0, record=False) == 0
    assert windows.redis.lindex(key, 0) == b"2001.560000"
    assert windows.take(key, limit=10, window=1.05, now=2003.0) == 0
    assert windows.redis.lindex(key, 0) == b"2003.000000"


def _probes(mode: str, processes: int) -> list:
    """Run `limiter_probe` in several processes started at the same moment."""
    key = f"t-{mode}-{uuid.uuid4().hex}"
    env = process_env(CACHE_URL=REDIS_URL, LOG_LEVEL="WARNING")
    children = [
        subprocess.Popen(
            [PYTHON, "-m", "tests.production.limiter_probe", mode, key],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:  # go
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=60)  # closes stdin too
        assert child.returncode == 0
        results.append(json.loads(out))
    return results


@pytest.mark.slow
@needs_redis
def test_slots_in_redis_hold_across_worker_processes():
    from tests.production.limiter_probe import ROUNDS, SLOTS, THREADS

    results = _probes("slots", processes=3)

    intervals = [interval for result in results for interval in result]
    assert len(intervals) == 3 * THREADS * ROUNDS
    # Six threads in three processes wanted a slot at once; two slots let two through.
    assert _most_at_once(intervals) == SLOTS


@pytest.mark.slow
@needs_redis
def test_the_rate_limit_in_redis_holds_across_worker_processes():
    from tests.production.limiter_probe import RATE, RATE_REQUESTS

    results = _probes("rate", processes=3)

    times = sorted(t for result in results for t in result)
    assert len(times) == 3 * RATE_REQUESTS
    # Each process alone would have sent its 5 at once. Shared, at 5 in any second, the 6th
    # waits until a second after the 1st and the 11th until two seconds after it; a window per
    # clock second would have let them all through within a little over one. (Times are read
    # after each request is allowed, so a late reading of the first is allowed for.)
    assert times[RATE] - times[0] > 1 - 0.25
    assert times[2 * RATE] - times[0] > 2 - 0.25

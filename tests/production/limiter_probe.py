"""Run by test_limits.py in several processes at once: take the shared limits and say when.

`python -m tests.production.limiter_probe slots|rate KEY` prints "ready", waits for a line on
standard input (so that every process starts at once), then prints one JSON list: for `slots`,
the [start, end] of every slot held; for `rate`, the time of every request allowed.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import django

SLOTS = 2
THREADS = 2
ROUNDS = 4
HOLD_SECONDS = 0.1
RATE = 5
RATE_REQUESTS = 5


def main() -> None:
    mode, key = sys.argv[1], sys.argv[2]
    django.setup()
    from django.core.cache import cache

    from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter

    cache.get("warm-up")  # connect to Redis before the start
    print("ready", flush=True)
    sys.stdin.readline()
    if mode == "rate":
        limiter = RateLimiter(RATE, key=key)
        times = []
        for _ in range(RATE_REQUESTS):
            limiter.acquire()
            times.append(time.time())
        print(json.dumps(times))
        return
    slots = ConcurrencyLimiter(SLOTS, lease_seconds=30, key=key, poll_seconds=0.01)
    intervals: list[list[float]] = []

    def work() -> None:
        for _ in range(ROUNDS):
            with slots.slot():
                started = time.time()
                time.sleep(HOLD_SECONDS)
                intervals.append([started, time.time()])

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(intervals))


if __name__ == "__main__":
    main()

"""Another writer on a SQLite file: how long its short write transactions wait for the lock.

    python bench/lock_probe.py PATH   # writes until its standard input closes, then prints JSON

It stands for a login or a worker's heartbeat in another process while a benchmark writes a big
draft: every 10 ms it writes one row of its own table (`bench_lock_probe`) in a `BEGIN
IMMEDIATE` transaction with the same busy timeout as the dashboard (20 s), timing each.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time


def main() -> None:
    database = sqlite3.connect(sys.argv[1], timeout=20, isolation_level=None)
    database.execute(
        "CREATE TABLE IF NOT EXISTS bench_lock_probe (id INTEGER PRIMARY KEY, at REAL)"
    )
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    waits: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        database.execute("BEGIN IMMEDIATE")
        database.execute(
            "INSERT OR REPLACE INTO bench_lock_probe (id, at) VALUES (1, ?)", (time.time(),)
        )
        database.execute("COMMIT")
        waits.append(time.perf_counter() - started)
        time.sleep(0.01)
    print(json.dumps({"max_wait_seconds": max(waits, default=0.0), "writes": len(waits)}))


if __name__ == "__main__":
    main()

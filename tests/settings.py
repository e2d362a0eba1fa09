"""Settings for the test suite: production's (`thuladmin.settings`), plus what only tests need.

Kept to the few lines that make the suite fast and safe to run in parallel; anything a test
checks about production behaviour is read from `thuladmin.settings` unchanged.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from thuladmin.settings import *  # noqa: F403
from thuladmin.settings import CACHES

# Users are created by hundreds of tests; the production hasher (PBKDF2, 1,000,000 iterations)
# takes over half a second each on CI's machine. tests/production/test_settings.py checks that
# production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-xdist runs the suite in several processes (`gw0`, `gw1`, ...). pytest-django gives each
# its own test database; a shared Redis cache needs the same, because every test starts with
# `cache.clear()`, which empties the whole Redis database. Worker n uses database number
# (the configured one + n). The result is written back to CACHE_URL, so processes a test starts
# share their worker's cache; the worker process marks itself, so that those processes never
# move it again (nor a CACHE_URL a test gives them explicitly).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_MOVED_MARK = "TESTS_CACHE_MOVED_FOR_WORKER"


def _redis_location_for_worker(location: str, worker: str) -> str:
    url = urlsplit(location)
    database = int(url.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if database > 14:  # 15 is tests/production/test_limits.py's own
        raise ImproperlyConfigured(
            f"pytest-xdist worker {worker} would use Redis database {database}: run fewer "
            "workers (-n) or start from a lower database number in CACHE_URL."
        )
    return urlunsplit(url._replace(path=f"/{database}"))


if XDIST_WORKER and not os.environ.get(_MOVED_MARK):
    os.environ[_MOVED_MARK] = XDIST_WORKER
    if "redis" in CACHES["default"]["BACKEND"].lower():
        CACHES["default"]["LOCATION"] = _redis_location_for_worker(
            CACHES["default"]["LOCATION"], XDIST_WORKER
        )
        os.environ["CACHE_URL"] = CACHES["default"]["LOCATION"]

"""Throttling failed logins to the sandbox API, per client address, in the shared cache.

The sandbox holds demo data anyone who knows its credentials may read or delete, and with
`SANDBOX_ENABLED` it may be reachable from the network. Without a limit, its HTTP Basic password
could be guessed at the speed of the server. Like django-axes for the dashboard's login page,
failures are counted per client address (behind `TRUSTED_PROXY_COUNT` proxies, the client's, not
the proxy's); after `SANDBOX_LOGIN_FAILURE_LIMIT` of them the address's wrong credentials are
refused with 429 for `SANDBOX_LOGIN_COOLOFF_MINUTES`.

The count lives in Django's cache (Redis in production), never in process memory: with several
gunicorn workers a per-process count let a client fail the limit times the number of workers
before the first 429. `cache.add` then `cache.incr` are atomic on Redis, so failures answered by
two workers at once are both counted. (With the default local-memory cache the count is still
per process: set `CACHE_URL` when running more than one.)

The caller checks the credentials first and asks about the lockout only for wrong ones, so the
right credentials always pass. The dashboard calls its own sandbox from 127.0.0.1, the address a
local reverse proxy (or anyone on the same host) shares with it: if the lockout held for good
credentials too, 10 wrong guesses from a stranger would stop every job and make /healthz report
Thulium unreachable for the cool-off. The price, stated plainly: from a locked address a right
guess still gets 200 where a wrong one gets 429, so the lockout no longer caps how many guesses a
client that ignores the 429 can have checked. Nothing in an HTTP Basic request tells the
dashboard's call from a stranger's right guess, so no lockout can both spare the one and stop the
other; what stops guessing is the password's length (required, "a long random password", with
`DEBUG` off). The 429 still slows clients that honour it and shows the attack in the logs.

A success neither resets nor lowers the address's count. The success proves only that this
request carried the password, not that the earlier failures were the same client's typos: on a
shared address a reset at each of the dashboard's calls (several a second during a job) would wipe
a stranger's count before it reached the limit, so the stranger would never be throttled at all.
Failures are forgotten only when their window runs out, and successes cost no cache access.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "sandbox-login-failures"


def _key(address: str) -> str:
    return f"{KEY_PREFIX}:{address}"


def cooloff_seconds() -> int:
    return max(1, round(settings.SANDBOX_LOGIN_COOLOFF_MINUTES * 60))


def sandbox_login_locked(*, address: str) -> bool:
    """Whether this address has failed too often: its wrong credentials get 429, not 401.

    Asked only for wrong credentials (see the module's docstring): the right ones always pass.
    """
    limit = settings.SANDBOX_LOGIN_FAILURE_LIMIT
    if limit <= 0:
        return False
    return (cache.get(_key(address)) or 0) >= limit


def sandbox_login_failure_record(*, address: str) -> int:
    """Count one failed login from this address; return how many its window holds now.

    The window starts at the first failure; the failure that reaches the limit restarts it, so
    the lockout lasts the whole cool-off from then.
    """
    key = _key(address)
    timeout = cooloff_seconds()
    cache.add(key, 0, timeout=timeout)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr: this failure starts a new window
        cache.set(key, 1, timeout=timeout)
        failures = 1
    if failures == settings.SANDBOX_LOGIN_FAILURE_LIMIT:
        cache.touch(key, timeout=timeout)
    return failures

"""Throttling failed logins to the sandbox API, per client address, in the cache.

The sandbox holds demo data anyone who knows its credentials may read or delete, and with
`SANDBOX_ENABLED` it may be reachable from the network. Without a limit, its HTTP Basic password
could be guessed at the speed of the server. Like django-axes for the dashboard's login page,
failures are counted per client address (behind `TRUSTED_PROXY_COUNT` proxies, the client's, not
the proxy's); after `SANDBOX_LOGIN_FAILURE_LIMIT` of them the address is refused with 429 for
`SANDBOX_LOGIN_COOLOFF_MINUTES`, good credentials included. Successes are not counted (a
request to the sandbox costs one cache read more, not a write), so failures are forgotten only
when their window runs out.
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
    """Whether this address has failed too often to be let in (whatever it sends now)."""
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

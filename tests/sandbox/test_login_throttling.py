"""Failed logins to the sandbox API are throttled per client address, in the shared cache.

Only wrong credentials are throttled: the dashboard calls its sandbox from 127.0.0.1, which a
stranger may share, and must not be locked out by the stranger's guesses.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.test import Client

from tests.sandbox.conftest import API, basic
from thuladmin.sandbox.throttling import KEY_PREFIX, sandbox_login_failure_record

GOOD = basic("sandbox", "sandbox")
BAD = basic("sandbox", "guess")
ADDRESS = "203.0.113.5"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 3
    settings.SANDBOX_LOGIN_COOLOFF_MINUTES = 15


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for the local-memory cache's expiry, so the cool-off passes without waiting.

    None with another backend (Redis expires keys on its own clock).
    """
    if not isinstance(caches["default"], locmem.LocMemCache):
        return None
    fake = SimpleNamespace(now=time.time())
    fake.time = lambda: fake.now
    monkeypatch.setattr(cache_base, "time", fake)
    monkeypatch.setattr(locmem, "time", fake)
    return fake


def _stats(client, authorization: str, address: str = ADDRESS, **extra):
    return client.get(
        API + "outbounds/stats", HTTP_AUTHORIZATION=authorization, REMOTE_ADDR=address, **extra
    )


def test_an_address_that_failed_too_often_gets_429_for_wrong_credentials(client, seeded):
    for _ in range(3):
        assert _stats(client, BAD).status_code == 401

    refused = _stats(client, BAD)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    assert refused.json()["errors"][0]["message"] == (
        "Too many failed logins from this address. Try again later."
    )
    # Other addresses are not affected.
    assert _stats(client, BAD, address="203.0.113.6").status_code == 401


def test_a_strangers_failures_do_not_lock_out_the_right_credentials(client, seeded):
    for _ in range(10):
        _stats(client, BAD)
    assert _stats(client, BAD).status_code == 429

    assert _stats(client, GOOD).status_code == 200
    # The success does not reset the stranger's count: its next guess is still refused.
    assert _stats(client, BAD).status_code == 429


def test_failures_are_counted_in_the_shared_cache_across_workers(seeded):
    """Two clients stand for two gunicorn workers: the count is the cache's, not a process's."""
    workers = [Client(), Client()]
    for attempt in range(3):
        assert _stats(workers[attempt % 2], BAD).status_code == 401
    assert cache.get(f"{KEY_PREFIX}:{ADDRESS}") == 3

    assert _stats(workers[1], BAD).status_code == 429
    assert _stats(workers[0], BAD).status_code == 429
    # Nothing else remembers the failures: without the cache's count the address is free again.
    cache.delete(f"{KEY_PREFIX}:{ADDRESS}")
    assert _stats(workers[0], BAD).status_code == 401


def test_simultaneous_failures_are_all_counted(settings):
    """cache.add then cache.incr: two workers failing at once never lose one of the counts."""
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 1000
    start = threading.Barrier(4)

    def fail() -> None:
        start.wait()
        for _ in range(50):
            sandbox_login_failure_record(address="198.51.100.20")

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.get(f"{KEY_PREFIX}:198.51.100.20") == 200


def test_failures_below_the_limit_do_not_lock_out(client, seeded):
    for _ in range(2):
        assert _stats(client, BAD).status_code == 401

    assert _stats(client, BAD).status_code == 401


def test_a_locked_out_address_changes_nothing_without_the_password(client, seeded):
    from thuladmin.sandbox.models import Record

    identifier = Record.objects.values_list("identifier", flat=True).first()
    url = API + f"outbounds/00001/records_by_identifier/{identifier}"
    for _ in range(3):
        _stats(client, BAD)

    refused = client.delete(url, HTTP_AUTHORIZATION=BAD, REMOTE_ADDR=ADDRESS)

    assert refused.status_code == 429
    assert Record.objects.filter(identifier=identifier).exists()
    # The dashboard's own jobs, with the password, still get their work done.
    assert client.delete(url, HTTP_AUTHORIZATION=GOOD, REMOTE_ADDR=ADDRESS).status_code == 200
    assert not Record.objects.filter(identifier=identifier).exists()


def test_the_lockout_ends_after_the_cool_off(client, seeded, settings, clock):
    if clock is None:  # a cache server's own clock: wait out a one-second cool-off
        settings.SANDBOX_LOGIN_COOLOFF_MINUTES = 1 / 60
    for _ in range(3):
        _stats(client, BAD)
    assert _stats(client, BAD).status_code == 429

    if clock is None:
        time.sleep(1.2)
    else:
        clock.now += 15 * 60 - 1
        assert _stats(client, BAD).status_code == 429  # not a second early
        clock.now += 2

    assert _stats(client, BAD).status_code == 401


def test_behind_a_proxy_each_client_is_counted_apart(client, seeded, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _ in range(3):
        _stats(client, BAD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert _stats(client, BAD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == (
        429
    )
    assert _stats(client, BAD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == (
        401
    )


def test_a_limit_of_zero_switches_throttling_off(client, seeded, settings):
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 0
    for _ in range(5):
        _stats(client, BAD)

    assert _stats(client, BAD).status_code == 401

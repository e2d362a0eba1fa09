"""Failed logins to the sandbox API are throttled per client address, like the dashboard's."""

from __future__ import annotations

import time

import pytest

from tests.sandbox.conftest import API, basic

GOOD = basic("sandbox", "sandbox")
BAD = basic("sandbox", "guess")


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 3
    settings.SANDBOX_LOGIN_COOLOFF_MINUTES = 15


def _stats(client, authorization: str, address: str = "203.0.113.5", **extra):
    return client.get(
        API + "outbounds/stats", HTTP_AUTHORIZATION=authorization, REMOTE_ADDR=address, **extra
    )


def test_an_address_that_failed_too_often_is_refused_even_with_the_password(client, seeded):
    for _ in range(3):
        assert _stats(client, BAD).status_code == 401

    refused = _stats(client, GOOD)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    assert refused.json()["errors"][0]["message"] == (
        "Too many failed logins from this address. Try again later."
    )
    # Other addresses are not affected.
    assert _stats(client, GOOD, address="203.0.113.6").status_code == 200


def test_failures_below_the_limit_do_not_lock_out(client, seeded):
    for _ in range(2):
        assert _stats(client, BAD).status_code == 401

    assert _stats(client, GOOD).status_code == 200


def test_a_locked_out_address_changes_nothing(client, seeded):
    from thuladmin.sandbox.models import Record

    identifier = Record.objects.values_list("identifier", flat=True).first()
    for _ in range(3):
        _stats(client, BAD)

    response = client.delete(
        API + f"outbounds/00001/records_by_identifier/{identifier}",
        HTTP_AUTHORIZATION=GOOD,
        REMOTE_ADDR="203.0.113.5",
    )

    assert response.status_code == 429
    assert Record.objects.filter(identifier=identifier).exists()


def test_the_lockout_ends_after_the_cool_off(client, seeded, settings):
    settings.SANDBOX_LOGIN_COOLOFF_MINUTES = 1 / 60  # one second
    for _ in range(3):
        _stats(client, BAD)
    assert _stats(client, GOOD).status_code == 429

    time.sleep(1.2)

    assert _stats(client, GOOD).status_code == 200


def test_behind_a_proxy_each_client_is_counted_apart(client, seeded, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _ in range(3):
        _stats(client, BAD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert _stats(client, GOOD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == (
        429
    )
    assert _stats(client, GOOD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == (
        200
    )


def test_a_limit_of_zero_switches_throttling_off(client, seeded, settings):
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 0
    for _ in range(5):
        _stats(client, BAD)

    assert _stats(client, GOOD).status_code == 200

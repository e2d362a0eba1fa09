"""Retries: which failures, how often, how long, and what they say about a deletion's fate."""

from __future__ import annotations

import email.utils
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from responses import matchers

from tests.thulium.helpers import (
    BASE,
    body_read_timeout,
    connect_timeout,
    make_client,
    read_timeout,
    refused,
    reset,
)
from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy

URL = BASE + "outbounds/00001/statuses"
PHONES_URL = BASE + "batch/outbounds/00001/records"
CUSTOMERS_URL = BASE + "batch/customers"
STATUSES = [{"system_status": "CALL", "status_id": "3", "name": "Call"}]


def http_date(seconds_from_now: float) -> str:
    return email.utils.format_datetime(
        datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True
    )


def test_503_then_200_succeeds_after_one_retry(api, rsps, fake_time):
    rsps.get(URL, status=503, body="Service Unavailable")
    rsps.get(URL, json=STATUSES)
    assert [s.status_id for s in api.campaign_statuses("00001")] == ["3"]
    assert len(rsps.calls) == 2
    assert len(fake_time.sleeps) == 1
    assert 0.25 <= fake_time.sleeps[0] <= 0.5


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_every_retry_status_is_retried(api, rsps, fake_time, status):
    rsps.get(URL, status=status)
    rsps.get(URL, status=status)
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert len(rsps.calls) == 3
    assert len(fake_time.sleeps) == 2


def test_429_waits_exactly_retry_after(api, rsps, fake_time):
    rsps.get(URL, status=429, headers={"Retry-After": "2"})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert fake_time.sleeps == [2.0]
    assert len(rsps.calls) == 2


def test_429_retry_after_zero(api, rsps, fake_time):
    rsps.get(URL, status=429, headers={"Retry-After": "0"})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert fake_time.sleeps == [0.0]


def test_429_retry_after_as_http_date(api, rsps, fake_time):
    rsps.get(URL, status=429, headers={"Retry-After": http_date(5)})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert len(fake_time.sleeps) == 1
    # The date has whole seconds and the real clock moves on while the test runs.
    assert 3.0 < fake_time.sleeps[0] <= 5.0


def test_429_retry_after_in_the_past_retries_at_once(api, rsps, fake_time):
    rsps.get(URL, status=429, headers={"Retry-After": http_date(-60)})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert fake_time.sleeps == [0.0]


@pytest.mark.parametrize("value", ["soon", "1.5", "-3", "²", ""])
def test_429_unreadable_retry_after_falls_back_to_backoff(api, rsps, fake_time, value):
    rsps.get(URL, status=429, headers={"Retry-After": value})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert len(fake_time.sleeps) == 1
    assert 0.25 <= fake_time.sleeps[0] <= 0.5


def test_retry_after_is_ignored_on_503(api, rsps, fake_time):
    rsps.get(URL, status=503, headers={"Retry-After": "30"})
    rsps.get(URL, json=STATUSES)
    api.campaign_statuses("00001")
    assert 0.25 <= fake_time.sleeps[0] <= 0.5


def test_retry_after_beyond_the_budget_gives_up_at_once(fake_time, rsps):
    api = make_client(fake_time, retry=RetryPolicy(budget_seconds=60))
    rsps.get(URL, status=429, headers={"Retry-After": "120"}, json={"message": "Slow down."})
    with pytest.raises(errors.RateLimited) as info:
        api.campaign_statuses("00001")
    assert info.value.retry_after == 120.0
    assert info.value.message == "Slow down."
    assert len(rsps.calls) == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("max_retries", [0, 1, 3, 6])
def test_gives_up_after_max_retries(fake_time, rsps, max_retries):
    api = make_client(fake_time, retry=RetryPolicy(max_retries=max_retries, budget_seconds=1e6))
    rsps.get(URL, status=503, json={"errors": [{"message": "Maintenance."}]})
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert info.value.status == 503
    assert info.value.message == "Maintenance."
    assert len(rsps.calls) == max_retries + 1
    assert len(fake_time.sleeps) == max_retries


def test_429_gives_up_after_max_retries_with_the_last_retry_after(fake_time, rsps):
    api = make_client(fake_time, retry=RetryPolicy(max_retries=2))
    rsps.get(URL, status=429, headers={"Retry-After": "1"})
    rsps.get(URL, status=429, headers={"Retry-After": "2"})
    rsps.get(URL, status=429, headers={"Retry-After": "3"})
    with pytest.raises(errors.RateLimited) as info:
        api.campaign_statuses("00001")
    assert fake_time.sleeps == [1.0, 2.0]
    assert info.value.retry_after == 3.0
    assert len(rsps.calls) == 3


def test_gives_up_when_the_budget_would_be_exceeded(fake_time, rsps):
    policy = RetryPolicy(max_retries=10, budget_seconds=5, backoff_seconds=1)
    api = make_client(fake_time, retry=policy)
    rsps.get(URL, status=503)
    with pytest.raises(errors.Unavailable):
        api.campaign_statuses("00001")
    calls = len(rsps.calls)
    assert calls < policy.max_retries + 1
    assert calls == len(fake_time.sleeps) + 1
    assert sum(fake_time.sleeps) <= policy.budget_seconds
    # Waits of at least 0.5, 1, 2 and 4 s: a fourth retry cannot fit in 5 s.
    assert 2 <= calls <= 4


def test_budget_counts_the_time_spent_waiting_for_answers(fake_time, rsps):
    policy = RetryPolicy(max_retries=10, budget_seconds=30)
    api = make_client(fake_time, retry=policy)

    def slow_503(request):
        fake_time.advance(20)
        return 503, {}, ""

    rsps.add_callback("GET", URL, callback=slow_503)
    with pytest.raises(errors.Unavailable):
        api.campaign_statuses("00001")
    # 20 s for the first answer plus a short wait fits in 30 s; after the second it does not.
    assert len(rsps.calls) == 2
    assert len(fake_time.sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422, 501])
def test_no_retry_on_client_errors(api, rsps, fake_time, status):
    rsps.get(URL, status=status)
    with pytest.raises(errors.ThuliumError) as info:
        api.campaign_statuses("00001")
    assert info.value.status == status
    assert len(rsps.calls) == 1
    assert fake_time.sleeps == []


def test_backoff_grows_exponentially_with_jitter_within_bounds(fake_time, rsps):
    policy = RetryPolicy(
        max_retries=7, budget_seconds=1e6, backoff_seconds=0.5, max_backoff_seconds=10
    )
    api = make_client(fake_time, retry=policy)
    rsps.get(URL, status=503)
    with pytest.raises(errors.Unavailable):
        api.campaign_statuses("00001")
    ceilings = [0.5, 1, 2, 4, 8, 10, 10]
    assert len(fake_time.sleeps) == len(ceilings)
    for wait, ceiling in zip(fake_time.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    # Grows (each bound doubles until the cap), and is never exactly the bound: jitter.
    assert fake_time.sleeps[3] > fake_time.sleeps[0]
    assert len(set(fake_time.sleeps)) == len(fake_time.sleeps)


def test_backoff_bounds_over_many_samples():
    policy = RetryPolicy(backoff_seconds=0.5, max_backoff_seconds=10)
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(10, 0.5 * 2**attempt)
        waits = [policy.backoff(attempt, rng) for _ in range(300)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert max(waits) - min(waits) > ceiling / 4  # really spread over the range


def test_jitter_differs_between_clients(rsps):
    """Two workers failing together must not retry in lock-step."""
    from tests.thulium.helpers import FakeTime

    waits = []
    for seed in (1, 2):
        fake_time = FakeTime()
        api = make_client(fake_time, retry=RetryPolicy(max_retries=3), rng=random.Random(seed))
        rsps.get(URL, status=503)
        with pytest.raises(errors.Unavailable):
            api.campaign_statuses("00001")
        waits.append(fake_time.sleeps)
    assert waits[0] != waits[1]


@pytest.mark.parametrize("failure", [refused, reset, connect_timeout])
def test_connection_errors_are_retried(api, rsps, fake_time, failure):
    rsps.get(URL, body=failure())
    rsps.get(URL, body=failure())
    rsps.get(URL, json=STATUSES)
    assert len(api.campaign_statuses("00001")) == 1
    assert len(rsps.calls) == 3
    assert len(fake_time.sleeps) == 2


def test_connection_errors_give_up_after_max_retries(fake_time, rsps):
    api = make_client(fake_time, retry=RetryPolicy(max_retries=2))
    rsps.get(URL, body=refused())
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert len(rsps.calls) == 3
    assert info.value.status is None


@pytest.mark.parametrize("failure", [read_timeout, body_read_timeout])
def test_timeout_after_a_retry_is_not_retried_again(api, rsps, fake_time, failure):
    rsps.get(URL, status=503)
    rsps.get(URL, body=failure())
    with pytest.raises(errors.Timeout):
        api.campaign_statuses("00001")
    assert len(rsps.calls) == 2
    assert len(fake_time.sleeps) == 1


def test_a_retried_put_sends_the_same_body(api, rsps):
    url = BASE + "outbounds/00001/records_by_identifier/1234567890"
    changes = {"status_id": "3", "record_fields": {"uwagi": "zażółć"}}
    rsps.put(url, status=502, match=[matchers.json_params_matcher(changes)])
    rsps.put(url, status=204, match=[matchers.json_params_matcher(changes)])
    api.record_update("00001", "1234567890", changes=changes)
    assert len(rsps.calls) == 2
    assert rsps.calls[0].request.body == rsps.calls[1].request.body
    assert json.loads(rsps.calls[1].request.body) == changes


def test_a_retried_batch_sends_the_same_url(api, rsps):
    rsps.delete(PHONES_URL, status=503)
    rsps.delete(PHONES_URL, json={})
    api.records_delete_by_phone("00001", ["441", "442"])
    assert rsps.calls[0].request.url == rsps.calls[1].request.url


# --- maybe_applied_earlier --------------------------------------------------------------------


def _failure_response(rsps, url, failure):
    if isinstance(failure, int):
        rsps.delete(url, status=failure, headers={"Retry-After": "1"} if failure == 429 else {})
    else:
        rsps.delete(url, body=failure())


APPLIED_MAYBE = [500, 502, 504, reset]
NOT_APPLIED = [503, 429, refused, connect_timeout]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(f, True) for f in APPLIED_MAYBE] + [(f, False) for f in NOT_APPLIED],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_maybe_applied_earlier_after_one_failure(api, rsps, failure, expected):
    _failure_response(rsps, PHONES_URL, failure)
    rsps.delete(PHONES_URL, json={"441": [{"http_status": 404, "status": "NOT_EXIST"}]})
    report = api.records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is expected
    assert report.results["441"][0].status == "NOT_EXIST"
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(f, True) for f in APPLIED_MAYBE] + [(f, False) for f in NOT_APPLIED],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_maybe_applied_earlier_for_customers(api, rsps, failure, expected):
    _failure_response(rsps, CUSTOMERS_URL, failure)
    rsps.delete(CUSTOMERS_URL, json={"13": {"http_status": 404, "message": "Customer not found."}})
    report = api.customers_delete([13])
    assert report.maybe_applied_earlier is expected


def test_maybe_applied_earlier_sticks_once_set(api, rsps):
    rsps.delete(PHONES_URL, status=502)
    rsps.delete(PHONES_URL, status=503)
    rsps.delete(PHONES_URL, body=refused())
    rsps.delete(PHONES_URL, json={})
    report = api.records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is True
    assert len(rsps.calls) == 4


def test_maybe_applied_earlier_false_after_only_safe_failures(api, rsps):
    rsps.delete(PHONES_URL, status=503)
    rsps.delete(PHONES_URL, status=429)
    rsps.delete(PHONES_URL, body=refused())
    rsps.delete(PHONES_URL, json={})
    report = api.records_delete_by_phone("00001", ["441"])
    assert report.maybe_applied_earlier is False


def test_first_attempt_success_is_not_maybe_applied(api, rsps):
    rsps.delete(PHONES_URL, json={})
    assert api.records_delete_by_phone("00001", ["441"]).maybe_applied_earlier is False


def test_errors_say_whether_the_request_may_have_been_applied():
    from thuladmin.thulium import errors as thulium_errors

    assert thulium_errors.Timeout().maybe_applied
    assert not thulium_errors.Unavailable().maybe_applied
    assert not thulium_errors.RateLimited().maybe_applied

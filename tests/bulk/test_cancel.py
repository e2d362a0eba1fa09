"""Cancelling a job: nothing more leaves, only requests already on the wire finish."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.utils import timezone

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.cancellation import CancelWatch, job_cancel_flag_raise
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_cancel, bulk_job_draft_create, bulk_job_start
from thuladmin.thulium.throttle import ConcurrencyLimiter

API = "https://acme.thulium.com/api/"
PHONES_URL = API + "batch/outbounds/00001/records"


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.THULIUM_URL = API
    settings.THULIUM_BACKOFF_SECONDS = 0.001
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 400  # ~14 numbers a chunk
    settings.BULK_PARALLEL_REQUESTS = 3


def _numbers(count: int) -> list[str]:
    return [f"6{index:08d}" for index in range(count)]


def _job(user, numbers: list[str]) -> BulkJob:
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    assert bulk_job_start(job=job, user=user)
    return job


def _removed(request):
    numbers = parse_qs(urlsplit(request.url).query)["phone_number[]"]
    body = {
        number: [{"http_status": 200, "record_id": 1, "status": "REMOVED"}] for number in numbers
    }
    return 200, {}, json.dumps(body)


class CancelDuringFirstRequest:
    """Thulium's answer to each request; during the first one, the supervisor cancels the job.

    Counts the requests that start after the cancel returned: there must be none.
    """

    def __init__(self, job: BulkJob, user, *, wait_until_held: int) -> None:
        self.job = job
        # The runner's chunks held (claimed) before the cancel, this one included.
        self.wait_until_held = wait_until_held
        self.user = user
        self.lock = threading.Lock()
        self.requests = 0
        self.after_cancel = 0
        self.cancelled = False
        self.report = None
        self.held_at_cancel = 0

    def __call__(self, request):
        with self.lock:
            self.requests += 1
            if self.cancelled:
                self.after_cancel += 1
            elif self.requests == 1:
                self.held_at_cancel = self._wait_until_held(self.wait_until_held)
                # Of those, on the wire: the ones whose request started (the others wait).
                self.on_wire_at_cancel = BulkChunk.objects.filter(
                    job=self.job, state=BulkChunk.State.SENDING, request_started_at__isnull=False
                ).count()
                self.report = bulk_job_cancel(job=self.job, user=self.user)
                self.cancelled = True
        return _removed(request)

    def _wait_until_held(self, count: int) -> int:
        held = 0
        for _attempt in range(500):
            held = BulkChunk.objects.filter(job=self.job, state=BulkChunk.State.SENDING).count()
            if held >= count:
                break
            time.sleep(0.01)
        return held


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_runner_holding_chunks_sends_none_of_them_after_a_cancel(supervisor):
    """Three threads claim chunks while only one request may be in flight at a time (one shared
    slot): two chunks wait for the slot, claimed, when the job is cancelled. Neither leaves."""
    numbers = _numbers(100)
    job = _job(supervisor, numbers)
    thulium = CancelDuringFirstRequest(job, supervisor, wait_until_held=6)
    responses.add_callback(responses.DELETE, PHONES_URL, callback=thulium)
    one_slot = ConcurrencyLimiter(1, lease_seconds=30, key="test-cancel", poll_seconds=0.01)

    JobRunner(job.pk, parallel=3, concurrency=one_slot).run()

    assert thulium.requests == 1
    assert thulium.after_cancel == 0
    assert thulium.held_at_cancel == 6  # every thread holds a chunk: five were not sent
    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    counts = bulk_job_progress(job).counts
    # The one chunk sent is whichever thread got the slot first, not necessarily chunk 0.
    sent = job.chunks.get(state="done")
    assert counts == {"REMOVED": sent.item_count, "CANCELLED": 100 - sent.item_count}
    assert not job.items.filter(outcome=Outcome.PENDING).exists()
    # The held chunks are closed as cancelled, not as sent.
    assert set(job.chunks.exclude(pk=sent.pk).values_list("state", flat=True)) == {"cancelled"}
    assert thulium.report.requests_in_flight == thulium.on_wire_at_cancel == 1


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_runner_waiting_for_its_own_slot_does_not_send_after_a_cancel(supervisor):
    """One request at a time in the runner itself: the second thread's chunk waits, claimed."""
    job = _job(supervisor, _numbers(60))
    thulium = CancelDuringFirstRequest(job, supervisor, wait_until_held=2)
    responses.add_callback(responses.DELETE, PHONES_URL, callback=thulium)

    JobRunner(job.pk, parallel=1).run()

    assert (thulium.requests, thulium.after_cancel) == (1, 0)
    assert thulium.held_at_cancel == 2
    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    assert set(bulk_job_progress(job).counts) == {"REMOVED", "CANCELLED"}


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_request_that_fails_after_the_cancel_is_not_sent_again(supervisor):
    job = _job(supervisor, _numbers(30))
    calls = []

    def fail_and_cancel(request):
        calls.append(request.url)
        if len(calls) == 1:
            bulk_job_cancel(job=job, user=supervisor)
        return 503, {}, json.dumps({"message": "busy"})

    responses.add_callback(responses.DELETE, PHONES_URL, callback=fail_and_cancel)

    JobRunner(job.pk, parallel=1).run()

    # The client's own retries of that one request, never another chunk's.
    assert len(set(calls)) == 1
    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    counts = bulk_job_progress(job).counts
    first_chunk = job.chunks.get(number=0)
    assert counts.get("ERROR", 0) + counts.get("UNCERTAIN", 0) == first_chunk.item_count
    assert counts["CANCELLED"] == 30 - first_chunk.item_count


@pytest.mark.django_db(transaction=True)
def test_items_waiting_to_be_sent_again_after_a_doubtful_attempt_stay_uncertain(supervisor):
    job = _job(supervisor, _numbers(30))
    doubtful = job.chunks.get(number=0)
    BulkChunk.objects.filter(pk=doubtful.pk).update(uncertain=True, attempts=1)

    report = bulk_job_cancel(job=job, user=supervisor)

    assert report.items_cancelled == 30 - doubtful.item_count
    assert report.requests_in_flight == 0
    uncertain = job.items.filter(chunk=doubtful)
    assert set(uncertain.values_list("outcome", flat=True)) == {Outcome.UNCERTAIN}
    assert uncertain.first().detail_code == "bulk.cancelled_before_resent"
    assert "may have been applied" in uncertain.first().detail_text
    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_a_chunk_left_by_a_dead_runner_is_closed_not_sent_after_a_cancel(supervisor):
    job = _job(supervisor, _numbers(20))
    BulkChunk.objects.filter(job=job, number=0).update(
        state="sending", claimed_by="dead-runner", attempts=1, request_started_at=timezone.now()
    )
    bulk_job_cancel(job=job, user=supervisor)

    with responses.RequestsMock() as thulium:  # any request would fail the test
        JobRunner(job.pk).run()
        assert len(thulium.calls) == 0

    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    # The dead runner may have sent it: its items are uncertain, not cancelled.
    counts = bulk_job_progress(job).counts
    assert counts["UNCERTAIN"] == job.chunks.get(number=0).item_count


@pytest.mark.django_db(transaction=True)
def test_the_cancel_is_audited_with_the_requests_in_flight(supervisor):
    job = _job(supervisor, _numbers(30))
    BulkChunk.objects.filter(job=job, number=0).update(
        state="sending", claimed_by="a-runner", request_started_at=timezone.now()
    )
    # Claimed but still waiting for a request slot: not on the wire.
    BulkChunk.objects.filter(job=job, number=1).update(state="sending", claimed_by="a-runner")

    report = bulk_job_cancel(job=job, user=supervisor)

    assert report.requests_in_flight == 1
    entry = AuditEntry.objects.get(action="bulk.phone_numbers.cancel")
    assert entry.response == {
        "items_cancelled": report.items_cancelled,
        "requests_in_flight": 1,
    }
    job.refresh_from_db()
    assert job.is_active  # until the request in flight is recorded


@pytest.mark.django_db
def test_the_cancel_watch_sees_the_cache_flag_at_once_and_the_database_in_a_while(supervisor):
    job = _job(supervisor, _numbers(3))
    now = [0.0]
    watch = CancelWatch(job.pk, refresh_seconds=0.25, clock=lambda: now[0])
    assert not watch.requested()

    BulkJob.objects.filter(pk=job.pk).update(cancel_requested_at="2026-01-01T00:00:00Z")
    assert not watch.requested()  # read 0 s ago: not again yet
    now[0] = 0.3
    assert watch.requested()

    other = CancelWatch(_job(supervisor, _numbers(2)).pk, clock=lambda: now[0])
    assert not other.requested()
    job_cancel_flag_raise(job_id=other.job_id)
    assert other.requested()  # the flag, without waiting for the next read


@pytest.mark.django_db
def test_the_banner_says_how_many_requests_were_in_flight(supervisor_client, supervisor):
    job = _job(supervisor, _numbers(30))
    BulkChunk.objects.filter(job=job, number__in=[0, 1]).update(
        state="sending", claimed_by="a-runner", request_started_at=timezone.now()
    )

    response = supervisor_client.post(f"/jobs/{job.pk}/cancel/", follow=True)

    html = response.content.decode()
    assert "2 requests were already on their way to Thulium: they finish" in html
    assert "Cancelling: requests in flight finish." in html


@pytest.mark.django_db
def test_the_banner_says_when_nothing_was_in_flight(supervisor_client, supervisor):
    job = _job(supervisor, _numbers(3))

    response = supervisor_client.post(f"/jobs/{job.pk}/cancel/", follow=True)

    assert (
        "No request was on its way to Thulium: nothing more is sent." in response.content.decode()
    )

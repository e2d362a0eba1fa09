"""The job engine against a faked Thulium (`responses`): outcomes, faults, crashes, cancel."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.cache import cache
from django.utils import timezone

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from customers.bulk import CUSTOMERS
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import (
    AUDIT_SUBJECT,
    BulkChunk,
    BulkItem,
    BulkJob,
    BulkRunner,
    Outcome,
)
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import (
    bulk_job_cancel,
    bulk_job_draft_create,
    bulk_job_retry_create,
    bulk_job_start,
)
from thuladmin.bulk.watchdog import bulk_jobs_resume_stale
from thuladmin.thulium.throttle import thulium_limits

API = "https://acme.thulium.com/api/"
PHONES_URL = API + "batch/outbounds/00001/records"
CUSTOMERS_URL = API + "batch/customers"


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.THULIUM_URL = API
    settings.THULIUM_BACKOFF_SECONDS = 0.001
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 400  # ~14 numbers a chunk: many chunks from few numbers
    settings.BULK_PARALLEL_REQUESTS = 3


def _numbers(count: int, start: int = 0) -> list[str]:
    return [f"6{index:08d}" for index in range(start, start + count)]


def _job(user, numbers: list[str], kind=PHONE_NUMBERS, **options) -> BulkJob:
    parsed = kind.parse("\n".join(numbers), options=options)
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=parsed,
        campaign_id="00001" if kind is PHONE_NUMBERS else "",
        options=options,
    )
    assert bulk_job_start(job=job, user=user)
    return job


def _sent_numbers(request) -> list[str]:
    return parse_qs(urlsplit(request.url).query).get("phone_number[]", [])


class FakeThulium:
    """Answers batch deletions from a set of existing numbers, like the sandbox would."""

    def __init__(self, existing: set[str], in_call: frozenset[str] = frozenset()) -> None:
        self.existing = set(existing)
        self.in_call = in_call
        self.lock = threading.Lock()
        self.requests = 0

    def __call__(self, request):
        with self.lock:
            self.requests += 1
            body = {}
            for number in _sent_numbers(request):
                if number in self.in_call:
                    body[number] = [
                        {"http_status": 409, "record_id": 1, "status": "CALL_IN_PROGRESS"}
                    ]
                elif number in self.existing:
                    self.existing.discard(number)
                    body[number] = [
                        {"http_status": 200, "record_id": int(number), "status": "REMOVED"}
                    ]
                else:
                    body[number] = [{"http_status": 404, "status": "NOT_EXIST"}]
            return 200, {}, json.dumps(body)


def _assert_each_item_has_one_final_outcome(job: BulkJob) -> None:
    assert not job.items.filter(outcome=Outcome.PENDING).exists()
    assert job.items.count() == job.item_count + job.invalid_count
    assert not BulkChunk.objects.filter(job=job, state__in=["pending", "sending"]).exists()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_job_removes_existing_numbers_and_reports_the_rest(supervisor):
    numbers = _numbers(100)
    fake = FakeThulium(existing=set(numbers[:60]), in_call=frozenset(numbers[60:65]))
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _job(supervisor, numbers)

    JobRunner(job.pk).run()

    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED
    _assert_each_item_has_one_final_outcome(job)
    progress = bulk_job_progress(job)
    assert progress.counts == {"REMOVED": 60, "CALL_IN_PROGRESS": 5, "NOT_EXIST": 35}
    assert progress.done == progress.total == 100
    removed = job.items.select_related("chunk").get(value=numbers[0])
    assert (removed.record_ids, removed.removed_count) == ([numbers[0]], 1)
    assert fake.requests == job.chunks.count() > 5
    finish = AuditEntry.objects.get(action="bulk.phone_numbers.finish")
    assert (finish.subject_kind, finish.subject_id) == (AUDIT_SUBJECT, job.pk)
    assert finish.response["outcomes"] == progress.counts
    # Five numbers are still in a call, so still dialled: partly done, not a success.
    assert finish.outcome == AuditEntry.Outcome.PARTIAL
    assert AuditEntry.objects.filter(
        action="bulk.phone_numbers.start", subject_kind=AUDIT_SUBJECT, subject_id=job.pk
    ).exists()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_5xx_and_429_bursts_are_retried_to_the_end(supervisor):
    numbers = _numbers(60)
    fake = FakeThulium(existing=set(numbers))
    calls = {"count": 0}

    def flaky(request):
        calls["count"] += 1
        if calls["count"] % 3 == 1:
            return 503, {}, "<html><title>Service Unavailable</title></html>"
        if calls["count"] % 3 == 2:
            return 429, {"Retry-After": "0"}, ""
        return fake(request)

    responses.add_callback(responses.DELETE, PHONES_URL, callback=flaky)
    job = _job(supervisor, numbers)
    JobRunner(job.pk).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"REMOVED": 60}
    assert fake.existing == set()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_retry_after_a_timeout_reports_not_exist_as_uncertain(supervisor):
    numbers = _numbers(10)
    fake = FakeThulium(existing=set(numbers))
    first = {"done": False}

    def times_out_once_after_applying(request):
        answer = fake(request)
        if not first["done"]:
            first["done"] = True
            raise requests.exceptions.ReadTimeout("read timed out")
        return answer

    responses.add_callback(responses.DELETE, PHONES_URL, callback=times_out_once_after_applying)
    job = _job(supervisor, numbers)
    JobRunner(job.pk, parallel=1).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"UNCERTAIN": 10}
    assert "may have been removed" in job.items.first().detail_text


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_answer_missing_numbers_or_naming_others_is_handled(supervisor):
    numbers = _numbers(4)

    def partial(request):
        sent = _sent_numbers(request)
        body = {sent[0]: [{"http_status": 200, "record_id": 7, "status": "REMOVED"}]}
        body["999999999"] = [{"http_status": 200, "record_id": 8, "status": "REMOVED"}]
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.DELETE, PHONES_URL, callback=partial)
    job = _job(supervisor, numbers)
    JobRunner(job.pk).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"REMOVED": 1, "ERROR": 3}
    assert "did not mention" in job.items.filter(outcome=Outcome.ERROR).first().detail_text
    assert not job.items.filter(value="999999999").exists()
    assert "not sent" in job.chunks.get().last_error


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_wrong_credentials_fail_every_item_without_sending_every_chunk(supervisor):
    responses.add(
        responses.DELETE,
        PHONES_URL,
        status=401,
        json={"request_id": "r1", "errors": [{"message": "Invalid credentials.", "code": 1}]},
    )
    job = _job(supervisor, _numbers(100))
    JobRunner(job.pk, parallel=1).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"ERROR": 100}
    first = job.items.first()
    # Our words from the code, Thulium's as they came, apart.
    assert (first.detail_code, first.thulium_message) == (
        "thulium.credentials",
        "Invalid credentials.",
    )
    assert "THULIUM_USER" in first.detail_text
    assert len(responses.calls) == 1
    # Nothing was removed and every item failed.
    assert AuditEntry.objects.get(action="bulk.phone_numbers.finish").outcome == "failure"


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_runner_that_died_mid_chunk_is_taken_over_without_double_counting(supervisor):
    numbers = _numbers(40)
    fake = FakeThulium(existing=set(numbers))
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _job(supervisor, numbers)
    # A worker claimed the first chunk, sent it (Thulium removed its numbers), then died.
    dead = BulkRunner.objects.create(
        id="dead-worker", job=job, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    first = job.chunks.get(number=0)
    BulkChunk.objects.filter(pk=first.pk).update(
        state="sending", claimed_by=dead.id, attempts=1, request_started_at=timezone.now()
    )
    for value in first.items.values_list("value", flat=True):
        fake.existing.discard(value)
    BulkJob.objects.filter(pk=job.pk).update(
        state="running", confirmed_at=timezone.now() - timedelta(minutes=5)
    )

    assert bulk_jobs_resume_stale() == [job.pk]  # what a restarted worker's watchdog does
    JobRunner(job.pk).run()

    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED
    _assert_each_item_has_one_final_outcome(job)
    first.refresh_from_db()
    assert first.uncertain
    assert first.attempts == 2
    assert set(first.items.values_list("outcome", flat=True)) == {Outcome.UNCERTAIN}
    counts = bulk_job_progress(job).counts
    assert counts == {"UNCERTAIN": first.item_count, "REMOVED": 40 - first.item_count}


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_chunk_whose_runner_dies_every_time_is_given_up(supervisor, settings):
    settings.BULK_CHUNK_MAX_ATTEMPTS = 2
    responses.add_callback(responses.DELETE, PHONES_URL, callback=FakeThulium(existing=set()))
    job = _job(supervisor, _numbers(5))
    BulkRunner.objects.create(id="dead", job=job, heartbeat_at=timezone.now() - timedelta(hours=1))
    BulkChunk.objects.filter(job=job).update(
        state="sending", claimed_by="dead", attempts=2, request_started_at=timezone.now()
    )

    JobRunner(job.pk).run()

    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"UNCERTAIN": 5}
    assert len(responses.calls) == 0
    assert job.items.first().detail_text == (
        "Given up after repeated interruptions. "
        "It may have been applied: check before sending again."
    )


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_chunk_given_up_that_never_left_is_an_error_not_uncertain(supervisor, settings):
    settings.BULK_CHUNK_MAX_ATTEMPTS = 2
    responses.add_callback(responses.DELETE, PHONES_URL, callback=FakeThulium(existing=set()))
    job = _job(supervisor, _numbers(5))
    BulkRunner.objects.create(id="dead", job=job, heartbeat_at=timezone.now() - timedelta(hours=1))
    # Claimed twice by runners that died before their request started.
    BulkChunk.objects.filter(job=job).update(state="sending", claimed_by="dead", attempts=2)

    JobRunner(job.pk).run()

    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"ERROR": 5}
    assert len(responses.calls) == 0


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_chunk_claimed_by_a_dead_runner_but_never_sent_is_sent_as_certain(supervisor):
    numbers = _numbers(40)
    fake = FakeThulium(existing=set(numbers[:30]))
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _job(supervisor, numbers)
    # A worker claimed every chunk, started the request of the first only, then died.
    dead = BulkRunner.objects.create(
        id="dead-worker", job=job, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    BulkChunk.objects.filter(job=job).update(state="sending", claimed_by=dead.id, attempts=1)
    first = job.chunks.get(number=0)
    BulkChunk.objects.filter(pk=first.pk).update(request_started_at=timezone.now())
    for value in first.items.values_list("value", flat=True):
        fake.existing.discard(value)  # Thulium applied the first request

    JobRunner(job.pk).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert set(first.items.values_list("outcome", flat=True)) == {Outcome.UNCERTAIN}
    others = job.items.exclude(chunk=first)
    assert not others.filter(outcome=Outcome.UNCERTAIN).exists()
    assert set(others.filter(value__in=numbers[30:]).values_list("outcome", flat=True)) == {
        PhoneNumberOutcome.NOT_EXIST
    }
    assert not BulkChunk.objects.filter(job=job, uncertain=True).exclude(pk=first.pk).exists()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_runner_whose_chunk_was_taken_over_before_its_request_sends_nothing(supervisor):
    responses.add_callback(responses.DELETE, PHONES_URL, callback=FakeThulium(existing=set()))
    job = _job(supervisor, _numbers(5))
    runner = JobRunner(job.pk)
    chunk = runner._claim(job)
    # While it waited for a request slot, it looked dead and another runner took the chunk.
    BulkChunk.objects.filter(pk=chunk.pk).update(claimed_by="another-runner")

    runner._send(job, PHONE_NUMBERS, chunk)

    assert len(responses.calls) == 0
    taken = BulkChunk.objects.get(pk=chunk.pk)
    assert (taken.state, taken.claimed_by, taken.request_started_at) == (
        "sending",
        "another-runner",
        None,
    )


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_runner_died_is_queued_again_at_once(supervisor):
    job = _job(supervisor, _numbers(5))  # confirmed a moment ago
    BulkJob.objects.filter(pk=job.pk).update(state="running")
    BulkRunner.objects.create(
        id="dead", job=job, heartbeat_at=timezone.now() - timedelta(seconds=30)
    )

    assert bulk_jobs_resume_stale() == [job.pk]
    # Queued again: not a second time while that task waits for a worker.
    assert bulk_jobs_resume_stale() == []


@pytest.mark.django_db(transaction=True)
def test_a_job_queued_without_a_confirmation_time_is_resumed(supervisor):
    job = _job(supervisor, _numbers(5))
    BulkJob.objects.filter(pk=job.pk).update(confirmed_at=None)

    assert bulk_jobs_resume_stale() == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_a_job_waiting_in_the_queue_is_left_alone_for_a_while(supervisor):
    job = _job(supervisor, _numbers(5))

    assert bulk_jobs_resume_stale() == []

    BulkJob.objects.filter(pk=job.pk).update(confirmed_at=timezone.now() - timedelta(minutes=5))
    assert bulk_jobs_resume_stale() == [job.pk]
    assert bulk_jobs_resume_stale() == []


@pytest.mark.django_db(transaction=True)
def test_cancel_before_running_marks_every_unsent_item_cancelled(supervisor):
    job = _job(supervisor, _numbers(50))
    assert bulk_job_cancel(job=job, user=supervisor).items_cancelled == 50

    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"CANCELLED": 50}
    finish = AuditEntry.objects.get(action="bulk.phone_numbers.finish")
    assert finish.response["state"] == "cancelled"


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_cancel_while_running_keeps_what_was_sent(supervisor):
    numbers = _numbers(100)
    fake = FakeThulium(existing=set(numbers))
    job = _job(supervisor, numbers)

    def cancel_on_first_request(request):
        if fake.requests == 0:
            bulk_job_cancel(job=job, user=supervisor)
        return fake(request)

    responses.add_callback(responses.DELETE, PHONES_URL, callback=cancel_on_first_request)
    JobRunner(job.pk, parallel=1).run()

    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    _assert_each_item_has_one_final_outcome(job)
    counts = bulk_job_progress(job).counts
    assert counts["REMOVED"] == fake.requests == 1 or counts["REMOVED"] > 0
    assert counts["REMOVED"] + counts["CANCELLED"] == 100
    assert counts["REMOVED"] == 100 - len(fake.existing)


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_retry_job_takes_the_failed_and_in_call_numbers(supervisor):
    numbers = _numbers(20)
    fake = FakeThulium(existing=set(numbers[:15]), in_call=frozenset(numbers[15:18]))
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _job(supervisor, numbers)
    JobRunner(job.pk).run()

    retry = bulk_job_retry_create(job=job, user=supervisor)

    assert retry.state == BulkJob.State.DRAFT
    assert retry.retry_of == job
    assert list(retry.items.values_list("value", flat=True)) == numbers[15:18]


@pytest.mark.django_db(transaction=True)
def test_double_confirmation_starts_once(supervisor):
    parsed = PHONE_NUMBERS.parse("600100200", options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name="phone_numbers", parsed=parsed, campaign_id="00001"
    )
    assert bulk_job_start(job=job, user=supervisor)
    assert not bulk_job_start(job=job, user=supervisor)
    assert AuditEntry.objects.filter(action="bulk.phone_numbers.start").count() == 1


@pytest.mark.django_db(transaction=True)
def test_invalid_tokens_are_stored_with_their_outcome(supervisor):
    parsed = PHONE_NUMBERS.parse("600100200\nabc\n12", options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name="phone_numbers", parsed=parsed, campaign_id="00001"
    )
    invalid = list(job.items.filter(outcome=Outcome.INVALID).values_list("raw", "line", "detail"))
    assert invalid == [("abc", 2, "contains letters or symbols"), ("12", 3, "too short")]
    assert BulkItem.objects.filter(job=job, chunk__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_customer_job(admin_member):
    def answer(request):
        ids = parse_qs(urlsplit(request.url).query)["customer_id[]"]
        body = {
            customer_id: {"http_status": 204}
            if int(customer_id) % 2
            else {"http_status": 404, "message": "Customer not found."}
            for customer_id in ids
        }
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.DELETE, CUSTOMERS_URL, callback=answer)
    job = _job(admin_member, [str(index) for index in range(1, 31)], kind=CUSTOMERS)
    JobRunner(job.pk).run()

    job.refresh_from_db()
    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"DELETED": 15, "NOT_FOUND": 15}
    not_found = job.items.get(value="2")
    assert (not_found.detail_text, not_found.thulium_message) == ("", "Customer not found.")
    assert not_found.thulium_said == "Thulium said: Customer not found."


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_gateway_errors_to_the_end_leave_items_uncertain_not_failed(supervisor, settings):
    settings.THULIUM_MAX_RETRIES = 1
    settings.BULK_CHUNK_MAX_ATTEMPTS = 2
    responses.add(responses.DELETE, PHONES_URL, status=502, body="Bad Gateway")
    job = _job(supervisor, _numbers(5))
    JobRunner(job.pk).run()

    _assert_each_item_has_one_final_outcome(job)
    assert bulk_job_progress(job).counts == {"UNCERTAIN": 5}
    assert len(responses.calls) == 4  # (1 + 1 retry) x 2 attempts


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_unavailable_to_the_end_is_an_error_when_nothing_was_applied(supervisor, settings):
    settings.THULIUM_MAX_RETRIES = 1
    settings.BULK_CHUNK_MAX_ATTEMPTS = 2
    responses.add(responses.DELETE, PHONES_URL, status=503, body="down")
    job = _job(supervisor, _numbers(5))
    JobRunner(job.pk).run()

    assert bulk_job_progress(job).counts == {"ERROR": 5}
    first = job.items.first()
    assert first.detail_text == "Thulium answered with a server error (HTTP 503)."
    assert first.thulium_message == "down"


@pytest.mark.django_db(transaction=True)
def test_a_job_that_removed_nothing_is_logged_as_nothing_changed(supervisor):
    job = _job(supervisor, _numbers(20))
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.DELETE, PHONES_URL, callback=FakeThulium(existing=set()))
        JobRunner(job.pk).run()

    finish = AuditEntry.objects.get(action="bulk.phone_numbers.finish")
    assert finish.outcome == AuditEntry.Outcome.NOTHING_CHANGED


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_runner_taking_over_frees_the_dead_runners_request_slots_not_a_live_ones(
    supervisor, settings
):
    settings.BULK_MAX_CONCURRENT_REQUESTS = 3
    settings.BULK_CONCURRENCY_LEASE_SECONDS = 600  # left to their leases, they would block
    numbers = _numbers(40)
    responses.add_callback(
        responses.DELETE, PHONES_URL, callback=FakeThulium(existing=set(numbers))
    )
    job = _job(supervisor, numbers)
    # A runner claimed the first chunk, took two request slots and was killed; another job's
    # runner is alive and holds the third slot through a slow request.
    dead = BulkRunner.objects.create(
        id="host:1:dead", job=job, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    BulkChunk.objects.filter(job=job, number=0).update(
        state="sending", claimed_by=dead.id, attempts=1, request_started_at=timezone.now()
    )
    slots = thulium_limits().concurrency
    slots.try_acquire(holder=dead.id)
    slots.try_acquire(holder=dead.id)
    slow = slots.try_acquire(holder="host:2:slow")

    runner = threading.Thread(target=JobRunner(job.pk).run, daemon=True)
    runner.start()
    runner.join(timeout=30)

    assert not runner.is_alive(), "the runner waited for the dead runner's slots"
    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED
    _assert_each_item_has_one_final_outcome(job)
    assert cache.get(slow.key) == slow.lease

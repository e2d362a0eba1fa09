"""Every fault the issue lists, injected precisely with `responses`, each cross-checked.

A `FakeThulium` holds the campaign's records and applies each batch deletion the way the sandbox
does; a fault plan then breaks chosen requests before or after the deletion was applied. For each
fault the job must end with every item accounted for once, nothing marked removed that the fake
did not remove, nothing that existed marked "did not exist", an audit entry that agrees, and a
reason the supervisor can read on the job page.

(tests/bulk/test_runner.py already covers: alternating 503/429 to the end, one read timeout
after applying, 401, a runner killed mid-chunk, 502 and 503 to the end. They are not repeated.)
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.utils.html import escape

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from customers.bulk import CUSTOMERS, CustomerOutcome
from tests.reliability.conftest import FAKE_API
from tests.reliability.helpers import assert_every_item_accounted_for
from tests.thulium.helpers import FakeTime, read_timeout, refused, reset
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.thulium.client import RetryPolicy, ThuliumClient, build_session

pytestmark = pytest.mark.django_db(transaction=True)

PHONES_URL = FAKE_API + "batch/outbounds/00001/records"
CUSTOMERS_URL = FAKE_API + "batch/customers"
NUMBERS = [f"6{index:08d}" for index in range(36)]
EXISTING = set(NUMBERS[:30])  # 6 numbers never existed
IN_CALL = {NUMBERS[0], NUMBERS[1]}
DUPLICATED = {NUMBERS[2], NUMBERS[3]}  # two records each

Fault = Callable[[int], str | None]


class FakeThulium:
    """A campaign's records, deleted by phone number like the sandbox; faults on chosen calls.

    `fault(n)` names what goes wrong with the n-th request (1-based), or None:
    - before applying: "reset", "refused", "503", "429", "html";
    - after applying: "reset-after", "timeout-after", "500-after", "truncated", "omit",
      "extra", "renamed".
    """

    def __init__(self, fault: Fault = lambda n: None) -> None:
        self.records = Counter({number: 1 for number in EXISTING})
        for number in DUPLICATED:
            self.records[number] += 1
        self.in_call = set(IN_CALL)
        self.removed: set[str] = set()
        self.fault = fault
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, request):
        sent = parse_qs(urlsplit(request.url).query)["phone_number[]"]
        with self.lock:
            self.calls += 1
            fault = self.fault(self.calls)
            if fault == "reset":
                raise reset()
            if fault == "refused":
                raise refused()
            if fault == "503":
                return 503, {}, "<html><title>503 Service Temporarily Unavailable</title></html>"
            if fault == "429":
                body = {"errors": [{"message": "Too many requests.", "code": 4290}]}
                return 429, {"Retry-After": "0"}, json.dumps(body)
            if fault == "html":
                return 200, {"Content-Type": "text/html"}, "<html><title>Login - Proxy</title>"
            body = self._apply(sent)
        if fault == "reset-after":
            raise reset()
        if fault == "timeout-after":
            raise read_timeout()
        if fault == "500-after":
            body = {"request_id": "r1", "errors": [{"message": "Internal server error."}]}
            return 500, {}, json.dumps(body)
        text = json.dumps(body)
        if fault == "truncated":
            return 200, {}, text[: len(text) // 2]
        if fault == "omit":
            kept = {number: body[number] for number in list(body)[::2]}
            return 200, {}, json.dumps(kept)
        if fault == "extra":
            body["999000111"] = [{"http_status": 200, "record_id": 1, "status": "REMOVED"}]
            body["999000222"] = [{"http_status": 404, "status": "NOT_EXIST"}]
            return 200, {}, json.dumps(body)
        if fault == "renamed":
            return 200, {}, json.dumps({"+48" + number: body[number] for number in body})
        return 200, {}, text

    def _apply(self, sent: list[str]) -> dict:
        body = {}
        for number in sent:
            if number in self.in_call:
                body[number] = [{"http_status": 409, "record_id": 1, "status": "CALL_IN_PROGRESS"}]
            elif self.records[number]:
                body[number] = [
                    {"http_status": 200, "record_id": index, "status": "REMOVED"}
                    for index in range(self.records[number])
                ]
                del self.records[number]
                self.removed.add(number)
            else:
                body[number] = [{"http_status": 404, "status": "NOT_EXIST"}]
        return body


def _start(user, values: list[str], kind=PHONE_NUMBERS) -> BulkJob:
    parsed = kind.parse("\n".join(values), options={})
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=parsed,
        campaign_id="00001" if kind is PHONE_NUMBERS else "",
    )
    assert bulk_job_start(job=job, user=user)
    return job


def _page_shows(client, job: BulkJob, outcome: str, text: str) -> None:
    """The supervisor reads `text` among the job page's items of `outcome`."""
    response = client.get(f"/jobs/{job.pk}/", {"outcome": outcome})
    assert response.status_code == 200
    assert escape(text) in response.content.decode(), f"{text!r} not on the page"


def every(k: int, fault: str, *, upto: int | None = None) -> Fault:
    """The fault on every k-th request (the 1st, the k+1-th, ...), up to request `upto`."""
    return lambda n: fault if (n - 1) % k == 0 and (upto is None or n <= upto) else None


# (fault plan, outcomes allowed, (outcome, text the job page shows for items of it)). Faults
# "after applying" are bounded (`upto`) so that no request can fail on every attempt: the page
# then shows the "found nothing on a retry" wording, which is what these scenarios are about
# (a request given up for good is its own scenario below: "... to the end").
SCENARIOS = {
    "connection reset before applying": (
        every(2, "reset"),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.UNCERTAIN,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        None,
    ),
    "connection reset after applying": (
        every(2, "reset-after", upto=5),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.UNCERTAIN,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        (Outcome.UNCERTAIN, "may have been removed by that attempt"),
    ),
    "read timeout after applying": (
        every(3, "timeout-after", upto=4),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.UNCERTAIN,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        (Outcome.UNCERTAIN, "may have been removed by that attempt"),
    ),
    "burst of 500s after applying": (
        every(1, "500-after", upto=3),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.UNCERTAIN,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        (Outcome.UNCERTAIN, "may have been removed by that attempt"),
    ),
    "truncated JSON body after applying": (
        every(2, "truncated", upto=4),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.UNCERTAIN,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        (Outcome.UNCERTAIN, "may have been removed by that attempt"),
    ),
    "answer missing some numbers": (
        every(1, "omit"),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            Outcome.ERROR,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        (Outcome.ERROR, "Thulium's answer did not mention this item."),
    ),
    "answer naming numbers not sent": (
        every(1, "extra"),
        {
            PhoneNumberOutcome.REMOVED,
            PhoneNumberOutcome.NOT_EXIST,
            PhoneNumberOutcome.CALL_IN_PROGRESS,
        },
        None,
    ),
    "answer echoing numbers in another form": (
        every(1, "renamed"),
        {Outcome.ERROR},
        (Outcome.ERROR, "Thulium's answer did not mention this item."),
    ),
    "proxy login page (non-JSON 200) to the end": (
        every(1, "html"),
        {Outcome.UNCERTAIN},
        (Outcome.UNCERTAIN, "body that is not JSON: 'Login - Proxy'"),
    ),
    "connection refused to the end": (
        every(1, "refused"),
        {Outcome.ERROR},
        (Outcome.ERROR, "Could not connect to Thulium. Check the address and the network."),
    ),
    "rate limited (429) to the end": (
        every(1, "429"),
        {Outcome.ERROR},
        (Outcome.ERROR, "Too many requests."),
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@responses.activate
def test_fault(scenario, fake_api, supervisor, client):
    fault, allowed, shown = SCENARIOS[scenario]
    fake = FakeThulium(fault)
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _start(supervisor, [*NUMBERS, "not-a-number"])

    JobRunner(job.pk).run()

    counts = assert_every_item_accounted_for(job, removed=fake.removed, existed=EXISTING)
    assert set(counts) - {Outcome.INVALID} <= allowed, counts
    assert counts[Outcome.INVALID] == 1
    # Whatever happened, the records still in the fake's campaign are exactly the ones no item
    # claims as removed (or uncertain): an item's outcome never hides a surviving record.
    claimed = set(
        job.items.filter(outcome=PhoneNumberOutcome.REMOVED).values_list("value", flat=True)
    )
    assert claimed <= fake.removed
    survivors = {number for number, count in fake.records.items() if count} | IN_CALL
    assert not claimed & survivors
    if shown:
        client.force_login(supervisor)
        _page_shows(client, job, *shown)


@responses.activate
def test_a_503_burst_longer_than_the_client_retries_ends_exact(fake_api, supervisor):
    """503 means "not processed": after the burst every outcome is exact, nothing uncertain."""
    fake = FakeThulium(every(1, "503", upto=7))
    responses.add_callback(responses.DELETE, PHONES_URL, callback=fake)
    job = _start(supervisor, NUMBERS)

    JobRunner(job.pk, parallel=1).run()

    counts = assert_every_item_accounted_for(job, removed=fake.removed, existed=EXISTING)
    assert counts == {
        PhoneNumberOutcome.REMOVED: 28,
        PhoneNumberOutcome.CALL_IN_PROGRESS: 2,
        PhoneNumberOutcome.NOT_EXIST: 6,
    }
    assert fake.removed == EXISTING - IN_CALL
    assert job.items.get(value=NUMBERS[2]).removed_count == 2


@responses.activate
def test_retry_after_is_waited_for_as_asked(fake_api, supervisor, settings):
    """A 429's Retry-After (seconds) is what the client sleeps before the next attempt."""
    answers = iter([429, 429])

    fake = FakeThulium()

    def limited(request):
        status = next(answers, None)
        if status:
            return status, {"Retry-After": "7"}, ""
        return fake(request)

    responses.add_callback(responses.DELETE, PHONES_URL, callback=limited)
    fake_time = FakeTime()
    client = ThuliumClient(
        base_url=FAKE_API,
        username="api_user",
        password="pw",
        session=build_session(),
        retry=RetryPolicy(max_retries=3, budget_seconds=60, backoff_seconds=0.001),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    job = _start(supervisor, NUMBERS[:5])

    JobRunner(job.pk, client=client, parallel=1).run()

    assert fake_time.sleeps == [7.0, 7.0]
    counts = assert_every_item_accounted_for(job, removed=fake.removed, existed=EXISTING)
    assert counts == {PhoneNumberOutcome.REMOVED: 3, PhoneNumberOutcome.CALL_IN_PROGRESS: 2}


@responses.activate
def test_a_retry_after_beyond_the_budget_gives_up_with_a_clear_message(fake_api, supervisor):
    responses.add(
        responses.DELETE,
        PHONES_URL,
        status=429,
        headers={"Retry-After": "3600"},
        json={"errors": [{"message": "Limit of 100 requests per hour reached."}]},
    )
    job = _start(supervisor, NUMBERS[:5])

    JobRunner(job.pk, parallel=1).run()

    counts = assert_every_item_accounted_for(job, removed=set(), existed=EXISTING)
    assert counts == {Outcome.ERROR: 5}
    first = job.items.first()
    assert first.thulium_message == "Limit of 100 requests per hour reached."
    assert first.detail_text == (
        "Thulium limited the rate of requests (HTTP 429) and the retries ran out."
    )
    # Not applied (429 means "not processed"), so not uncertain, and each chunk was tried once
    # per attempt: the hour-long wait was never slept.
    assert len(responses.calls) == job.chunks.count() * 3


# --- customers ---------------------------------------------------------------------------------


class FakeCustomers:
    def __init__(self, existing: set[str], fault: Fault = lambda n: None) -> None:
        self.existing = set(existing)
        self.deleted: set[str] = set()
        self.fault = fault
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, request):
        ids = parse_qs(urlsplit(request.url).query)["customer_id[]"]
        with self.lock:
            self.calls += 1
            fault = self.fault(self.calls)
            body = {}
            for customer_id in ids:
                if customer_id in self.existing:
                    self.existing.discard(customer_id)
                    self.deleted.add(customer_id)
                    body[customer_id] = {"http_status": 204}
                else:
                    body[customer_id] = {"http_status": 404, "message": "Customer not found."}
        if fault == "timeout-after":
            raise read_timeout()
        if fault == "omit":
            body = {customer_id: body[customer_id] for customer_id in list(body)[1:]}
        if fault == "odd":
            body[ids[0]] = {"http_status": 500, "message": "Customer is locked by a <b>ticket</b>."}
        return 200, {}, json.dumps(body)


CUSTOMER_IDS = [str(index) for index in range(1, 61)]
CUSTOMERS_EXISTING = set(CUSTOMER_IDS[:45])


@pytest.mark.parametrize(
    ("fault", "allowed", "shown"),
    [
        pytest.param(
            every(2, "timeout-after", upto=3),
            {CustomerOutcome.DELETED, CustomerOutcome.NOT_FOUND, Outcome.UNCERTAIN},
            (Outcome.UNCERTAIN, "may have been deleted by that attempt"),
            id="timeout after applying",
        ),
        pytest.param(
            every(1, "omit"),
            {CustomerOutcome.DELETED, CustomerOutcome.NOT_FOUND, Outcome.ERROR},
            (Outcome.ERROR, "Thulium's answer did not mention this item."),
            id="answer missing ids",
        ),
        pytest.param(
            every(1, "odd"),
            {CustomerOutcome.DELETED, CustomerOutcome.NOT_FOUND, Outcome.ERROR},
            (Outcome.ERROR, "Customer is locked by a <b>ticket</b>."),
            id="per-id error with Thulium's message",
        ),
    ],
)
@responses.activate
def test_customer_fault(fault, allowed, shown, fake_api, admin_member, client):
    fake = FakeCustomers(CUSTOMERS_EXISTING, fault)
    responses.add_callback(responses.DELETE, CUSTOMERS_URL, callback=fake)
    job = _start(admin_member, CUSTOMER_IDS, kind=CUSTOMERS)

    JobRunner(job.pk).run()

    counts = assert_every_item_accounted_for(job, removed=fake.deleted, existed=CUSTOMERS_EXISTING)
    assert set(counts) <= allowed, counts
    client.force_login(admin_member)
    _page_shows(client, job, *shown)

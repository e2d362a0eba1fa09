"""Faults injected by the sandbox itself, over real HTTP, checked against the sandbox's records.

The sandbox (served by the live server) decides 429s and 5xxs before handling a request, and its
"slow" answers come *after* the deletion was committed: with a client read timeout shorter than
the delay, Thulium removed the records and the client never heard. Those items must end
uncertain (or removed, if a later attempt saw them go), never "did not exist".
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.utils.html import escape

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from customers.bulk import CUSTOMERS, CustomerOutcome
from tests.reliability.helpers import assert_every_item_accounted_for
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox.models import Campaign, Customer, Record

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _let_slow_answers_finish(transactional_db, live_server, settings):
    """The live server keeps sleeping on answers the client gave up on: let them end while the
    database is still there, or they fail noisily after the test."""
    yield
    if settings.SANDBOX_SLOW_RATE:
        time.sleep(settings.SANDBOX_SLOW_MS / 1000 + 0.1)


CAMPAIGN = "66666"


def _campaign(numbers: list[str], *, in_call=(), duplicated=()) -> None:
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Faults", active=True)
    rows = [
        Record(campaign=campaign, identifier=f"F{n}", phone_number=n, in_call=n in in_call)
        for n in numbers
    ]
    rows += [Record(campaign=campaign, identifier=f"G{n}", phone_number=n) for n in duplicated]
    Record.objects.bulk_create(rows)


def _start(user, values: list[str], kind=PHONE_NUMBERS) -> BulkJob:
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=kind.parse("\n".join(values), options={}),
        campaign_id=CAMPAIGN if kind is PHONE_NUMBERS else "",
    )
    assert bulk_job_start(job=job, user=user)
    return job


def _assert_phone_outcomes_match_the_sandbox(job: BulkJob, existed: set[str]) -> None:
    remaining = set(
        Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True)
    )
    removed = existed - remaining
    assert_every_item_accounted_for(job, removed=removed, existed=existed)
    for value, outcome in job.items.values_list("value", "outcome"):
        if outcome in (PhoneNumberOutcome.REMOVED, Outcome.UNCERTAIN, PhoneNumberOutcome.NOT_EXIST):
            assert value not in remaining, (value, outcome)
        elif outcome in (PhoneNumberOutcome.CALL_IN_PROGRESS, Outcome.ERROR):
            # In a call, or never applied (only 429/503s): if it existed, it is still there.
            assert value in remaining or value not in existed, (value, outcome)


def test_read_timeouts_after_applying_end_uncertain_never_not_exist(
    sandbox, settings, supervisor, client
):
    settings.THULIUM_READ_TIMEOUT = 0.3
    settings.SANDBOX_SLOW_MS = 600
    settings.SANDBOX_SLOW_RATE = 0.4
    settings.BULK_URL_BUDGET_BYTES = 1200  # ~40 numbers a request
    numbers = [f"7{index:08d}" for index in range(320)]
    existed = set(numbers[:280])
    _campaign(numbers[:280])
    job = _start(supervisor, numbers)

    JobRunner(job.pk).run()

    _assert_phone_outcomes_match_the_sandbox(job, existed)
    counts = Counter(job.items.values_list("outcome", flat=True))
    assert counts[Outcome.UNCERTAIN], "no request timed out: the fault did not fire"
    assert set(counts) <= {
        PhoneNumberOutcome.REMOVED,
        Outcome.UNCERTAIN,
        PhoneNumberOutcome.NOT_EXIST,
    }, counts
    # Every number that existed is gone, and none of them is called "did not exist".
    not_exist = set(
        job.items.filter(outcome=PhoneNumberOutcome.NOT_EXIST).values_list("value", flat=True)
    )
    assert not not_exist & existed
    client.force_login(supervisor)
    page = client.get(f"/jobs/{job.pk}/", {"outcome": Outcome.UNCERTAIN}).content.decode()
    assert escape("may have been removed by that attempt") in page


def test_phone_job_under_every_sandbox_fault_at_once(sandbox, settings, supervisor):
    settings.THULIUM_READ_TIMEOUT = 0.3
    settings.SANDBOX_SLOW_MS = 500
    settings.SANDBOX_SLOW_RATE = 0.15
    settings.SANDBOX_ERROR_RATE = 0.25
    settings.SANDBOX_RATE_LIMIT_RATE = 0.15
    settings.BULK_URL_BUDGET_BYTES = 1200
    numbers = [f"8{index:08d}" for index in range(300)]
    existed = set(numbers[:250])
    _campaign(numbers[:250], in_call={numbers[0], numbers[1]}, duplicated=numbers[10:15])
    job = _start(supervisor, numbers)

    JobRunner(job.pk).run()

    _assert_phone_outcomes_match_the_sandbox(job, existed)
    in_call = job.items.filter(value__in=numbers[:2]).values_list("outcome", flat=True)
    assert set(in_call) <= {PhoneNumberOutcome.CALL_IN_PROGRESS, Outcome.ERROR}


def test_customer_job_under_every_sandbox_fault_at_once(sandbox, settings, admin_member):
    settings.THULIUM_READ_TIMEOUT = 0.3
    settings.SANDBOX_SLOW_MS = 500
    settings.SANDBOX_SLOW_RATE = 0.15
    settings.SANDBOX_ERROR_RATE = 0.25
    settings.SANDBOX_RATE_LIMIT_RATE = 0.15
    settings.BULK_URL_BUDGET_BYTES = 700
    Customer.objects.bulk_create(Customer(name=f"C{index}") for index in range(200))
    existing_ids = [str(pk) for pk in Customer.objects.values_list("pk", flat=True)]
    ids = existing_ids + [str(int(existing_ids[-1]) + offset) for offset in range(1, 41)]
    job = _start(admin_member, ids, kind=CUSTOMERS)

    JobRunner(job.pk).run()

    remaining = {str(pk) for pk in Customer.objects.values_list("pk", flat=True)}
    existed = set(existing_ids)
    assert_every_item_accounted_for(job, removed=existed - remaining, existed=existed)
    for value, outcome in job.items.values_list("value", "outcome"):
        if outcome in (CustomerOutcome.DELETED, Outcome.UNCERTAIN, CustomerOutcome.NOT_FOUND):
            assert value not in remaining, (value, outcome)
        else:
            assert outcome == Outcome.ERROR
            assert value in remaining or value not in existed

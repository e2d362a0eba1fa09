"""Bulk jobs against the real sandbox over HTTP: faults injected, and a worker killed mid-job.

Every item must end with exactly one outcome, and the sandbox's records must agree with it.
"""

from __future__ import annotations

import signal

import pytest
from django.conf import settings as django_settings

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from tests.production.helpers import wait_for
from tests.reliability.helpers import start_worker, test_database_url
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox import faults
from thuladmin.sandbox.models import Campaign, Record
from thuladmin.thulium import reset_client

CAMPAIGN = "77777"
# At most two chunks in flight when a worker is killed: the bound on UNCERTAIN items below.
TWO_IN_FLIGHT = {"BULK_PARALLEL_REQUESTS": "2"}

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(live_server, settings):
    """The client pointed at the sandbox served by the live server, with small chunks."""
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.THULIUM_BACKOFF_SECONDS = 0.01
    settings.SANDBOX_RETRY_AFTER_SECONDS = 0
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 1200  # ~40 numbers a request
    faults.rng.seed(7)
    reset_client()
    return live_server


def _campaign_with(numbers: list[str], *, in_call: set[str] = frozenset(), duplicated=()) -> None:
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="E2E", active=True)
    rows = [
        Record(campaign=campaign, identifier=f"E{n}", phone_number=n, in_call=n in in_call)
        for n in numbers
    ]
    rows += [Record(campaign=campaign, identifier=f"D{n}", phone_number=n) for n in duplicated]
    Record.objects.bulk_create(rows)


def _start(user, numbers: list[str]) -> BulkJob:
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id=CAMPAIGN
    )
    assert bulk_job_start(job=job, user=user)
    return job


def _assert_sandbox_matches_outcomes(job: BulkJob) -> dict[str, int]:
    remaining = set(
        Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True)
    )
    items = list(job.items.values_list("value", "outcome"))
    assert len(items) == job.item_count
    for value, outcome in items:
        if outcome in (PhoneNumberOutcome.REMOVED, PhoneNumberOutcome.NOT_EXIST, Outcome.UNCERTAIN):
            assert value not in remaining, (value, outcome)
        elif outcome == PhoneNumberOutcome.CALL_IN_PROGRESS:
            assert value in remaining
        else:
            pytest.fail(f"{value} ended as {outcome}")
    return bulk_job_progress(job).counts


def test_job_survives_5xx_and_429_faults_and_matches_the_sandbox(sandbox, settings, supervisor):
    settings.SANDBOX_ERROR_RATE = 0.3
    settings.SANDBOX_RATE_LIMIT_RATE = 0.2
    settings.THULIUM_MAX_RETRIES = 6
    settings.BULK_CHUNK_MAX_ATTEMPTS = 6
    numbers = [f"7{index:08d}" for index in range(400)]
    _campaign_with(numbers[:300], in_call={numbers[0], numbers[1]}, duplicated=numbers[10:20])
    job = _start(supervisor, numbers)

    JobRunner(job.pk).run()

    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED
    counts = _assert_sandbox_matches_outcomes(job)
    # Which request meets which fault depends on the order the threads send in. A number that
    # was never there is NOT_EXIST, or UNCERTAIN if its chunk first met a 500 or 502 (which may
    # have been applied, as far as the client can tell).
    not_there = counts.pop("NOT_EXIST", 0) + counts.pop("UNCERTAIN", 0)
    assert counts == {"REMOVED": 298, "CALL_IN_PROGRESS": 2}
    assert not_there == 100
    duplicated = job.items.select_related("chunk").get(value=numbers[10])
    assert duplicated.removed_count == 2
    assert len(duplicated.record_ids) == 2


def test_worker_killed_mid_job_is_resumed_by_a_new_worker(sandbox, settings, supervisor, tmp_path):
    settings.SANDBOX_LATENCY_MS = 150  # slow enough to kill the worker between chunks
    settings.BULK_URL_BUDGET_BYTES = 900
    numbers = [f"8{index:08d}" for index in range(600)]
    _campaign_with(numbers[:500], in_call={numbers[5]})
    job = _start(supervisor, numbers)
    database_url = test_database_url()
    log = tmp_path / "workers.log"
    assert django_settings.DATABASES["default"]["NAME"] in database_url

    first = start_worker(database_url, sandbox.url + "/sandbox/api/", log, **TWO_IN_FLIGHT)
    try:
        assert wait_for(
            lambda: BulkChunk.objects.filter(job=job, state="done").count() >= 3, timeout=60
        ), "the first worker never got going"
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    done_at_kill = BulkChunk.objects.filter(job=job, state="done").count()
    assert done_at_kill < job.chunks.count(), "the job finished before the kill"

    second = start_worker(database_url, sandbox.url + "/sandbox/api/", log, **TWO_IN_FLIGHT)
    try:
        assert wait_for(
            lambda: BulkJob.objects.get(pk=job.pk).state == BulkJob.State.FINISHED, timeout=120
        ), "the job was not finished after a restart"
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)

    job.refresh_from_db()
    counts = _assert_sandbox_matches_outcomes(job)
    assert sum(counts.values()) == 600
    assert counts.get("CALL_IN_PROGRESS") == 1
    # Only a chunk in flight at the kill can be uncertain; everything else is exact.
    assert counts.get("UNCERTAIN", 0) <= 2 * 45
    assert counts["REMOVED"] + counts.get("UNCERTAIN", 0) >= 499 - 2 * 45

"""Exact outcomes after a crash: only chunks whose request had started may end uncertain.

A real `db_worker` runs a job against the sandbox (served by the live server in this process,
400 ms a request, so requests stay on the wire), with the default heartbeat, staleness and sweep
settings. It is killed with SIGKILL while requests are on the wire and other chunks are claimed
but still waiting for a request slot; a new worker starts a second later, as `make run`'s
supervisor would start it. The sandbox records every request it receives, so the test knows
which numbers Thulium saw before the crash.
"""

from __future__ import annotations

import signal
import threading
import time
from urllib.parse import parse_qs

import pytest
from django.core.signals import request_started

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from tests.reliability.helpers import (
    assert_every_item_accounted_for,
    start_worker,
    test_database_url,
)
from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox.models import Campaign, Record

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "56565"
SIZE = 2000
# The defaults of settings.py, not the reliability helpers' fast ones: the takeover is timed.
DEFAULT_TIMING = {
    "BULK_HEARTBEAT_SECONDS": "2",
    "BULK_RUNNER_STALE_SECONDS": "10",
    "BULK_SWEEP_SECONDS": "2",
}
TAKEOVER_LIMIT_SECONDS = 20


class SandboxRequests:
    """The numbers of every batch request the sandbox received, as it received them."""

    def __init__(self) -> None:
        self.numbers: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, sender, environ, **kwargs) -> None:
        if "/sandbox/api/batch/" not in environ.get("PATH_INFO", ""):
            return
        sent = parse_qs(environ.get("QUERY_STRING", "")).get("phone_number[]", [])
        with self.lock:
            self.numbers.extend(sent)

    def seen(self) -> set[str]:
        with self.lock:
            return set(self.numbers)


def _wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def test_a_crash_leaves_uncertain_only_what_was_on_the_wire(
    sandbox, settings, supervisor, tmp_path
):
    settings.SANDBOX_LATENCY_MS = 400
    settings.BULK_URL_BUDGET_BYTES = 1500  # ~48 numbers a request
    numbers = [f"5{index:08d}" for index in range(SIZE)]
    existed = set(numbers[: SIZE * 4 // 5])
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Crash", active=True)
    Record.objects.bulk_create(
        [Record(campaign=campaign, identifier=f"C{n}", phone_number=n) for n in existed]
    )
    received = SandboxRequests()
    request_started.connect(received, dispatch_uid="crash-outcomes")
    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("\n".join(numbers), options={}),
        campaign_id=CAMPAIGN,
    )
    assert bulk_job_start(job=job, user=supervisor)
    database_url = test_database_url()
    sandbox_url = sandbox.url + "/sandbox/api/"
    log = tmp_path / "workers.log"
    chunks = BulkChunk.objects.filter(job=job, state=BulkChunk.State.SENDING)
    workers = []
    try:
        first = start_worker(database_url, sandbox_url, log, **DEFAULT_TIMING)
        workers.append(first)
        # Requests on the wire (all three slots) and chunks claimed behind them.
        assert _wait_for(
            lambda: (
                chunks.filter(request_started_at__isnull=False).count() == 3
                and chunks.filter(request_started_at__isnull=True).exists()
            ),
            timeout=60,
        ), f"the worker never had requests on the wire:\n{log.read_text()[-3000:]}"
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        started = set(chunks.filter(request_started_at__isnull=False).values_list("pk", flat=True))
        waiting = set(chunks.filter(request_started_at__isnull=True).values_list("pk", flat=True))
        dead_runner = set(chunks.values_list("claimed_by", flat=True))
        assert started
        assert waiting

        time.sleep(1)  # make run's supervisor restarts a dead worker after a second
        seen_before_crash = received.seen()
        workers.append(start_worker(database_url, sandbox_url, log, **DEFAULT_TIMING))
        assert _wait_for(
            lambda: (
                BulkChunk.objects.filter(pk__in=started | waiting)
                .exclude(claimed_by__in=dead_runner)
                .exists()
            ),
            timeout=60,
            interval=0.1,
        ), f"nothing was taken over:\n{log.read_text()[-3000:]}"
        takeover_seconds = time.monotonic() - killed_at
        print(f"takeover_seconds {takeover_seconds:.1f}")
        assert _wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_over, timeout=90), (
            f"the job did not finish after the restart:\n{log.read_text()[-3000:]}"
        )
    finally:
        request_started.disconnect(dispatch_uid="crash-outcomes")
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except Exception:
                worker.kill()

    remaining = set(
        Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True)
    )
    counts = assert_every_item_accounted_for(job, removed=existed - remaining, existed=existed)
    assert not remaining
    assert counts[Outcome.ERROR] == 0
    uncertain = set(job.items.filter(outcome=Outcome.UNCERTAIN).values_list("value", flat=True))
    # Only what had started may be uncertain, and of that only what Thulium did not remove.
    assert uncertain <= set(job.items.filter(chunk__in=started).values_list("value", flat=True))
    assert not uncertain - seen_before_crash, "uncertain, yet Thulium never saw it"
    never_started = job.items.filter(chunk__in=waiting)
    assert not never_started.filter(outcome=Outcome.UNCERTAIN).exists()
    assert set(never_started.values_list("outcome", flat=True)) <= {
        PhoneNumberOutcome.REMOVED,
        PhoneNumberOutcome.NOT_EXIST,
    }
    assert takeover_seconds <= TAKEOVER_LIMIT_SECONDS, f"taken over after {takeover_seconds:.1f} s"

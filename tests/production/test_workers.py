"""Several `db_worker` processes on one big job against the sandbox: every number sent once.

The sandbox runs in this test process (pytest-django's `live_server`), so it can count what it
receives: each batch request's numbers, and how many requests are in flight at once.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections import Counter

import pytest
from django.conf import settings as django_settings

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from tests.production.helpers import PYTHON, ROOT, child_database_url, process_env, wait_for
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.bulk.tasks import bulk_job_run
from thuladmin.health.models import WorkerHeartbeat
from thuladmin.sandbox import faults
from thuladmin.sandbox.models import Campaign, Record
from thuladmin.thulium import reset_client

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "44444"
MAX_CONCURRENT = 3


class SandboxRecorder:
    """Wraps the sandbox's fault hooks, which every authenticated request passes through."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: Counter[str] = Counter()
        self.requests = 0
        self.in_flight = 0
        self.most_in_flight = 0

    def install(self, monkeypatch) -> None:
        before, after = faults.before_handling, faults.after_handling

        def before_handling(request):
            numbers = request.GET.getlist("phone_number[]")
            with self.lock:
                self.sent.update(numbers)
                self.requests += bool(numbers)
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            return before(request)  # the latency is slept in here: still in flight

        def after_handling():
            after()
            with self.lock:
                self.in_flight -= 1

        monkeypatch.setattr(faults, "before_handling", before_handling)
        monkeypatch.setattr(faults, "after_handling", after_handling)


@pytest.fixture
def sandbox(live_server, settings, monkeypatch):
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.SANDBOX_LATENCY_MS = 25  # so both workers are busy at once
    settings.BULK_URL_BUDGET_BYTES = 600  # ~18 numbers a request: many chunks
    faults.rng.seed(7)
    reset_client()
    recorder = SandboxRecorder()
    recorder.install(monkeypatch)
    return live_server, recorder


def _worker(live_url: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
        ],
        cwd=ROOT,
        env=process_env(
            DEBUG="false",
            SANDBOX_ENABLED="true",
            THULIUM_URL="",
            THULIUM_USER="sandbox",
            THULIUM_PASSWORD="sandbox",
            SANDBOX_URL=live_url + "/sandbox/api/",
            DATABASE_URL=child_database_url(),
            BULK_URL_BUDGET_BYTES="600",
            BULK_REQUESTS_PER_SECOND="0",
            BULK_PARALLEL_REQUESTS="2",
            BULK_MAX_CONCURRENT_REQUESTS=str(MAX_CONCURRENT),
            WORKER_HEARTBEAT_SECONDS="0.2",
            LOG_LEVEL="WARNING",
            **env,
        ),
    )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_two_workers_on_one_big_job_send_every_number_exactly_once(sandbox, supervisor):
    live_server, recorder = sandbox
    numbers = [f"5{index:08d}" for index in range(3000)]
    in_call = set(numbers[100:110])
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Scale-out", active=True)
    Record.objects.bulk_create(
        Record(campaign=campaign, identifier=f"S{n}", phone_number=n, in_call=n in in_call)
        for n in numbers[:2500]
    )
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id=CAMPAIGN
    )
    assert job.chunks.count() > 150
    assert django_settings.DATABASES["default"]["NAME"] in child_database_url()

    workers = [_worker(live_server.url), _worker(live_server.url)]
    try:
        assert bulk_job_start(job=job, user=supervisor)
        bulk_job_run.enqueue(job_id=job.pk)  # a second task, so each worker runs the job
        assert wait_for(
            lambda: BulkJob.objects.get(pk=job.pk).state == BulkJob.State.FINISHED, timeout=180
        ), f"the job did not finish: {bulk_job_progress(job).counts}"
    finally:
        for worker in workers:
            _stop(worker)

    # Both workers took part: chunks were closed by runners in two processes.
    runner_pids = {
        claimed_by.split(":")[1]
        for claimed_by in BulkChunk.objects.filter(job=job).values_list("claimed_by", flat=True)
    }
    assert runner_pids == {str(worker.pid) for worker in workers}
    # Every item has exactly one outcome, none uncertain, and the sandbox agrees.
    counts = bulk_job_progress(job).counts
    assert counts == {"REMOVED": 2490, "CALL_IN_PROGRESS": 10, "NOT_EXIST": 500}
    assert not job.items.filter(outcome=Outcome.PENDING).exists()
    remaining = set(Record.objects.filter(campaign=campaign).values_list("phone_number", flat=True))
    assert remaining == in_call
    assert all(chunk.attempts == 1 for chunk in BulkChunk.objects.filter(job=job))
    # Sent once: the sandbox saw each number in exactly one request.
    assert set(recorder.sent) == set(numbers)
    assert recorder.sent.most_common(1)[0][1] == 1
    assert recorder.requests == job.chunks.count()
    shared_cache = "redis" in django_settings.CACHES["default"]["BACKEND"].lower()
    if shared_cache:
        # Four runner threads in two processes, but the limit in Redis let three through.
        assert recorder.most_in_flight <= MAX_CONCURRENT
    assert recorder.most_in_flight >= 2


def test_a_worker_heartbeat_is_reported_by_healthz_and_removed_on_stop(sandbox, client):
    live_server, _recorder = sandbox
    worker = _worker(live_server.url)
    try:
        assert wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
        health = client.get("/healthz").json()
        assert health["checks"]["worker"]["status"] == "ok"
        assert health["checks"]["worker"]["live_workers"] == 1
        assert WorkerHeartbeat.objects.get().pid == worker.pid
        first_beat = WorkerHeartbeat.objects.get().beat_at
        assert wait_for(lambda: WorkerHeartbeat.objects.get().beat_at > first_beat, timeout=10)
    finally:
        _stop(worker)
    assert worker.returncode == 0
    assert not WorkerHeartbeat.objects.exists(), "a worker stopped on purpose is not stale"
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "missing"

"""The watchdog frees a dead runner's request slots before its job is taken over, and leaves a
live runner's alone however slow its request (a fake clock moves the runners' heartbeats)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.models import BulkJob, BulkRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.bulk.watchdog import bulk_jobs_resume_stale
from thuladmin.thulium.throttle import thulium_limits


class FakeClock:
    """`timezone.now()` as the runners and the watchdog read it, moved on by hand."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def _running_job(user, clock: FakeClock) -> BulkJob:
    numbers = [f"6{index:08d}" for index in range(5)]
    job = bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("\n".join(numbers), options={}),
        campaign_id="00001",
    )
    assert bulk_job_start(job=job, user=user)
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.RUNNING, confirmed_at=clock.now)
    return job


@pytest.mark.django_db(transaction=True)
def test_a_dead_runners_slots_are_free_by_takeover_and_a_live_slow_ones_are_kept(
    supervisor, settings, clock
):
    settings.BULK_MAX_CONCURRENT_REQUESTS = 4
    settings.BULK_CONCURRENCY_LEASE_SECONDS = 600  # no lease runs out during the test
    settings.BULK_RUNNER_STALE_SECONDS = 10
    dying_job, slow_job = _running_job(supervisor, clock), _running_job(supervisor, clock)
    clock.now += timedelta(seconds=1)
    for runner_id, job in (("host:1:dying", dying_job), ("host:2:slow", slow_job)):
        BulkRunner.objects.create(
            id=runner_id, job=job, started_at=clock.now, heartbeat_at=clock.now
        )
    slots = thulium_limits().concurrency
    dying = [slots.try_acquire(holder="host:1:dying") for _ in range(2)]
    slow = [slots.try_acquire(holder="host:2:slow") for _ in range(2)]
    assert slots.try_acquire(holder="host:3:waiting") is None

    # The dying runner's worker is killed; the slow one's request goes on, and so does its
    # heartbeat (every BULK_HEARTBEAT_SECONDS).
    for _ in range(5):
        clock.now += timedelta(seconds=2)
        BulkRunner.objects.filter(pk="host:2:slow").update(heartbeat_at=clock.now)
        if clock.now < BulkRunner.objects.get(pk="host:1:dying").heartbeat_at + timedelta(
            seconds=settings.BULK_RUNNER_STALE_SECONDS
        ):
            assert bulk_jobs_resume_stale() == []  # not dead yet: its slots stay taken
            assert all(cache.get(held.key) == held.lease for held in dying)
    clock.now += timedelta(seconds=1)  # 11 s of silence: dead

    assert bulk_jobs_resume_stale() == [dying_job.pk]  # queued again, to be taken over

    assert all(cache.get(held.key) is None for held in dying), "free before the takeover"
    assert all(cache.get(held.key) == held.lease for held in slow), "the slow one keeps its"
    assert slots.try_acquire(holder="host:3:waiting") is not None

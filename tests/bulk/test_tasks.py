"""Bulk jobs never wait behind campaign reads: the worker claims a queued bulk job before a
campaign read queued earlier (task priority; django-tasks-db claims the highest first)."""

from __future__ import annotations

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from campaigns.tasks import campaign_snapshot_run
from thuladmin.bulk.tasks import bulk_job_run


@pytest.mark.django_db(transaction=True)  # the worker's loop checks its connection's state
def test_the_worker_claims_a_bulk_job_before_a_campaign_read_queued_first(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(
        "thuladmin.bulk.tasks.JobRunner",
        lambda job_id, **kwargs: type("Runner", (), {"run": lambda self: ran.append("bulk")})(),
    )
    monkeypatch.setattr(
        "campaigns.tasks.SnapshotSync",
        lambda snapshot_id: type("Sync", (), {"run": lambda self: ran.append("read")})(),
    )
    campaign_snapshot_run.enqueue(snapshot_id=1)
    campaign_snapshot_run.enqueue(snapshot_id=2)
    bulk_job_run.enqueue(job_id=1)

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()

    assert ran == ["bulk", "read", "read"]


def test_bulk_jobs_outrank_campaign_reads():
    assert bulk_job_run.priority > campaign_snapshot_run.priority

"""Finding bulk jobs that no live runner works on (a worker died) and queueing them again.

Every `db_worker` runs this on a timer (see the `db_worker` command); `manage.py bulk_resume`
runs it by hand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from thuladmin.bulk.completion import bulk_job_finish_if_complete
from thuladmin.bulk.models import BulkJob, BulkRunner
from thuladmin.bulk.runner import runner_stale_before
from thuladmin.bulk.tasks import bulk_job_run
from thuladmin.thulium.throttle import thulium_slots_release

logger = logging.getLogger(__name__)


def bulk_jobs_resume_stale() -> list[int]:
    """Queue a runner for every unfinished job that has none alive, e.g. after a worker crash.

    Called by every `db_worker` on a timer (see the `db_worker` command) and by
    `manage.py bulk_resume`. A job queued (or queued again) whose runner has not started yet may
    simply be waiting in the queue behind other tasks: it is left alone for a while. A job whose
    runner started since it was last queued and then went silent is queued again at once, so a
    killed worker's job is taken over about `BULK_RUNNER_STALE_SECONDS` after the kill, with the
    dead runners' request slots freed just before.
    """
    close_old_connections()
    now = timezone.now()
    stale_before = runner_stale_before()
    # Runners declared dead give back their request slots first: the runner queued below for
    # their job must not wait for those slots' leases to run out (nor must any other job).
    dead = BulkRunner.objects.filter(heartbeat_at__lt=stale_before).values_list("id", flat=True)
    if freed := thulium_slots_release(holders=list(dead)):
        logger.warning("freed %d request slots held by dead bulk runners", freed)
    grace = now - timedelta(seconds=settings.BULK_RUNNER_STALE_SECONDS * 3)
    resumed = []
    # A job scheduled to run later waits for its own task (`run_after`), like one just queued.
    for job in BulkJob.objects.unfinished().exclude(run_after__gt=grace):
        if BulkRunner.objects.filter(job=job, heartbeat_at__gte=stale_before).exists():
            continue
        last_queued = job.resume_enqueued_at or job.confirmed_at
        # Runners that died keep their rows (a runner that stops cleanly deletes its own).
        runner_died = (
            last_queued is not None
            and BulkRunner.objects.filter(job=job, started_at__gte=last_queued).exists()
        )
        if not runner_died and last_queued is not None and last_queued > grace:
            continue
        if bulk_job_finish_if_complete(job_id=job.pk):
            continue
        # Conditional on the value read, so two workers' watchdogs never both queue it.
        if (
            BulkJob.objects.filter(pk=job.pk, resume_enqueued_at=job.resume_enqueued_at)
            if job.resume_enqueued_at
            else BulkJob.objects.filter(pk=job.pk, resume_enqueued_at__isnull=True)
        ).update(resume_enqueued_at=now):
            bulk_job_run.enqueue(job_id=job.pk)
            resumed.append(job.pk)
            logger.warning("bulk job %s had no live runner: queued it again", job.pk)
    BulkRunner.objects.filter(heartbeat_at__lt=now - timedelta(hours=1)).delete()
    return resumed

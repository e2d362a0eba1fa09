"""Finding bulk jobs that no live runner works on (a worker died) and queueing them again.

Every `db_worker` runs this on a timer (see the `db_worker` command); `manage.py bulk_resume`
runs it by hand.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from thuladmin.bulk.completion import bulk_job_finish_if_complete
from thuladmin.bulk.models import BulkJob, BulkRunner
from thuladmin.bulk.runner import runner_stale_before
from thuladmin.bulk.tasks import bulk_job_run

logger = logging.getLogger(__name__)


def bulk_jobs_resume_stale() -> list[int]:
    """Queue a runner for every unfinished job that has none alive, e.g. after a worker crash.

    Called by every `db_worker` on a timer (see the `db_worker` command) and by
    `manage.py bulk_resume`. A job whose task is still waiting in the queue is left alone.
    """
    close_old_connections()
    stale_before = runner_stale_before()
    grace = timezone.now() - timedelta(seconds=settings.BULK_RUNNER_STALE_SECONDS * 3)
    resumed = []
    # A job scheduled to run later waits for its own task, like one just confirmed.
    waiting = Q(confirmed_at__gt=grace) | Q(run_after__gt=grace)
    for job in BulkJob.objects.unfinished().exclude(waiting):
        if BulkRunner.objects.filter(job=job, heartbeat_at__gte=stale_before).exists():
            continue
        if bulk_job_finish_if_complete(job_id=job.pk):
            continue
        if (
            BulkJob.objects.filter(pk=job.pk)
            .filter(Q(resume_enqueued_at__isnull=True) | Q(resume_enqueued_at__lt=grace))
            .update(resume_enqueued_at=timezone.now())
        ):
            bulk_job_run.enqueue(job_id=job.pk)
            resumed.append(job.pk)
            logger.warning("bulk job %s had no live runner: queued it again", job.pk)
    BulkRunner.objects.filter(heartbeat_at__lt=timezone.now() - timedelta(hours=1)).delete()
    return resumed

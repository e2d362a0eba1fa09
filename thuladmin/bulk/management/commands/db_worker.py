"""`manage.py db_worker`, with a watchdog that resumes bulk jobs left behind by a dead worker.

django-tasks-db leaves a task whose worker died marked as running for ever. Bulk jobs keep their
own state, so each worker checks on a timer for jobs that no live runner is working on and
queues them again (see `bulk_jobs_resume_stale`). Each worker also records a heartbeat every
WORKER_HEARTBEAT_SECONDS, which `/healthz` reports. This command shadows django-tasks-db's own
(`thuladmin.bulk` comes first in INSTALLED_APPS) and otherwise behaves exactly like it.
"""

import logging
import os
import threading

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from thuladmin.bulk.watchdog import bulk_jobs_resume_stale
from thuladmin.health.heartbeat import worker_heartbeat_forget, worker_heartbeat_loop

logger = logging.getLogger(__name__)


def _watch_bulk_jobs(stop: threading.Event) -> None:
    try:
        while True:
            try:
                bulk_jobs_resume_stale()
            except Exception:  # the watchdog must outlive a passing database error
                logger.exception("bulk job watchdog failed; trying again later")
            if stop.wait(settings.BULK_SWEEP_SECONDS):
                return
    finally:
        connection.close()


class Command(DatabaseWorkerCommand):
    def handle(self, *args, **options) -> None:
        in_worker_process = not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV)
        if not in_worker_process or options.get("batch"):
            super().handle(*args, **options)
            return
        stop = threading.Event()
        worker_id = options["worker_id"]
        threading.Thread(
            target=_watch_bulk_jobs, args=(stop,), name="bulk-watchdog", daemon=True
        ).start()
        heartbeat = threading.Thread(
            target=worker_heartbeat_loop,
            kwargs={"worker_id": worker_id, "stop": stop},
            name="worker-heartbeat",
            daemon=True,
        )
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            # Stopped on purpose (SIGTERM, Ctrl-C, --max-tasks): say so, rather than go stale.
            stop.set()
            heartbeat.join(timeout=5)
            try:
                worker_heartbeat_forget(worker_id=worker_id)
            except Exception:
                logger.exception("could not remove this worker's heartbeat")

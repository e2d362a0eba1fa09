"""`manage.py db_worker`: django-tasks-db's worker, made to outlive database errors, with a
watchdog that resumes bulk jobs left behind by a dead worker.

django-tasks-db's worker loop ends the process on most database errors (a `database is locked`
at the start of its claiming transaction, a lost PostgreSQL connection, a failure to record a
task's result). Here the loop logs the error, backs off (doubling, capped) and goes on: a worker
that merely met a busy or restarting database must not leave the queue unserved. A worker that
dies anyway (SIGKILL, out of memory) is started again by whatever supervises it: systemd's
`Restart=always` in production, `scripts/supervise.py` under `make run`.

django-tasks-db leaves a task whose worker died marked as running for ever. Bulk jobs keep their
own state, so each worker checks on a timer for jobs that no live runner is working on and
queues them again (see `bulk_jobs_resume_stale`), and deletes drafts whose writer died before
their last item was stored (`bulk_jobs_abandoned_delete`). Each worker also records a heartbeat
every WORKER_HEARTBEAT_SECONDS, with how often it was restarted and how many database errors it
survived, which `/healthz` reports. Otherwise it behaves exactly like django-tasks-db's.

It replaces django-tasks-db's command of the same name, on purpose and under that name (the one
operators and the docs use): Django takes a command from the first installed app that has it,
and `thuladmin.bulk` comes before `django_tasks_db` in INSTALLED_APPS. The system check
`bulk.E001` (`thuladmin.bulk.checks`) fails if that order is lost, so the override cannot
silently stop being one.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, connection, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from thuladmin.bulk.services import bulk_jobs_abandoned_delete
from thuladmin.bulk.watchdog import bulk_jobs_resume_stale
from thuladmin.health.heartbeat import worker_heartbeat_forget, worker_heartbeat_loop

logger = logging.getLogger(__name__)

# Backoff after a database error: doubling from the first, at most the last.
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
# A loop that ran this long without an error starts its backoff from the beginning again.
BACKOFF_RESET_SECONDS = 60.0


class ResilientWorker(Worker):
    """django-tasks-db's worker, whose loop is started again after a database error."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.database_errors = 0

    def run(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                super().run()
                return
            except (DatabaseError, InterfaceError):
                if not self.running:  # asked to stop: do not start again
                    raise
                if time.monotonic() - started > BACKOFF_RESET_SECONDS:
                    failures = 0
                failures += 1
                self.database_errors += 1
                delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (failures - 1))
                logger.exception("db_worker: database error; going on in %.1f s", delay)
                # A connection that failed may be unusable: the next query opens a new one.
                connections.close_all()
                time.sleep(delay)


def _watch_bulk_jobs(stop: threading.Event) -> None:
    try:
        while True:
            try:
                bulk_jobs_resume_stale()
                bulk_jobs_abandoned_delete()
            except Exception:  # the watchdog must outlive a passing database error
                logger.exception("bulk job watchdog failed; trying again later")
            if stop.wait(settings.BULK_SWEEP_SECONDS):
                return
    finally:
        connection.close()


def _restarts() -> int:
    """How many times a supervisor started this worker again (it says so in WORKER_RESTARTS)."""
    try:
        return max(0, int(os.environ.get("WORKER_RESTARTS", "0")))
    except ValueError:
        return 0


class Command(DatabaseWorkerCommand):
    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # django-tasks-db's `handle`, building a ResilientWorker instead of its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: not reloading.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            # The reloader's parent only watches files; the child it starts runs the worker.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(lambda: self._run(worker, batch=batch))
        else:
            worker.configure_signals()
            self._run(worker, batch=batch)

    def _run(self, worker: ResilientWorker, *, batch: bool) -> None:
        """Run the worker, with the watchdog and heartbeat threads unless draining a batch."""
        if batch:
            worker.run()
            return
        stop = threading.Event()
        threading.Thread(
            target=_watch_bulk_jobs, args=(stop,), name="bulk-watchdog", daemon=True
        ).start()
        heartbeat = threading.Thread(
            target=worker_heartbeat_loop,
            kwargs={
                "worker_id": worker.worker_id,
                "stop": stop,
                "restarts": _restarts(),
                "database_errors": lambda: worker.database_errors,
            },
            name="worker-heartbeat",
            daemon=True,
        )
        heartbeat.start()
        try:
            worker.run()
        finally:
            # Stopped on purpose (SIGTERM, Ctrl-C, --max-tasks): say so, rather than go stale.
            stop.set()
            heartbeat.join(timeout=5)
            try:
                worker_heartbeat_forget(worker_id=worker.worker_id)
            except Exception:
                logger.exception("could not remove this worker's heartbeat")

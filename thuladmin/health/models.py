"""What `/healthz` reads besides live probes: the heartbeats of the `db_worker` processes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One running `db_worker`, alive while `beat_at` is fresh.

    Kept in the database rather than the cache so that the web process sees every worker's
    heartbeat even with the local-memory cache (one process) of the embedded set-up.
    """

    worker_id = models.CharField(primary_key=True, max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Times a supervisor started this worker again after it died (scripts/supervise.py says so).
    restarts = models.PositiveIntegerField(default=0)
    # Database errors the worker's loop met and went on from (see the db_worker command).
    database_errors = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host}"

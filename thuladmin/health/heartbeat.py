"""Worker heartbeats: each `db_worker` says it is alive every few seconds, for `/healthz`."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from thuladmin.health.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers that stopped without saying so (killed) are removed after this long.
FORGET_AFTER = timedelta(days=1)


def worker_heartbeat_beat(*, worker_id: str, restarts: int = 0, database_errors: int = 0) -> None:
    """Record that this worker is alive now (creating its row on the first beat), with how often
    it was restarted and how many database errors it went on from."""
    now = timezone.now()
    counts = {"restarts": restarts, "database_errors": database_errors}
    updated = WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=now, **counts)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            pk=worker_id,
            defaults={"beat_at": now, **counts},
            create_defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                **counts,
            },
        )


def worker_heartbeat_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its row: it is gone, not stale."""
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()
    WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - FORGET_AFTER).delete()


def worker_heartbeat_loop(
    *,
    worker_id: str,
    stop: threading.Event,
    restarts: int = 0,
    database_errors: Callable[[], int] = lambda: 0,
) -> None:
    """Beat every WORKER_HEARTBEAT_SECONDS until `stop` is set (a daemon thread's target)."""
    try:
        while True:
            try:
                close_old_connections()
                worker_heartbeat_beat(
                    worker_id=worker_id, restarts=restarts, database_errors=database_errors()
                )
            except Exception:  # a passing database error must not end the heartbeat for good
                logger.exception("worker heartbeat failed; trying again later")
            if stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                return
    finally:
        connection.close()

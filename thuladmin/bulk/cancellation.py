"""Telling the runners of a job that it was cancelled, before their next request starts.

A runner holds chunks it claimed (waiting for a request slot, or in its list of candidates):
cancelling the PENDING chunks is not enough to stop them. So each runner asks, just before each
request starts, whether its job was cancelled, and closes the chunk as cancelled instead of
sending it. The question is asked for every request, so it must cost next to nothing:

- the cancel raises a flag in the cache (Redis: every worker sees it at once);
- a runner also reads `BulkJob.cancel_requested_at` at most every `REFRESH_SECONDS`, in case the
  cache was cleared or is not shared between the web server and the workers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache import cache

from thuladmin.bulk.models import BulkJob

logger = logging.getLogger(__name__)

# How long the flag outlives the cancel: far longer than any job's requests in flight.
FLAG_TIMEOUT_SECONDS = 24 * 3600
REFRESH_SECONDS = 0.25


def cancel_flag_key(job_id: int) -> str:
    return f"bulk-job-cancelled:{job_id}"


def job_cancel_flag_raise(*, job_id: int) -> None:
    """Tell every runner of the job, through the cache, that it was cancelled."""
    try:
        cache.set(cancel_flag_key(job_id), True, timeout=FLAG_TIMEOUT_SECONDS)
    except Exception:  # the runners still read the database every few hundred ms
        logger.exception("bulk job %s: could not raise the cancel flag in the cache", job_id)


class CancelWatch:
    """Whether a job was cancelled, as one runner sees it; once cancelled, always cancelled."""

    def __init__(
        self,
        job_id: int,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job_id
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._cancelled = False
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def requested(self) -> bool:
        if self._cancelled:
            return True
        try:
            flagged = bool(cache.get(cancel_flag_key(self.job_id)))
        except Exception:  # a cache hiccup: the database answers below
            flagged = False
        if flagged:
            self._cancelled = True
            return True
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self.refresh_seconds:
                self._read_at = now
                self._cancelled = BulkJob.objects.filter(
                    pk=self.job_id, cancel_requested_at__isnull=False
                ).exists()
        return self._cancelled

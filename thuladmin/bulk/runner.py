"""Running a bulk job: claim a chunk, send it, record every item's outcome, repeat.

A runner is a small thread pool inside a `db_worker` process. Chunks are claimed with conditional
UPDATEs and outcomes are written in the same transaction that closes the chunk, so:

- two runners (threads, processes, machines) never send the same chunk twice at once;
- a runner that dies leaves its chunks SENDING with a heartbeat that goes stale; another runner
  then takes them over. A chunk counts as on the wire only once its request started (its
  `request_started_at` is written just before): such a chunk is sent again marked `uncertain`
  (the first attempt may have been applied), while one that was only claimed goes out as
  certain as before. Every item still ends with exactly one outcome;
- a chunk that keeps failing is given up after `BULK_CHUNK_MAX_ATTEMPTS`, with its items marked
  ERROR (or UNCERTAIN when an attempt may have reached Thulium): nothing stays pending forever.

Requests to Thulium are limited in rate (`RateLimiter`) and in how many are in flight at once
(`ConcurrencyLimiter`), both shared, so with Redis the limits hold for all workers (and for every
other caller of Thulium: see `thuladmin.thulium.throttle`). A runner holds its request slots
under its own id: once it is declared dead they are freed (by the runner that takes its chunks
over, and by the watchdog), so its takeover is not held up by its slots' leases.

One runner works on a job (the job's task runs once; the watchdog queues it again when its runner
died). It can use the whole shared budget by itself (`BULK_PARALLEL_REQUESTS` requests in flight,
against `BULK_MAX_CONCURRENT_REQUESTS` for all callers), so a second runner on the same job would
only wait for the same slots; several jobs spread over the workers instead. Two runners on one
job (a job queued again while its runner still lives) are safe all the same: they claim chunks
by conditional updates and share the limits.

A runner has twice as many threads as requests it may have in flight: while some threads wait
for Thulium, the others claim the next chunks and record the last answers, so the database work
never leaves a request slot idle. A `Pacer` spreads the requests' starts so they do not travel
in bursts. A chunk claimed while every slot is busy waits for one as SENDING without a
`request_started_at`, so if the worker dies right then it is taken over as certain: Thulium
never saw it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from thuladmin.bulk.cancellation import CancelWatch
from thuladmin.bulk.completion import bulk_job_finish_if_complete
from thuladmin.bulk.details import (
    CANCELLED_BEFORE_RESENT,
    GIVEN_UP,
    NOT_MENTIONED,
    Detail,
    error_detail,
)
from thuladmin.bulk.kinds import BulkKind, ItemResult, kind_for
from thuladmin.bulk.models import BulkChunk, BulkItem, BulkJob, BulkRunner, Outcome
from thuladmin.thulium import errors, get_client
from thuladmin.thulium.client import ThuliumClient
from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter, thulium_limits

logger = logging.getLogger(__name__)

# Errors worth another attempt of the chunk, after the client's own retries gave up.
TRANSIENT_ERRORS = (errors.Unavailable, errors.RateLimited, errors.BadResponse)


@dataclass(frozen=True)
class ClaimedChunk:
    """What a runner needs to know of a chunk it claimed, read in the claiming query itself."""

    pk: int
    number: int
    attempts: int
    uncertain: bool


def runner_stale_before() -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.BULK_RUNNER_STALE_SECONDS)


class JobRunner:
    def __init__(
        self,
        job_id: int,
        *,
        client: ThuliumClient | None = None,
        parallel: int | None = None,
        rate_limiter: RateLimiter | None = None,
        concurrency: ConcurrencyLimiter | None = None,
        language: str = "",
    ) -> None:
        self.job_id = job_id
        # Thulium is asked for its messages in it (our words are stored as codes).
        self.language = language or settings.LANGUAGE_CODE
        self.client = client
        self.parallel = parallel or settings.BULK_PARALLEL_REQUESTS
        limits = thulium_limits(
            parallel=self.parallel, rate_limiter=rate_limiter, concurrency=concurrency
        )
        self.rate_limiter = limits.rate_limiter
        self.concurrency = limits.concurrency
        self.runner_id = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        # Requests this runner has in flight; its threads are twice as many (see the module).
        self._in_flight = threading.BoundedSemaphore(self.parallel)
        self._pacer = limits.pacer
        # Chunks worth trying to claim, read a few at a time; one thread claims at once.
        self._candidates: list[dict] = []
        self._claim_lock = threading.Lock()
        # Set by the first error after which no request can succeed (see `BulkKind.fatal_errors`).
        self._fatal_detail: Detail | None = None
        # Whether an attempt that may have been applied makes the items uncertain: not for
        # kinds whose requests may be sent twice without harm (`BulkKind.resend_is_safe`).
        self._tracks_uncertainty = True
        self._fatal_errors: tuple[type[errors.ThuliumError], ...] = ()
        # The job and its kind, once `run` has read them: `_record` tells the kind what landed.
        self._job: BulkJob | None = None
        self._kind: BulkKind | None = None
        # Asked before each request starts: after a cancel, nothing more leaves.
        self._cancel = CancelWatch(job_id)

    def run(self) -> None:
        """Work on the job until no chunk is left that this runner could take."""
        job = BulkJob.objects.get(pk=self.job_id)
        if not job.is_active:
            return
        now = timezone.now()
        BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.QUEUED).update(
            state=BulkJob.State.RUNNING
        )
        BulkJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
        if self.client is None:
            self.client = get_client(language=self.language)
        kind = kind_for(job.kind)
        self._tracks_uncertainty = not kind.resend_is_safe
        self._fatal_errors = kind.fatal_errors
        self._job, self._kind = job, kind
        BulkRunner.objects.create(id=self.runner_id, job=job)
        heartbeat = threading.Thread(target=self._beat, name="bulk-heartbeat", daemon=True)
        heartbeat.start()
        try:
            threads = self.parallel * 2
            with ThreadPoolExecutor(threads, thread_name_prefix="bulk") as pool:
                for _ in pool.map(lambda _: self._work(job, kind), range(threads)):
                    pass
        finally:
            self._stop.set()
            heartbeat.join()
            BulkRunner.objects.filter(pk=self.runner_id).delete()
        bulk_job_finish_if_complete(job_id=job.pk)

    # --- threads ----------------------------------------------------------------------------

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.BULK_HEARTBEAT_SECONDS):
                BulkRunner.objects.filter(pk=self.runner_id).update(heartbeat_at=timezone.now())
                try:
                    self.concurrency.renew()
                except Exception:  # a cache hiccup must not stop the heartbeat
                    logger.exception("could not renew the concurrency slots; trying again")
        finally:
            connection.close()

    def _work(self, job: BulkJob, kind: BulkKind) -> None:
        translation.activate(self.language)  # this pool thread's, for the client and the logs
        try:
            while True:
                chunk = self._claim(job)
                if chunk is None:
                    if not self._others_still_open(job):
                        return
                    time.sleep(0.2)
                    continue
                self._send(job, kind, chunk)
        finally:
            translation.deactivate()
            connection.close()

    # --- claiming ---------------------------------------------------------------------------

    def _claim(self, job: BulkJob) -> ClaimedChunk | None:
        """Take the next chunk that is waiting, or that a dead runner left in flight.

        The candidates are read `parallel * 2` at a time and tried in order, each with a
        conditional UPDATE that fails if anyone (another runner, on any machine) got there first.
        The threads of one runner take turns, so they do not race each other for the same chunk.
        """
        with self._claim_lock:
            if self._cancel.requested():
                # Candidates read before the cancel: most are cancelled chunks by now.
                self._candidates = []
            while True:
                if not self._candidates:
                    self._candidates = self._claimable(job)
                    if not self._candidates:
                        return None
                claimed = self._try_claim(job, self._candidates.pop(0))
                if claimed is not None:
                    return claimed

    def _claimable(self, job: BulkJob) -> list[dict]:
        live_runners = BulkRunner.objects.filter(job=job, heartbeat_at__gte=runner_stale_before())
        # After a cancel, chunks are claimed only to be closed: no backoff to wait for.
        due = (
            Q()
            if self._cancel.requested()
            else Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
        )
        return list(
            BulkChunk.objects.filter(job=job)
            .filter(
                Q(state=BulkChunk.State.PENDING) & due
                | Q(state=BulkChunk.State.SENDING) & ~Q(claimed_by__in=live_runners.values("id"))
            )
            .order_by("number")
            .values(
                "pk",
                "number",
                "state",
                "claimed_by",
                "attempts",
                "uncertain",
                "request_started_at",
            )[: self.parallel * 2]
        )

    def _try_claim(self, job: BulkJob, candidate: dict) -> ClaimedChunk | None:
        orphaned = candidate["state"] == BulkChunk.State.SENDING
        # If the runner that died had started its request, Thulium may have applied it: "did
        # not exist" is no longer certain. A chunk it had only claimed never left.
        started = candidate["request_started_at"]
        uncertain = (
            candidate["uncertain"] or (orphaned and started is not None)
        ) and self._tracks_uncertainty
        claimed = BulkChunk.objects.filter(
            pk=candidate["pk"],
            state=candidate["state"],
            claimed_by=candidate["claimed_by"],
            attempts=candidate["attempts"],
            # Part of the condition: a runner thought dead may start its request meanwhile.
            **(
                {"request_started_at": started} if started else {"request_started_at__isnull": True}
            ),
        ).update(
            state=BulkChunk.State.SENDING,
            claimed_by=self.runner_id,
            claimed_at=timezone.now(),
            request_started_at=None,
            attempts=F("attempts") + 1,
            uncertain=uncertain,
        )
        if claimed:
            if orphaned:
                logger.warning("bulk job %s: took over chunk %s", job.pk, candidate["pk"])
                # Its runner is dead: the request slots it held must not keep this one waiting
                # until their leases run out (the watchdog frees them too, on its next sweep).
                self.concurrency.release_holders([candidate["claimed_by"]])
            return ClaimedChunk(
                pk=candidate["pk"],
                number=candidate["number"],
                attempts=candidate["attempts"] + 1,
                uncertain=uncertain,
            )
        return None

    def _others_still_open(self, job: BulkJob) -> bool:
        """Chunks waiting for a backoff, or in flight with another runner that may yet die."""
        return (
            BulkChunk.objects.filter(
                job=job, state__in=[BulkChunk.State.PENDING, BulkChunk.State.SENDING]
            )
            .exclude(state=BulkChunk.State.SENDING, claimed_by=self.runner_id)
            .exists()
        )

    # --- sending ----------------------------------------------------------------------------

    def _send(self, job: BulkJob, kind: BulkKind, chunk: ClaimedChunk) -> None:
        previews: dict[str, dict] | None = None
        if kind.sends_previews:
            items, previews = _chunk_items_and_previews(chunk)
        else:
            items = _chunk_items(chunk)
        values = list(items)
        if chunk.attempts > settings.BULK_CHUNK_MAX_ATTEMPTS:
            # Claimed again after runners died on it too often: stop trying.
            self._record(
                chunk,
                items,
                self._all(values, chunk.uncertain, Detail(GIVEN_UP)),
            )
            return
        failure: errors.ThuliumError | None = None
        # Slots first (this runner's, then the one shared by every worker), then the rate:
        # waiting for a slot must not use up this second's share of requests.
        with self._in_flight:
            if self._fatal_detail is not None:
                # Claimed before another chunk learned that none can succeed: do not send it.
                results = self._all(values, chunk.uncertain, self._fatal_detail)
            elif self._cancel.requested():
                self._close_cancelled(chunk, items)
                return
            else:
                try:
                    self._pacer.wait_turn()
                    with self.concurrency.slot(holder=self.runner_id):
                        self.rate_limiter.wait_for_room()
                        if self._cancel.requested():
                            # The last moment before the request leaves: it does not.
                            self._close_cancelled(chunk, items)
                            return
                        if not self._request_starts(chunk):
                            return  # another runner took the chunk over meanwhile: theirs now
                        # Counted only now, after the write above: Thulium counts the request
                        # when it arrives, and the write's time varies (see `RateLimiter`).
                        self.rate_limiter.acquire()
                        sent_at = time.monotonic()
                        results = kind.send(
                            self.client, job, values, uncertain=chunk.uncertain, previews=previews
                        )
                        self._pacer.observe(time.monotonic() - sent_at)
                except errors.ThuliumError as error:
                    failure = error
                    if isinstance(error, self._fatal_errors):
                        # Before the slot is given back, so no thread waiting for it sends.
                        self._fatal_detail = self._error_detail(job, error)
        if failure is not None:
            self._failed(job, chunk, items, failure)
            return
        self._record(chunk, items, results, previews=previews)

    def _request_starts(self, chunk: ClaimedChunk) -> bool:
        """Record that the chunk's request starts now, if the chunk is still this runner's.

        Written (and committed) before the request, so a runner that takes the chunk over knows
        whether Thulium may have seen it. The update is conditional: if another runner took the
        chunk over (this one looked dead), nothing is sent.
        """
        return bool(
            BulkChunk.objects.filter(
                pk=chunk.pk, state=BulkChunk.State.SENDING, claimed_by=self.runner_id
            ).update(request_started_at=timezone.now())
        )

    def _failed(
        self,
        job: BulkJob,
        chunk: ClaimedChunk,
        items: Mapping[str, int],
        error: errors.ThuliumError,
    ) -> None:
        uncertain = self._tracks_uncertainty and (
            chunk.uncertain or error.maybe_applied or isinstance(error, errors.BadResponse)
        )
        logger.warning(
            "bulk job %s chunk %s attempt %s failed: %r",
            job.pk,
            chunk.number,
            chunk.attempts,
            error,
        )
        if (
            isinstance(error, TRANSIENT_ERRORS)
            and chunk.attempts < settings.BULK_CHUNK_MAX_ATTEMPTS
            # Once cancelled, a request that failed is not sent again: its items keep the error.
            and not self._cancel.requested()
        ):
            backoff = min(30.0, settings.BULK_CHUNK_BACKOFF_SECONDS * 2 ** (chunk.attempts - 1))
            BulkChunk.objects.filter(
                pk=chunk.pk, state=BulkChunk.State.SENDING, claimed_by=self.runner_id
            ).update(
                state=BulkChunk.State.PENDING,
                claimed_by="",
                uncertain=uncertain,
                not_before=timezone.now() + timedelta(seconds=backoff),
                last_error=error.message[:1000],
            )
            return
        detail = self._error_detail(job, error)
        self._record(chunk, items, self._all(list(items), uncertain, detail))
        if isinstance(error, self._fatal_errors):
            self._fail_remaining(job, detail)

    def _close_cancelled(self, chunk: ClaimedChunk, items: Mapping[str, int]) -> None:
        """Close a claimed chunk whose request never started because the job was cancelled.

        Its items are cancelled, unless an earlier attempt of the chunk may have been applied:
        those stay uncertain, since nobody can say whether Thulium acted on them.
        """
        if chunk.uncertain:
            result = ItemResult(outcome=Outcome.UNCERTAIN, detail=Detail(CANCELLED_BEFORE_RESENT))
        else:
            result = ItemResult(outcome=Outcome.CANCELLED)
        self._record(chunk, items, dict.fromkeys(items, result), state=BulkChunk.State.CANCELLED)

    @staticmethod
    def _error_detail(job: BulkJob, error: errors.ThuliumError) -> Detail:
        """The error as a code with parameters and Thulium's own words: a 404 of a job on one
        campaign means the campaign is missing (the kinds that send to one campaign stop on it)."""
        return error_detail(error, campaign_id=job.campaign_id)

    @staticmethod
    def _all(values: Sequence[str], uncertain: bool, detail: Detail) -> dict[str, ItemResult]:
        if uncertain:
            detail = detail.maybe_applied()
        outcome = Outcome.UNCERTAIN if uncertain else Outcome.ERROR
        return {value: ItemResult(outcome=outcome, detail=detail) for value in values}

    def _fail_remaining(self, job: BulkJob, detail: Detail) -> None:
        """After an error no chunk can escape (wrong credentials, no such campaign), close the
        chunks not yet sent as ERROR instead of sending each to fail the same way."""
        pending = BulkChunk.objects.filter(job=job, state=BulkChunk.State.PENDING)
        for pk, number, attempts, uncertain in pending.values_list(
            "pk", "number", "attempts", "uncertain"
        ):
            claimed = BulkChunk.objects.filter(
                pk=pk, state=BulkChunk.State.PENDING, attempts=attempts
            ).update(
                state=BulkChunk.State.SENDING, claimed_by=self.runner_id, attempts=F("attempts") + 1
            )
            if claimed:
                chunk = ClaimedChunk(
                    pk=pk,
                    number=number,
                    attempts=attempts + 1,
                    uncertain=uncertain and self._tracks_uncertainty,
                )
                items = _chunk_items(chunk)
                self._record(chunk, items, self._all(list(items), chunk.uncertain, detail))

    def _record(
        self,
        chunk: ClaimedChunk,
        items: Mapping[str, int],
        results: Mapping[str, ItemResult],
        *,
        state: str = BulkChunk.State.DONE,
        previews: Mapping[str, dict] | None = None,
    ) -> bool:
        """Write every item's outcome and close the chunk, in one transaction, once."""
        now = timezone.now()
        missing = ItemResult(
            outcome=Outcome.UNCERTAIN if chunk.uncertain else Outcome.ERROR,
            detail=Detail(NOT_MENTIONED),
        )
        # Items with the same result are updated together: a handful of UPDATEs per chunk.
        groups: defaultdict[tuple[str, tuple, int | None], list[int]] = defaultdict(list)
        details: dict[tuple, Detail] = {}
        record_ids: dict[str, list[str]] = {}
        for value, pk in items.items():
            result = results.get(value, missing)
            key = result.detail.key()
            details.setdefault(key, result.detail)
            groups[(result.outcome, key, result.removed_count)].append(pk)
            if result.record_ids:
                record_ids[value] = list(result.record_ids)
        counts = Counter({key[0]: 0 for key in groups})
        for (outcome, _key, _removed), pks in groups.items():
            counts[outcome] += len(pks)
        unexpected = results.keys() - items.keys()
        if unexpected:
            logger.warning(
                "bulk chunk %s: Thulium answered for %d items that were not sent",
                chunk.pk,
                len(unexpected),
            )
        with transaction.atomic():
            closed = BulkChunk.objects.filter(
                pk=chunk.pk, state=BulkChunk.State.SENDING, claimed_by=self.runner_id
            ).update(
                state=state,
                finished_at=now,
                outcome_counts=dict(counts),
                record_ids=record_ids,
                last_error=(
                    _("Thulium also answered for %(count)d items that were not sent.")
                    % {"count": len(unexpected)}
                    if unexpected
                    else ""
                ),
            )
            if not closed:
                # Another runner took the chunk over (we looked dead): its outcomes count.
                return False
            for (outcome, key, removed_count), pks in groups.items():
                detail = details[key]
                # Usually every item of the chunk has the same result: select them by chunk
                # then, not by a list of a few hundred primary keys.
                same_for_all = len(groups) == 1
                BulkItem.objects.filter(
                    **({"chunk_id": chunk.pk} if same_for_all else {"pk__in": pks})
                ).update(
                    outcome=outcome,
                    detail_code=detail.code,
                    detail_params=dict(detail.params),
                    thulium_message=detail.thulium_message[:2000],
                    removed_count=removed_count,
                    finished_at=now,
                )
            self._kind_recorded(items, results, previews)
        return True

    def _kind_recorded(
        self,
        items: Mapping[str, int],
        results: Mapping[str, ItemResult],
        previews: Mapping[str, dict] | None,
    ) -> None:
        """Let the kind write down what its items' results mean to it (`BulkKind.recorded`), in
        the transaction that records them: on SQLite one write where two would queue for the
        database's one lock. In a savepoint of its own, so its failure costs no outcome."""
        if self._kind is None or self._job is None:
            return
        landed = {value: results[value] for value in items if value in results}
        try:
            with transaction.atomic():
                self._kind.recorded(self._job, landed, previews=previews)
        except DatabaseError:
            logger.exception("bulk job %s: the kind could not record its results", self._job.pk)


def _chunk_items(chunk: ClaimedChunk) -> dict[str, int]:
    """The chunk's items as value -> primary key (values are unique within a job), in order."""
    return dict(
        BulkItem.objects.filter(chunk_id=chunk.pk).order_by("position").values_list("value", "pk")
    )


def _chunk_items_and_previews(chunk: ClaimedChunk) -> tuple[dict[str, int], dict[str, dict]]:
    """The chunk's items as `_chunk_items` gives them, and each one's preview, in one query (for
    kinds that `sends_previews`)."""
    items: dict[str, int] = {}
    previews: dict[str, dict] = {}
    rows = BulkItem.objects.filter(chunk_id=chunk.pk).order_by("position")
    for value, pk, preview in rows.values_list("value", "pk", "preview"):
        items[value] = pk
        previews[value] = preview or {}
    return items, previews

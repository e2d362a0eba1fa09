"""A campaign's records copied into the dashboard's database, so a supervisor can find one.

Thulium lists a campaign's records (`GET outbounds/:id/records`) but cannot filter them by phone
number, identifier or agent. A snapshot is a copy of that list, taken in the background by the
task worker and swapped in whole when complete (see `CampaignSnapshot`). The dashboard's own
changes (a record edited or deleted here, numbers removed by a bulk job) are applied to the
snapshot rows they touch, so our own hand never makes it stale.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns.leases import (
    campaign_read_lease_hand_over,
    campaign_read_lease_release,
    campaign_read_lease_renew,
    campaign_read_lease_take,
)
from campaigns.models import THULIUM_MESSAGE, CampaignCopy, CampaignSnapshot, SnapshotRecord
from thuladmin.bulk.details import detail_text, register_detail
from thuladmin.phones import (
    InvalidPhoneNumber,
    is_plain_national_number,
    normalise_phone_number,
)
from thuladmin.thulium import errors, get_client
from thuladmin.thulium.client import MAX_RECORDS_PAGE_SIZE, ThuliumClient
from thuladmin.thulium.messages import thulium_error_detail
from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter, thulium_limits
from thuladmin.thulium.types import CampaignRecord, CampaignStatus, RecordsPage

logger = logging.getLogger(__name__)

# Why a read failed, as codes worded when the page is read (the worker that fails a read has
# no reader, so no language of theirs): `CampaignSnapshot.error_text`. A failed call to Thulium
# has the codes of `thuladmin.thulium.messages`.
READ_TAKEN_OVER = register_detail(
    "campaigns.read_taken_over",
    gettext_lazy("Another read of this campaign took over from this one."),
)
READ_WORKER_STOPPED = register_detail(
    "campaigns.read_worker_stopped",
    gettext_lazy("The sync stopped without finishing (the worker stopped)."),
)
READ_FAILED = register_detail(
    "campaigns.read_failed", gettext_lazy("The read failed; the error is in the worker's log.")
)

# Rows written (and old rows deleted) per statement: short transactions, so SQLite's write lock
# is never held long while a search or another page waits.
WRITE_BATCH = 500
# Records held before they are written in one transaction: a few pages, so commits are few and
# memory stays flat however large the campaign.
WRITE_BUFFER = 1000
PURGE_BATCH = 5000
SEARCH_LIMIT = 50


def phone_normalised(phone_number: str) -> str:
    """The indexed search form of a stored number: what a typed number is turned into too.

    Thulium lists numbers as it stores them, mostly nine plain digits, which are their own
    normalised form: checked with one regex instead of a full read (a sync does 100,000)."""
    if is_plain_national_number(phone_number):
        return phone_number
    try:
        return normalise_phone_number(phone_number)
    except InvalidPhoneNumber:
        return phone_number.strip()


# The columns a sync writes, in the order of `_row_values`.
ROW_COLUMNS = (
    "snapshot_id",
    "record_id",
    "identifier",
    "phone_number",
    "phone_normalised",
    "status_id",
    "status_name",
    "system_status",
    "agent_login",
    "agent_name",
    "next_call_date",
    "call_date",
    "create_date",
    "last_note",
    "deleted",
)


def _row_values(snapshot_id: int, record: CampaignRecord) -> tuple:
    return (
        snapshot_id,
        record.record_id,
        record.identifier or "",
        record.phone_number,
        phone_normalised(record.phone_number),
        record.status_id or "",
        record.status_name,
        record.system_status,
        record.agent_login or "",
        record.agent_name or "",
        record.next_call_date or "",
        record.call_date or "",
        record.create_date or "",
        record.last_note or "",
        False,
    )


def snapshot_rows_insert(snapshot_id: int, records: Sequence[CampaignRecord]) -> None:
    """Write records into a snapshot, skipping a record already there (records added while
    paging shift the pages, so one may be listed twice). Call inside a transaction.

    A sync writes every record of the campaign, so this is its hot path (bench/snapshot.py):
    no model instance per row, and on each database the cheapest bulk statement that still
    skips duplicates. PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT ...
    ON CONFLICT DO NOTHING (a multi-row INSERT from the client cost ten times more, in round
    trips and parameter binding). SQLite: multi-row INSERTs on the driver's own cursor with its
    own `?` placeholders (Django's cursor rewrote a statement of 7,500 placeholders each time).
    """
    if not records:
        return
    rows = [_row_values(snapshot_id, record) for record in records]
    vendor = connection.vendor
    if vendor == "postgresql":
        _insert_by_copy(rows)
    elif vendor == "sqlite":
        connection.ensure_connection()
        _insert_multirow(connection.connection.cursor(), rows, "?")
    else:
        with connection.cursor() as cursor:
            _insert_multirow(cursor, rows, "%s")


def _insert_multirow(cursor, rows: Sequence[tuple], placeholder: str) -> None:
    table = connection.ops.quote_name(SnapshotRecord._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in ROW_COLUMNS)
    row_placeholder = "(" + ", ".join([placeholder] * len(ROW_COLUMNS)) + ")"
    for first in range(0, len(rows), WRITE_BATCH):
        batch = rows[first : first + WRITE_BATCH]
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names are ours)
            f"{', '.join([row_placeholder] * len(batch))} ON CONFLICT DO NOTHING",
            [value for row in batch for value in row],
        )


STAGING_TABLE = "snapshot_rows_staging"


def _insert_by_copy(rows: Sequence[tuple]) -> None:
    table = connection.ops.quote_name(SnapshotRecord._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in ROW_COLUMNS)
    with connection.cursor() as cursor:
        # One per connection, emptied after each use; only this connection ever sees it.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING_TABLE} AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {STAGING_TABLE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING_TABLE} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(f"TRUNCATE {STAGING_TABLE}")


# --- syncing -----------------------------------------------------------------------------------


def snapshot_read_holder(snapshot_id: int) -> str:
    """The name under which the sync of snapshot `snapshot_id` holds its campaign's read lease
    (`CampaignReadLease`)."""
    return f"snapshot:{snapshot_id}"


class ReadLeaseLost(Exception):
    """The sync's campaign read lease expired and another read took it over: stop, write
    nothing more."""


@dataclass
class SnapshotSync:
    """Copies one snapshot's records from Thulium: pages fetched several at once under the shared
    limits, each page written as it arrives (never the whole campaign in memory), then the new
    generation swapped in at once and the old one deleted in short batches.

    The whole sync holds the campaign's read lease (`CampaignReadLease`), renewed with every
    write for `SNAPSHOT_STALE_SECONDS`: a sync whose lease was taken over (its worker took
    too long) stops before its next write and never swaps itself in."""

    snapshot_id: int
    client: ThuliumClient | None = None
    parallel: int | None = None
    rate_limiter: RateLimiter | None = None
    concurrency: ConcurrencyLimiter | None = None
    page_size: int = MAX_RECORDS_PAGE_SIZE

    def run(self) -> CampaignSnapshot | None:
        snapshot = CampaignSnapshot.objects.filter(pk=self.snapshot_id).first()
        if snapshot is None or snapshot.state != CampaignSnapshot.State.SYNCING:
            return snapshot  # a repeated task, or one for a sync given up or taken over
        self.campaign_id = snapshot.campaign_id
        self.holder = snapshot_read_holder(snapshot.pk)
        # Queued with the lease (see `campaigns.reads`); taken again here, which is a renewal,
        # or a takeover of its own lease if it expired while the task waited and nobody else
        # took it meanwhile (a task queued by hand, as bench/snapshot.py does, takes it fresh).
        if not campaign_read_lease_take(
            campaign_id=self.campaign_id,
            holder=self.holder,
            user=snapshot.started_by,
            seconds=settings.SNAPSHOT_STALE_SECONDS,
        ):
            snapshot_fail(snapshot=snapshot, code=READ_TAKEN_OVER)
            snapshot.refresh_from_db()
            return snapshot
        try:
            return self._sync(snapshot)
        finally:
            campaign_read_lease_release(campaign_id=self.campaign_id, holder=self.holder)

    def _sync(self, snapshot: CampaignSnapshot) -> CampaignSnapshot:
        self.client = self.client or get_client()
        limits = thulium_limits(rate_limiter=self.rate_limiter, concurrency=self.concurrency)
        self.rate_limiter, self.concurrency = limits.rate_limiter, limits.concurrency
        parallel = max(1, self.parallel or settings.SNAPSHOT_PARALLEL_REQUESTS)
        try:
            pages = records_pages(
                client=self.client,
                campaign_id=self.campaign_id,
                parallel=parallel,
                rate_limiter=self.rate_limiter,
                concurrency=self.concurrency,
                page_size=self.page_size,
            )
            buffered: list[CampaignRecord] = []
            for index, page in enumerate(pages):
                if index == 0:
                    self._hold_lease()
                    CampaignSnapshot.objects.filter(pk=snapshot.pk).update(
                        expected_count=page.count
                    )
                buffered += page.records
                if len(buffered) >= WRITE_BUFFER:
                    self._write(buffered)
                    buffered = []
            self._write(buffered)
            return _snapshot_swap(snapshot, hold_lease=self._hold_lease)
        except ReadLeaseLost:
            logger.warning(
                "Snapshot %s of campaign %s stopped: its read lease was taken over",
                snapshot.pk,
                self.campaign_id,
            )
            snapshot_fail(snapshot=snapshot, code=READ_TAKEN_OVER)
            snapshot.refresh_from_db()
            return snapshot
        except errors.ThuliumError as error:
            logger.warning("Thulium call failed: %r", error)
            failure = thulium_error_detail(error, campaign_id=self.campaign_id)
            params = dict(failure.params)
            if failure.thulium_message:
                params[THULIUM_MESSAGE] = failure.thulium_message
            snapshot_fail(snapshot=snapshot, code=failure.code, params=params)
            snapshot.refresh_from_db()
            return snapshot
        except Exception:
            logger.exception("Snapshot %s of campaign %s failed", snapshot.pk, self.campaign_id)
            snapshot_fail(snapshot=snapshot, code=READ_FAILED)
            raise

    def _hold_lease(self) -> None:
        """Renew the campaign's read lease, or raise `ReadLeaseLost` when another read holds it
        now. Called inside each write's transaction: a lost lease rolls the write back."""
        if not campaign_read_lease_renew(
            campaign_id=self.campaign_id,
            holder=self.holder,
            seconds=settings.SNAPSHOT_STALE_SECONDS,
        ):
            raise ReadLeaseLost

    def _write(self, records: Sequence[CampaignRecord]) -> None:
        if not records:
            return
        with transaction.atomic():
            self._hold_lease()
            if connection.vendor == "postgresql":
                # A sync's rows are worth no wait for the disk: after a crash the sync is
                # stale and is taken again, so its commits need not be flushed one by one.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            snapshot_rows_insert(self.snapshot_id, records)
            CampaignSnapshot.objects.filter(pk=self.snapshot_id).update(
                fetched_count=F("fetched_count") + len(records), progress_at=timezone.now()
            )


def records_pages(
    *,
    client: ThuliumClient,
    campaign_id: str,
    filters: Mapping[str, Any] | None = None,
    parallel: int,
    rate_limiter: RateLimiter,
    concurrency: ConcurrencyLimiter,
    page_size: int = MAX_RECORDS_PAGE_SIZE,
) -> Iterator[RecordsPage]:
    """Every page of a campaign's records list (with `filters`, the keyword arguments of
    `ThuliumClient.campaign_records`): the first alone, for the `count`, then up to `parallel`
    at once, each request under the shared rate and concurrency limits. Pages are yielded as
    they arrive (not in order), with at most 2 x `parallel` fetched ahead, so the caller can
    write each one away and memory stays flat however large the campaign."""
    filters = dict(filters or {})

    def fetch(offset: int) -> RecordsPage:
        rate_limiter.acquire()
        with concurrency.slot():
            return client.campaign_records(campaign_id, limit=page_size, offset=offset, **filters)

    first = fetch(0)
    yield first
    offsets = iter(range(page_size, first.count, page_size))
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="records-pages") as pool:
        pending: set[Future[RecordsPage]] = set()

        def refill() -> None:
            while len(pending) < 2 * parallel:
                offset = next(offsets, None)
                if offset is None:
                    return
                pending.add(pool.submit(fetch, offset))

        refill()
        try:
            while pending:
                done, _not_done = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.discard(future)
                    yield future.result()
                concurrency.renew()
                refill()
        finally:
            for future in pending:
                future.cancel()


def records_reads_pages(
    *,
    client: ThuliumClient,
    campaign_id: str,
    reads: Sequence[Mapping[str, Any]],
    parallel: int,
    rate_limiter: RateLimiter,
    concurrency: ConcurrencyLimiter,
    page_size: int = MAX_RECORDS_PAGE_SIZE,
) -> Iterator[list[RecordsPage]]:
    """Every page of several reads of a campaign's records list at once (each read a set of
    filters, as `records_pages` takes), at most 2 x `parallel` fetched ahead, each request
    under the shared rate and concurrency limits; yielded in batches: the pages that arrived
    since the caller last asked, so a caller writing each batch in one transaction writes
    more at once the longer its writes take.

    Made for a refresh (`campaigns.refresh`: the calls and the additions of the day), whose
    few pages are mostly round trips. Each read learns its page count from its first page, so
    the first pages of all the reads are asked for at once, one round trip for every count;
    and a page is yielded only once the pages its count calls for are asked for, so the
    caller's write of it overlaps them. (`records_pages` yields its first page before asking
    for any other, for a caller that may stop on the count.) The first read's first page is
    fetched in the calling thread."""
    if not reads:
        return
    reads = [dict(filters) for filters in reads]

    def fetch(filters: dict[str, Any], offset: int) -> tuple[dict[str, Any], int, RecordsPage]:
        rate_limiter.acquire()
        with concurrency.slot():
            page = client.campaign_records(campaign_id, limit=page_size, offset=offset, **filters)
        return filters, offset, page

    queued: deque[tuple[dict[str, Any], int]] = deque()
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="records-pages") as pool:
        pending: set[Future[tuple[dict[str, Any], int, RecordsPage]]] = set()

        def arrived(filters: dict[str, Any], offset: int, page: RecordsPage) -> RecordsPage:
            if offset == 0:
                queued.extend((filters, later) for later in range(page_size, page.count, page_size))
            while queued and len(pending) < 2 * parallel:
                pending.add(pool.submit(fetch, *queued.popleft()))
            return page

        try:
            pending.update(pool.submit(fetch, filters, 0) for filters in reads[1:])
            yield [arrived(*fetch(reads[0], 0))]
            while pending:
                done, _not_done = wait(pending, return_when=FIRST_COMPLETED)
                pending -= done
                yield [arrived(*future.result()) for future in done]
                concurrency.renew()
        finally:
            for future in pending:
                future.cancel()


def _snapshot_swap(
    snapshot: CampaignSnapshot, *, hold_lease: Callable[[], None]
) -> CampaignSnapshot:
    """Make `snapshot` the campaign's current one in one transaction, then delete the older
    generations in short batches (searches read the new one from the moment of the commit).
    `hold_lease` raises when the sync lost its lease: then nothing is swapped."""
    with transaction.atomic():
        hold_lease()
        older = list(
            CampaignSnapshot.objects.select_for_update()
            .filter(campaign_id=snapshot.campaign_id)
            .exclude(pk=snapshot.pk)
            .exclude(state=CampaignSnapshot.State.SYNCING)
            .values_list("pk", flat=True)
        )
        CampaignSnapshot.objects.filter(pk__in=older).update(
            is_current=False, state=CampaignSnapshot.State.REPLACED
        )
        CampaignSnapshot.objects.filter(pk=snapshot.pk).update(
            is_current=True, state=CampaignSnapshot.State.READY, finished_at=timezone.now()
        )
        _copy_full_read_done(snapshot)
    snapshot_records_purge(older)
    CampaignSnapshot.objects.filter(pk__in=older).delete()
    snapshot.refresh_from_db()
    return snapshot


def _copy_full_read_done(snapshot: CampaignSnapshot) -> None:
    """The campaign's copy is now the one a full read started reading at `started_at`: current
    as of then (a refresh that started later, an edit page's check that reads without the
    lease, keeps its later time), and its last full read. Inside the swap's transaction."""
    started = snapshot.started_at
    CampaignCopy.objects.get_or_create(campaign_id=snapshot.campaign_id)
    CampaignCopy.objects.filter(campaign_id=snapshot.campaign_id).update(
        full_read_at=started,
        refreshed_at=Greatest(Coalesce(F("refreshed_at"), Value(started)), Value(started)),
    )


def snapshot_syncs_taken_over(campaign_id: str) -> list[int]:
    """With the campaign's lease just taken: mark failed the sync whose lease expired (a
    snapshot still syncing has no live holder now), and delete the older failures, so a
    campaign keeps at most its latest one. Returns the snapshots marked failed, whose rows
    are still to be deleted. Call inside the transaction that took the lease."""
    CampaignSnapshot.objects.filter(
        campaign_id=campaign_id, state=CampaignSnapshot.State.FAILED
    ).delete()  # their rows went when they failed: a quick cascade
    stale = list(
        CampaignSnapshot.objects.filter(
            campaign_id=campaign_id, state=CampaignSnapshot.State.SYNCING
        ).values_list("pk", flat=True)
    )
    CampaignSnapshot.objects.filter(pk__in=stale).update(
        state=CampaignSnapshot.State.FAILED,
        error=detail_text(READ_WORKER_STOPPED),
        error_code=READ_WORKER_STOPPED,
        finished_at=timezone.now(),
    )
    return stale


def snapshot_full_read_begin(*, campaign_id: str) -> CampaignSnapshot | None:
    """A full read nobody asked for (the daily one, `campaigns.tasks`): the campaign's lease
    taken for a new snapshot, or None when another read holds it. No user, so no user's bound
    and no check with Thulium: the campaign was read before. The caller queues its sync."""
    starting = f"starting:{uuid.uuid4().hex}"
    with transaction.atomic():
        if not campaign_read_lease_take(
            campaign_id=campaign_id, holder=starting, seconds=settings.SNAPSHOT_STALE_SECONDS
        ):
            return None
        stale = snapshot_syncs_taken_over(campaign_id)
        snapshot = CampaignSnapshot.objects.create(campaign_id=campaign_id)
        campaign_read_lease_hand_over(
            campaign_id=campaign_id, holder=starting, to=snapshot_read_holder(snapshot.pk)
        )
    snapshot_records_purge(stale)
    return snapshot


def snapshot_fail(
    *, snapshot: CampaignSnapshot, code: str, params: Mapping[str, Any] | None = None
) -> None:
    """Mark a sync failed, saying why (a code of `thuladmin.bulk.details` with its parameters,
    worded for each reader; and in the worker's words, for the admin), and delete the rows it
    wrote. A snapshot no longer syncing (failed already by whoever took its lease over, or
    swapped in) is left alone."""
    params = dict(params or {})
    worded = {key: value for key, value in params.items() if key != THULIUM_MESSAGE}
    if CampaignSnapshot.objects.filter(pk=snapshot.pk, state=CampaignSnapshot.State.SYNCING).update(
        state=CampaignSnapshot.State.FAILED,
        error=detail_text(code, worded),
        error_code=code,
        error_params=params,
        finished_at=timezone.now(),
    ):
        snapshot_records_purge([snapshot.pk])


def snapshot_records_purge(snapshot_ids: Iterable[int]) -> None:
    """Delete the rows of these snapshots a batch at a time: one large DELETE would hold SQLite's
    write lock for seconds while every search and edit waits."""
    snapshot_ids = list(snapshot_ids)
    if not snapshot_ids:
        return
    while True:
        batch = list(
            SnapshotRecord.objects.filter(snapshot_id__in=snapshot_ids).values_list(
                "pk", flat=True
            )[:PURGE_BATCH]
        )
        if not batch:
            return
        SnapshotRecord.objects.filter(pk__in=batch).delete()  # a fast delete: no dependents


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotSearch:
    """What a search found: the rows (at most `SEARCH_LIMIT`) and where they come from.

    `snapshot` is the campaign's current (complete) copy, None before its first read is
    complete. During that first read the rows already written are searched all the same:
    `reading` is then the generation being written and `complete` False, and `searched` of
    `expected` says how much of the campaign the answer covers, so a page can say "still
    reading" and ask again (poll) until the number is found or `complete` turns True. Later
    full reads keep the swap: the current copy answers until the new one is complete.

    How current the copy is (its as-of time) is the page's `CampaignCopyState.as_of`
    (`campaigns.copies`), read once a request with the touch, not once more here."""

    query: str
    snapshot: CampaignSnapshot | None
    records: tuple[SnapshotRecord, ...]
    phone_number: str  # the typed text as a phone number ('' when it is not one)
    reading: CampaignSnapshot | None = None

    @property
    def complete(self) -> bool:
        return self.snapshot is not None

    @property
    def searched(self) -> int:
        """How many of the campaign's records the answer looked through."""
        generation = self.snapshot or self.reading
        return generation.fetched_count if generation is not None else 0

    @property
    def expected(self) -> int | None:
        """How many records the campaign holds, as Thulium counted them (None before the
        first page of the first read came)."""
        generation = self.snapshot or self.reading
        return generation.expected_count if generation is not None else None


def snapshot_generations(
    campaign_id: str,
) -> tuple[CampaignSnapshot | None, CampaignSnapshot | None]:
    """The campaign's current generation, and the one a read is writing now (either None)."""
    current = reading = None
    for generation in CampaignSnapshot.objects.filter(
        Q(is_current=True) | Q(state=CampaignSnapshot.State.SYNCING), campaign_id=campaign_id
    ):
        if generation.is_current:
            current = generation
        else:
            reading = generation
    return current, reading


def snapshot_copy_as_of(campaign_id: str, current: CampaignSnapshot | None) -> datetime | None:
    """When the campaign's copy was current: the start of the last refresh or full read that
    reached it (`CampaignCopy.refreshed_at`); a snapshot taken before copies kept that time
    is current as of its finish."""
    if current is None:
        return None
    refreshed_at = (
        CampaignCopy.objects.filter(campaign_id=current.campaign_id)
        .values_list("refreshed_at", flat=True)
        .first()
    )
    return refreshed_at or current.finished_at


# A number's last digits, as a supervisor reads them off a note ("…4567"): at least this many,
# fewer than a whole number. Fewer would match a good share of any campaign.
LAST_DIGITS_MIN = 4
_LAST_DIGITS = re.compile(r"[\d\s\-]+")


def _last_digits(query: str) -> str:
    """The digits of `query` when it is only the end of a number (digits, spaces, dashes,
    `LAST_DIGITS_MIN` to 8 digits); "" otherwise. Searched with LIKE '%1234': not an index
    lookup, but within one campaign's copy and at most SEARCH_LIMIT rows."""
    if not _LAST_DIGITS.fullmatch(query):
        return ""
    digits = re.sub(r"\D", "", query)
    return digits if LAST_DIGITS_MIN <= len(digits) <= 8 else ""


def snapshot_records_search(*, campaign_id: str, query: str) -> SnapshotSearch:
    """Records of the campaign's copy whose phone number, identifier or agent login is
    `query`: the current copy's, or during the first read the rows written so far (see
    `SnapshotSearch`). The number may be typed any way (`+48 600 100 200`, `600-100-200`): it
    is turned into the stored, indexed form first, so each of the three is an index lookup.
    Four to eight digits that are no whole number find the numbers ending in them. A NUL
    character, which no stored value holds and PostgreSQL refuses in a query, is dropped."""
    query = query.replace("\x00", "").strip()
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    if searched is None or not query:
        return SnapshotSearch(
            query=query, snapshot=current, records=(), phone_number="", reading=reading
        )
    lookups = [{"identifier": query}, {"agent_login": query}]
    try:
        phone_number = normalise_phone_number(query)
    except InvalidPhoneNumber:
        phone_number = ""
    else:
        lookups.insert(0, {"phone_normalised": phone_number})
    if digits := _last_digits(query):
        lookups.append({"phone_normalised__endswith": digits})
    # One query per column, each an index lookup: an OR of the three (with an ORDER BY) lets a
    # planner walk the whole table in key order instead.
    rows = SnapshotRecord.objects.filter(snapshot=searched).live()
    found: dict[int, SnapshotRecord] = {}
    for lookup in lookups:
        for record in rows.filter(**lookup)[:SEARCH_LIMIT]:
            found.setdefault(record.pk, record)
    return SnapshotSearch(
        query=query,
        snapshot=current,
        records=tuple(sorted(found.values(), key=lambda record: record.pk)[:SEARCH_LIMIT]),
        phone_number=phone_number,
        reading=reading,
    )


@dataclass(frozen=True, slots=True)
class SnapshotLookup:
    """One identifier looked up in the campaign's copy: the row (None when it is not there,
    or was removed by the dashboard), and whether the copy is fresh enough to say that the
    record does not exist.

    As with `SnapshotSearch`: `snapshot` is the current copy; during the first read
    (`complete` False) the row comes from the rows written so far, and a page waiting for it
    asks again until it is found or the read is complete. `copy_as_of` is when the copy was
    current (`snapshot_copy_as_of`; for a row of the first read, that read's start)."""

    snapshot: CampaignSnapshot | None
    record: SnapshotRecord | None
    removed: bool
    reading: CampaignSnapshot | None = None
    copy_as_of: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.snapshot is not None

    @property
    def is_fresh(self) -> bool:
        if self.snapshot is None or self.snapshot.finished_at is None:
            return False
        age = timezone.now() - (self.copy_as_of or self.snapshot.finished_at)
        return age <= timedelta(seconds=settings.SNAPSHOT_FRESH_SECONDS)

    @property
    def missing_from_fresh(self) -> bool:
        return self.is_fresh and self.record is None

    @property
    def as_of(self):
        base = self.copy_as_of
        if base is None and self.snapshot is not None:
            base = self.snapshot.finished_at
        changed_at = self.record.changed_at if self.record is not None else None
        if changed_at is not None and (base is None or changed_at > base):
            return changed_at
        return base


def snapshot_record_lookup(*, campaign_id: str, identifier: str) -> SnapshotLookup:
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    if searched is None:
        return SnapshotLookup(snapshot=None, record=None, removed=False)
    copy_as_of = snapshot_copy_as_of(campaign_id, current) if current else reading.started_at
    row = SnapshotRecord.objects.filter(snapshot=searched, identifier=identifier).first()
    removed = row is not None and row.deleted
    return SnapshotLookup(
        snapshot=current,
        record=None if removed else row,
        removed=removed,
        reading=reading,
        copy_as_of=copy_as_of,
    )


# --- our own changes ---------------------------------------------------------------------------


def _rows_of_campaign(campaign_id: str):
    """The rows of the campaign's current snapshot and of the one being synced: a change made
    during a sync must not come back with the new generation from a page read before it."""
    return SnapshotRecord.objects.filter(
        snapshot__campaign_id=campaign_id,
        snapshot__state__in=(CampaignSnapshot.State.READY, CampaignSnapshot.State.SYNCING),
    )


def snapshot_record_changed(
    *,
    campaign_id: str,
    identifier: str,
    changes: Mapping[str, Any],
    statuses: Sequence[CampaignStatus] = (),
) -> int:
    """Apply a change Thulium accepted (the PUT body of `record_update`) to the snapshot rows of
    that record. Returns how many rows were updated."""
    values: dict[str, Any] = {"changed_at": timezone.now()}
    if changes.get("status_id"):
        status_id = str(changes["status_id"])
        values["status_id"] = status_id
        status = next((status for status in statuses if status.status_id == status_id), None)
        if status is not None:
            values["status_name"] = status.name
            values["system_status"] = status.system_status
    if changes.get("agent_login"):
        values["agent_login"] = changes["agent_login"]
        values["agent_name"] = ""
    if changes.get("next_call_date"):
        values["next_call_date"] = f"{changes['next_call_date']}:00"[:19]
    return _rows_of_campaign(campaign_id).filter(identifier=identifier).update(**values)


def snapshot_record_deleted(*, campaign_id: str, identifier: str) -> int:
    """Mark a record deleted by the dashboard as gone from the snapshot."""
    return (
        _rows_of_campaign(campaign_id)
        .filter(identifier=identifier)
        .update(deleted=True, changed_at=timezone.now())
    )


def snapshot_numbers_removed(
    *, campaign_id: str, phone_numbers: Iterable[str], record_ids: Iterable[str] = ()
) -> int:
    """Mark the records a bulk removal took away as gone: every record with one of
    `phone_numbers` (numbers all of whose records went) and the records `record_ids`. One
    UPDATE, whatever the number of items."""
    numbers = [number for number in phone_numbers if number]
    ids = [record_id for record_id in record_ids if record_id]
    if not numbers and not ids:
        return 0
    condition = Q(phone_normalised__in=[phone_normalised(number) for number in numbers])
    if ids:
        condition |= Q(record_id__in=ids)
    return (
        _rows_of_campaign(campaign_id)
        .filter(condition)
        .update(deleted=True, changed_at=timezone.now())
    )


@dataclass(frozen=True, slots=True)
class RestoredRecord:
    """One record the dashboard added back: the id it had before its removal, the id Thulium
    gave it now (None when its answer did not say), and the values sent."""

    old_record_id: str
    new_record_id: str | None
    values: Mapping[str, Any]


def snapshot_record_restored(
    *, campaign_id: str, old_record_id: str, new_record_id: str | None, values: Mapping[str, Any]
) -> int:
    """Put one record the dashboard added back into the copy (see `snapshot_records_restored`)."""
    return snapshot_records_restored(
        campaign_id=campaign_id,
        records=[RestoredRecord(old_record_id, new_record_id, values)],
    )


def snapshot_records_restored(*, campaign_id: str, records: Sequence[RestoredRecord]) -> int:
    """Put records the dashboard added back (a restore) into the copy: each one's removed row,
    if the copy still holds it, comes back under its new id with the values sent; otherwise a
    row is added. Thulium's answer may not say the new id: the row then keeps the old one until
    the next read replaces it. The generations (current and syncing) are read once for all the
    records, then one or two statements per record and generation."""
    if not records:
        return 0
    now = timezone.now()
    written = 0
    generations = list(
        CampaignSnapshot.objects.filter(
            campaign_id=campaign_id,
            state__in=(CampaignSnapshot.State.READY, CampaignSnapshot.State.SYNCING),
        ).values_list("pk", flat=True)
    )
    for snapshot_id in generations:
        with transaction.atomic():
            rows = SnapshotRecord.objects.filter(snapshot_id=snapshot_id)
            for record in records:
                written += _restored_row(rows, snapshot_id, record, now)
    return written


def _restored_row(
    rows: QuerySet[SnapshotRecord], snapshot_id: int, record: RestoredRecord, now: datetime
) -> int:
    """One restored record's row in one generation: updated, taken back from its removed row,
    or added."""
    values = record.values
    record_id = record.new_record_id or record.old_record_id
    columns = {
        "identifier": values.get("identifier") or "",
        "phone_number": values.get("phone_number") or "",
        "phone_normalised": phone_normalised(values.get("phone_number") or ""),
        "status_id": str(values.get("status_id") or ""),
        "status_name": values.get("status_name") or "",
        "system_status": values.get("system_status") or "",
        "agent_login": values.get("agent_login") or "",
        "agent_name": values.get("agent_name") or "",
        "next_call_date": values.get("next_call_date") or "",
        "deleted": False,
        "changed_at": now,
    }
    updated = rows.filter(record_id=record_id).update(**columns)
    if not updated:
        updated = rows.filter(record_id=record.old_record_id, deleted=True).update(
            record_id=record_id, **columns
        )
    if not updated:
        SnapshotRecord.objects.create(snapshot_id=snapshot_id, record_id=record_id, **columns)
        updated = 1
    return updated

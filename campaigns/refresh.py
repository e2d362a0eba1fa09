"""Keeping a campaign's copy current by reading only what changed since the last read.

A full read pages through every record (1,000 pages for 100,000 records). Between full reads a
refresh asks Thulium only for the records that can have changed: those called since the day of
the previous read (`call_date_from`: an agent's call changes a record's status, call date, next
call date and agent) and those added since then (`create_date_from`), page by page under the
shared limits, and updates them in the current copy in place (inserting the new ones). On a
working day that is a few pages: 1,000 calls are 10 pages plus one for the additions.

What a refresh cannot see: a record changed elsewhere without a call (another tool's edit) or
removed elsewhere. The daily full read (`campaigns.tasks`) catches those.

Why the *day* of the previous read's start, in `TIME_ZONE` (which must be Thulium's): Thulium's
filters are whole days, and a record called at 23:59 yesterday, after a refresh that started at
23:58, is only listed with `call_date_from=<yesterday>`. The first refresh after midnight so
reads yesterday's calls and today's, and every later one only today's.

Run by the refresh chain's task (`campaigns.tasks.campaign_copy_refresh_run`), holding the
campaign's read lease; an edit page may run it in the request, just before sending an edit, to
see whether the record changed meanwhile (`even_if_held`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from campaigns.leases import (
    campaign_read_lease_release,
    campaign_read_lease_renew,
    campaign_read_lease_take,
)
from campaigns.models import CampaignCopy, CampaignSnapshot, SnapshotRecord
from campaigns.snapshots import (
    ROW_COLUMNS,
    WRITE_BATCH,
    ReadLeaseLost,
    phone_normalised,
    records_reads_pages,
    snapshot_rows_insert,
)
from thuladmin.thulium import get_client
from thuladmin.thulium.client import MAX_RECORDS_PAGE_SIZE, ThuliumClient
from thuladmin.thulium.throttle import (
    ConcurrencyLimiter,
    RateLimiter,
    ThuliumLimits,
    thulium_limits,
)
from thuladmin.thulium.types import CampaignRecord

logger = logging.getLogger(__name__)

# What a call (or an edit elsewhere) changes in a record, as the rows store it: a refresh writes
# these to a row it finds changed, and leaves the rest (identifier, creation date) alone.
REFRESHED_FIELDS = tuple(
    column
    for column in ROW_COLUMNS
    if column not in {"snapshot_id", "record_id", "identifier", "create_date", "deleted"}
)


def refresh_read_holder() -> str:
    """A new name under which one refresh holds its campaign's read lease."""
    return f"refresh:{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class CopyRefresh:
    """What one refresh did. `read` is False when it read nothing: the campaign has no
    complete copy yet (its first read brings everything), or another read held the lease.
    `changed` names the records (by identifier, by record id when they have none) it updated
    with new values or added, `inserted` counts the added ones; `pages` is how many record pages it
    asked Thulium for, `started_at` when it started reading (the copy's new as-of time)."""

    read: bool
    pages: int = 0
    listed: int = 0
    inserted: int = 0
    changed: tuple[str, ...] = ()
    started_at: datetime | None = None


def campaign_copy_refresh(
    *,
    campaign_id: str,
    even_if_held: bool = False,
    client: ThuliumClient | None = None,
    parallel: int | None = None,
    rate_limiter: RateLimiter | None = None,
    concurrency: ConcurrencyLimiter | None = None,
    page_size: int = MAX_RECORDS_PAGE_SIZE,
) -> CopyRefresh:
    """Read the records called or added since the day of the campaign's previous read and
    update the current copy with them (see the module). Holds the campaign's read lease
    ("refresh:<uuid>") while it reads; when another read holds it (a full read, another
    refresh) it does nothing and says so (`read` False).

    `even_if_held`: for a request that must know now (the edit page, just before it sends an
    edit, to catch a change it has not seen). It then reads without the lease when another
    reader holds it: the lease keeps Thulium from reading a campaign twice for one answer, but
    a refresh only updates rows to what Thulium listed, so two at once cannot corrupt the
    copy, and one request's few pages are a fair price for an edit that does not overwrite a
    change. It never takes the lease away from its holder.

    Thulium's errors (`ThuliumError`) are raised, having updated the rows read before them;
    the copy's as-of time only moves when the whole refresh was read.
    """
    current = CampaignSnapshot.objects.current_for(campaign_id)
    if current is None:
        return CopyRefresh(read=False)
    holder = refresh_read_holder()
    held = campaign_read_lease_take(
        campaign_id=campaign_id, holder=holder, seconds=settings.SNAPSHOT_STALE_SECONDS
    )
    if not held and not even_if_held:
        return CopyRefresh(read=False)
    try:
        return _Refresh(
            campaign_id=campaign_id,
            snapshot_id=current.pk,
            holder=holder if held else None,
            client=client or get_client(),
            parallel=max(1, parallel or settings.SNAPSHOT_PARALLEL_REQUESTS),
            limits=thulium_limits(rate_limiter=rate_limiter, concurrency=concurrency),
            page_size=page_size,
        ).run(since=_previous_read_start(campaign_id, current))
    except ReadLeaseLost:
        logger.warning("Refresh of campaign %s stopped: its read lease was taken over", campaign_id)
        return CopyRefresh(read=False)
    finally:
        if held:
            campaign_read_lease_release(campaign_id=campaign_id, holder=holder)


def _previous_read_start(campaign_id: str, current: CampaignSnapshot) -> datetime:
    refreshed_at = (
        CampaignCopy.objects.filter(campaign_id=campaign_id)
        .values_list("refreshed_at", flat=True)
        .first()
    )
    return refreshed_at or current.started_at


@dataclass
class _Refresh:
    campaign_id: str
    snapshot_id: int
    holder: str | None  # None: reading without the lease (`even_if_held`)
    client: ThuliumClient
    parallel: int
    limits: ThuliumLimits
    page_size: int

    def run(self, *, since: datetime) -> CopyRefresh:
        started_at = timezone.now()
        day = timezone.localdate(since)
        pages = listed = inserted = 0
        changed: list[str] = []
        # Both reads at once (their first pages in one round trip), and the pages written as
        # they arrive, while the pages after them are still in flight: only the last answer's
        # write is left once it came (bench/snapshot.py).
        for arrived in records_reads_pages(
            client=self.client,
            campaign_id=self.campaign_id,
            reads=({"call_date_from": day}, {"create_date_from": day}),
            parallel=self.parallel,
            rate_limiter=self.limits.rate_limiter,
            concurrency=self.limits.concurrency,
            page_size=self.page_size,
        ):
            records = [record for page in arrived for record in page.records]
            pages += len(arrived)
            listed += len(records)
            inserted += self._upsert(records, started_at, changed)
        with transaction.atomic():
            self._hold_lease()
            CampaignCopy.objects.get_or_create(campaign_id=self.campaign_id)
            CampaignCopy.objects.filter(campaign_id=self.campaign_id).update(
                refreshed_at=Greatest(
                    Coalesce(F("refreshed_at"), Value(started_at)), Value(started_at)
                )
            )
        return CopyRefresh(
            read=True,
            pages=pages,
            listed=listed,
            inserted=inserted,
            changed=tuple(dict.fromkeys(changed)),
            started_at=started_at,
        )

    def _hold_lease(self) -> None:
        if self.holder is None:
            return
        if not campaign_read_lease_renew(
            campaign_id=self.campaign_id,
            holder=self.holder,
            seconds=settings.SNAPSHOT_STALE_SECONDS,
        ):
            raise ReadLeaseLost

    def _upsert(
        self, records: Sequence[CampaignRecord], started_at: datetime, changed: list[str]
    ) -> int:
        """Update the rows of `records` whose values differ, insert the missing ones; returns
        how many were inserted and appends the changed ones' names to `changed`.

        A row the dashboard itself changed after this refresh started (`changed_at`) is left
        alone: the page listing it may have been read before that change. A row the dashboard
        removed stays removed (Thulium may have listed it before the removal); the daily full
        read settles both."""
        if not records:
            return 0
        listed = {record.record_id: record for record in records}
        with transaction.atomic():
            self._hold_lease()
            stored = {}
            ids = list(listed)
            for first in range(0, len(ids), WRITE_BATCH):
                # Tuples, not model instances: building 1,000 instances was half the write.
                rows = SnapshotRecord.objects.filter(
                    snapshot_id=self.snapshot_id, record_id__in=ids[first : first + WRITE_BATCH]
                ).values_list("pk", "record_id", "identifier", "changed_at", *REFRESHED_FIELDS)
                for pk, record_id, identifier, changed_at, *values in rows:
                    stored[record_id] = (pk, identifier, changed_at, tuple(values))
            updates: dict[tuple[str, ...], list[list]] = {}
            for record_id, (pk, identifier, changed_at, values) in stored.items():
                if changed_at is not None and changed_at > started_at:
                    continue
                refreshed = _refreshed_values(listed[record_id])
                if refreshed == values:
                    continue
                names = tuple(
                    name
                    for name, new, old in zip(REFRESHED_FIELDS, refreshed, values, strict=True)
                    if new != old
                )
                updates.setdefault(names, []).append(
                    [new for new, old in zip(refreshed, values, strict=True) if new != old] + [pk]
                )
                changed.append(identifier or record_id)
            for names, rows in updates.items():
                _rows_update(names, rows)
            new = [record for record_id, record in listed.items() if record_id not in stored]
            snapshot_rows_insert(self.snapshot_id, new)
            if new:
                CampaignSnapshot.objects.filter(pk=self.snapshot_id).update(
                    fetched_count=F("fetched_count") + len(new)
                )
            changed.extend(record.identifier or record.record_id for record in new)
        return len(new)


def _rows_update(names: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Set the fields `names` of rows, each given as their new values then its primary key:
    one UPDATE by primary key, executed for each row (`executemany`).

    Only the fields that changed (a call changes the status and the dates, rarely the number
    or the agent): on SQLite an UPDATE rewrites the index entries of every column it sets,
    changed or not, and a refresh's rows are spread over the whole table, so setting the
    indexed phone and agent columns too dirtied a page more for each row and index, written
    to the log and checkpointed. Django's `bulk_update` builds a CASE of one WHEN per row and
    field, 10,000 expressions for 1,000 called records, and spent seconds compiling them
    (bench/snapshot.py)."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(name)} = %s" for name in names)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(SnapshotRecord._meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quote('id')} = %s",
            rows,
        )


def _refreshed_values(record: CampaignRecord) -> tuple[str, ...]:
    """A listed record's values as a row stores them (as `snapshots._row_values` writes them),
    in the order of `REFRESHED_FIELDS`: compared with the stored ones as they are read."""
    return (
        record.phone_number,
        phone_normalised(record.phone_number),
        record.status_id or "",
        record.status_name,
        record.system_status,
        record.agent_login or "",
        record.agent_name or "",
        record.next_call_date or "",
        record.call_date or "",
        record.last_note or "",
    )

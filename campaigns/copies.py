"""The campaign copy, taken without asking and kept current while the campaign is in use.

A supervisor should not have to know the copy exists. Every page that shows or searches a
campaign's records calls `campaign_copy_touch` (the campaign page and its search, the records
list, a record's page): the campaign is marked as in use, its first read starts the first time
anyone opens it, a refresh chain (`campaigns.tasks`) keeps it current while it is in use, and a
copy more than a day old is read again in full. What the page needs to say how current the
copy is comes back as a `CampaignCopyState`.

For the pages (the search's progress, a record page waiting, "as of 12:41"):

- `campaign_copy_touch(...)` once per request, before the search or lookup, returns the state;
- `snapshot_records_search` / `snapshot_record_lookup` (`campaigns.snapshots`) answer from
  the rows already read during the first read (`complete` False, `searched` of `expected`):
  poll them (each poll a request that touches again, which is cheap) until the record is found
  or `complete` is True;
- `campaign_copy_state(campaign_id=...)` is the same state without touching (no writes);
- `campaigns.refresh.campaign_copy_refresh(campaign_id=..., even_if_held=True)` refreshes in
  the request, for the edit page's check before sending (see there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from campaigns.models import FULL_READ_EVERY, CampaignCopy, CampaignSnapshot
from campaigns.reads import CampaignReadRefused, campaign_read_start
from campaigns.snapshots import snapshot_generations
from campaigns.tasks import campaign_copy_chain_ensure

logger = logging.getLogger(__name__)

# How often a page waiting on a read asks again (a search not found yet, a record page waiting
# for its record or a refresh, the copy's progress): each poll is one cheap request (a touch,
# written at most every ten seconds, and a few index lookups). Once a second, not every two: a
# number in the last page of a first read shows half a second after it is read on average,
# instead of a second (bench/snapshot.py measures the first search polling at this interval).
COPY_POLL_SECONDS = 1

# A page marks its campaign as opened at most this often: a search polled every second, or
# twenty supervisors on one campaign, write its row once in ten seconds, not on every request.
# The in-use window (CAMPAIGN_COPY_ACTIVE_MINUTES) is minutes, so nothing is lost.
OPENED_WRITE_EVERY = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class CampaignCopyState:
    """How current a campaign's copy is, for the pages.

    `as_of`: the copy holds every change Thulium had made by then (the start of the last
    refresh or full read that reached it); None while there is no complete copy. `complete`: a
    complete copy exists (searches answer from it). `reading`: a full read is under way, having
    written `read_count` of `expected_count` records (None before its first page); during the
    first read (`first_read`) searches answer from those. `refresh_due_at`: when the refresh
    chain's next link is due (None when no chain runs). `refused`: why a read this request
    wanted to start was not started ('' when none was refused), in the supervisor's words."""

    as_of: datetime | None
    complete: bool
    reading: bool
    read_count: int
    expected_count: int | None
    refresh_due_at: datetime | None = None
    refused: str = ""

    @property
    def first_read(self) -> bool:
        return self.reading and not self.complete

    @property
    def percent(self) -> int:
        if not self.expected_count:
            return 100 if self.complete and not self.reading else 0
        return min(100, self.read_count * 100 // self.expected_count)


def campaign_copy_touch(
    *, campaign_id: str, user, refresh_older_than: float | None = None
) -> CampaignCopyState:
    """The campaign was opened by `user`: keep its copy coming, and say how current it is.

    - Marks it opened (at most one write per `OPENED_WRITE_EVERY`), which keeps its refresh
      chain going for `CAMPAIGN_COPY_ACTIVE_MINUTES`.
    - Starts its first read when there is no copy and no read under way, and a full read when
      the copy is more than a day old (nobody opened it for a day, so no chain refreshed it;
      the old copy keeps answering, with its as-of time, until the new one is complete).
      Through `campaign_read_start`: the user's bound holds, and Thulium is asked whether the
      campaign exists first (a cached request), so a made-up id stores nothing. A refusal is
      logged and returned in `refused`; the page still renders, and the next touch tries again.
    - Starts the refresh chain when none runs (`campaign_copy_chain_ensure`).
    - With `refresh_older_than` (seconds; the record page passes 60): when the copy is older,
      the next refresh is queued now rather than at the chain's next time.

    Thulium is asked nothing else here: every read runs in the task worker.
    """
    now = timezone.now()
    copy = CampaignCopy.objects.filter(campaign_id=campaign_id).first()
    current, reading = snapshot_generations(campaign_id)
    as_of = _as_of(copy, current)
    refused = ""
    stale = as_of is not None and now - as_of > FULL_READ_EVERY
    if reading is None and (current is None or stale):
        try:
            reading = campaign_read_start(user=user, campaign_id=campaign_id)
        except CampaignReadRefused as refusal:
            logger.info("No read of campaign %s started: %s", campaign_id, refusal.message)
            refused = refusal.message
    if current is None and reading is None:
        return _state(copy, current, reading, refused=refused)  # nothing to keep: no row
    copy = _opened(copy, campaign_id=campaign_id, now=now)
    refresh_every = timedelta(seconds=settings.CAMPAIGN_COPY_REFRESH_SECONDS)
    wanted_now = (
        refresh_older_than is not None
        and as_of is not None
        and now - as_of > timedelta(seconds=refresh_older_than)
    )
    if wanted_now or _chain_missing(copy, now=now):
        due = now if wanted_now or as_of is None else max(now, as_of + refresh_every)
        if campaign_copy_chain_ensure(campaign_id=campaign_id, due=due, sooner=wanted_now):
            copy.refresh_due_at = due
    return _state(copy, current, reading, refused=refused)


def campaign_copy_state(*, campaign_id: str) -> CampaignCopyState:
    """The copy's state without touching it (nothing written, nothing started)."""
    copy = CampaignCopy.objects.filter(campaign_id=campaign_id).first()
    current, reading = snapshot_generations(campaign_id)
    return _state(copy, current, reading)


def _as_of(copy: CampaignCopy | None, current: CampaignSnapshot | None) -> datetime | None:
    if current is None:
        return None
    if copy is not None and copy.refreshed_at is not None:
        return copy.refreshed_at
    return current.started_at


def _opened(copy: CampaignCopy | None, *, campaign_id: str, now: datetime) -> CampaignCopy:
    if copy is None:
        copy, created = CampaignCopy.objects.get_or_create(
            campaign_id=campaign_id, defaults={"opened_at": now}
        )
        if created:
            return copy
    if copy.opened_at is None or now - copy.opened_at >= OPENED_WRITE_EVERY:
        # Never backwards: a slower request with an older `now` leaves a newer time alone.
        CampaignCopy.objects.filter(
            Q(opened_at__isnull=True) | Q(opened_at__lt=now), campaign_id=campaign_id
        ).update(opened_at=now)
        copy.opened_at = now
    return copy


def _chain_missing(copy: CampaignCopy, *, now: datetime) -> bool:
    """Whether the row says no chain runs (or its link is long overdue), read from the row
    already in hand, so a touch with a chain running writes nothing for it."""
    if not copy.refresh_token or copy.refresh_due_at is None:
        return True
    late = timedelta(
        seconds=settings.CAMPAIGN_COPY_REFRESH_SECONDS + settings.SNAPSHOT_STALE_SECONDS
    )
    return copy.refresh_due_at < now - late


def _state(
    copy: CampaignCopy | None,
    current: CampaignSnapshot | None,
    reading: CampaignSnapshot | None,
    *,
    refused: str = "",
) -> CampaignCopyState:
    generation = reading or current
    return CampaignCopyState(
        as_of=_as_of(copy, current),
        complete=current is not None,
        reading=reading is not None,
        read_count=generation.fetched_count if generation is not None else 0,
        expected_count=generation.expected_count if generation is not None else None,
        refresh_due_at=copy.refresh_due_at if copy is not None else None,
        refused=refused,
    )

"""The campaigns app's background work, run by the same `db_worker` as the bulk jobs: a full read
of a campaign (a snapshot sync), and the refresh chain that keeps a campaign's copy current while
it is in use.

Full reads are queued by `campaigns.reads` (a supervisor's, or a page's first read) and by the
refresh chain below (the daily one, nobody's); the snapshot code never queues anything: this
module imports `campaigns.snapshots`, and the import goes that way only. The chain's functions
live here, beside its task, because the task queues its own successor.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from campaigns.models import CampaignCopy
from campaigns.refresh import campaign_copy_refresh
from campaigns.snapshots import SnapshotSync, snapshot_full_read_begin
from thuladmin.thulium import errors

logger = logging.getLogger(__name__)

# Below the default: a campaign read is background work a supervisor waits for on a progress
# bar, while a bulk job (thuladmin.bulk.tasks.BULK_JOB_PRIORITY) or any other task is claimed
# by the worker first, whenever they were queued.
CAMPAIGN_READ_PRIORITY = -10
# A refresh is a few pages, and the pages of a campaign in use wait for it: before full reads
# (which take minutes, and whose campaigns have an older copy answering meanwhile), after bulk
# jobs and everything else.
CAMPAIGN_COPY_REFRESH_PRIORITY = -5


@task(priority=CAMPAIGN_READ_PRIORITY)
def campaign_snapshot_run(snapshot_id: int) -> None:
    """Take (copy from Thulium) one campaign snapshot. Safe to enqueue twice: a snapshot no
    longer syncing is left alone."""
    SnapshotSync(snapshot_id).run()


# --- the refresh chain -------------------------------------------------------------------------


@task(priority=CAMPAIGN_COPY_REFRESH_PRIORITY)
def campaign_copy_refresh_run(campaign_id: str, token: str) -> None:
    """One link of a campaign's refresh chain: refresh the copy (`campaigns.refresh`), then
    queue the next link `CAMPAIGN_COPY_REFRESH_SECONDS` from now while the campaign is in use,
    or end the chain (and start the daily full read when one is due) once it is idle.

    A link whose `token` is no longer the campaign's (`CampaignCopy.refresh_token`) was
    superseded by a chain restarted meanwhile and does nothing, so one campaign never has two
    chains reading it."""
    if not CampaignCopy.objects.filter(campaign_id=campaign_id, refresh_token=token).exists():
        return
    try:
        campaign_copy_refresh(campaign_id=campaign_id)
    except errors.ThuliumError as error:
        # The next link tries again; the copy keeps its as-of time meanwhile.
        logger.warning("Refresh of campaign %s failed: %s", campaign_id, error)
    finally:  # even after a bug's exception: the chain goes on (or ends) as it should
        campaign_copy_chain_next(campaign_id=campaign_id, token=token)


def campaign_copy_chain_next(*, campaign_id: str, token: str) -> None:
    """After a link ran: the next one while the campaign is in use (opened within
    `CAMPAIGN_COPY_ACTIVE_MINUTES`), else the chain's end, so nothing is queued for an idle
    campaign. At the end, a full read when the last one is more than a day old
    (`CampaignCopy.objects.full_read_due`): it runs while nobody looks, and catches what a
    refresh cannot see (edits and removals made elsewhere)."""
    now = timezone.now()
    chain = CampaignCopy.objects.filter(campaign_id=campaign_id, refresh_token=token)
    if chain.in_use(now=now).exists():
        due = now + timedelta(seconds=settings.CAMPAIGN_COPY_REFRESH_SECONDS)
        _chain_queue(chain, campaign_id=campaign_id, due=due)
        return
    if not chain.update(refresh_token="", refresh_due_at=None):
        return  # superseded meanwhile: the new chain decides
    if CampaignCopy.objects.filter(campaign_id=campaign_id).full_read_due(now=now).exists():
        snapshot = snapshot_full_read_begin(campaign_id=campaign_id)
        if snapshot is not None:
            transaction.on_commit(partial(campaign_snapshot_run.enqueue, snapshot_id=snapshot.pk))


def campaign_copy_chain_ensure(*, campaign_id: str, due: datetime, sooner: bool = False) -> bool:
    """Make sure the campaign's refresh chain runs, its next link at `due` at the latest when
    it is started here. True when a link was queued (a new chain, or one that replaces the
    queued link).

    Started when none runs, or when its next link is long overdue
    (`CAMPAIGN_COPY_REFRESH_SECONDS` + `SNAPSHOT_STALE_SECONDS` late: its worker died, or the
    link was lost). With `sooner` (a refresh wanted now), also when its next link is due
    after `due`: the new link replaces it (the old one finds its token gone and does nothing).
    One conditional UPDATE decides, so two requests never both start a chain."""
    now = timezone.now()
    late = now - timedelta(
        seconds=settings.CAMPAIGN_COPY_REFRESH_SECONDS + settings.SNAPSHOT_STALE_SECONDS
    )
    startable = Q(refresh_token="") | Q(refresh_due_at__isnull=True) | Q(refresh_due_at__lt=late)
    if sooner:
        startable |= Q(refresh_due_at__gt=due)
    rows = CampaignCopy.objects.filter(startable, campaign_id=campaign_id)
    return _chain_queue(rows, campaign_id=campaign_id, due=due)


def _chain_queue(rows, *, campaign_id: str, due: datetime) -> bool:
    """Give the campaign a new chain token and queue its link for `due`, if `rows` (the
    campaign's row, filtered by the condition to meet) still holds."""
    token = uuid.uuid4().hex
    if not rows.update(refresh_token=token, refresh_due_at=due):
        return False
    transaction.on_commit(
        partial(
            campaign_copy_refresh_run.using(run_after=due).enqueue,
            campaign_id=campaign_id,
            token=token,
        )
    )
    return True

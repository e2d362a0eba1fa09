"""Starting a read of a campaign from Thulium: a snapshot sync queued for the task worker.

A read pages through a whole campaign, so each one queued is real work for the worker and for
Thulium. Before one is queued: a read of the campaign already under way is joined, the user's
reads are counted (`CAMPAIGN_READS_PER_USER`), and Thulium is asked whether the campaign exists
(its statuses: one small, cached request), so a made-up id queues nothing and stores nothing.
The campaign's read lease (`CampaignReadLease`) is the arbiter of "one read per campaign"
across every process.

The one place that queues `campaign_snapshot_run`: it imports both the snapshot code and the
task, so neither has to import the other.
"""

from __future__ import annotations

import uuid
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.leases import campaign_read_lease_hand_over, campaign_read_lease_take
from campaigns.models import CampaignReadLease, CampaignSnapshot
from campaigns.services import campaign_statuses_get
from campaigns.snapshots import (
    snapshot_read_holder,
    snapshot_records_purge,
    snapshot_syncs_taken_over,
)
from campaigns.tasks import campaign_snapshot_run
from thuladmin.thulium import errors
from thuladmin.thulium.messages import thulium_error_message


class CampaignReadRefused(Exception):
    """No read was queued; `message` says why, in words for the supervisor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def campaign_read_start(*, user, campaign_id: str) -> CampaignSnapshot | None:
    """Queue a read of the campaign (a new snapshot) for the task worker, or answer with the
    read already under way: two supervisors pressing Refresh start one read, not two.

    Returns the snapshot being taken (None when the campaign's lease is held by a reader that
    keeps no snapshot). Raises `CampaignReadRefused`, having queued and stored nothing, when
    the user has `CAMPAIGN_READS_PER_USER` reads under way or Thulium does not know the
    campaign (or cannot be asked).

    A read whose lease expired (its worker died; nobody renewed it for
    `SNAPSHOT_STALE_SECONDS`) is taken over: marked failed, and a new one queued.
    """
    if CampaignReadLease.objects.held().filter(campaign_id=campaign_id).exists():
        return _syncing(campaign_id)
    _refuse_above_bound(user)  # before asking Thulium: a flood costs no request
    _campaign_check(campaign_id)
    with transaction.atomic():
        # One start at a time per user, so the count below holds until the lease is written
        # (SQLite's BEGIN IMMEDIATE serialises every writer anyway).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _refuse_above_bound(user)
        starting = f"starting:{uuid.uuid4().hex}"
        stale: list[int] = []
        if not campaign_read_lease_take(
            campaign_id=campaign_id,
            holder=starting,
            user=user,
            seconds=settings.SNAPSHOT_STALE_SECONDS,
        ):
            taken = None  # another request took it just now: join its read
        else:
            stale = snapshot_syncs_taken_over(campaign_id)
            taken = CampaignSnapshot.objects.create(campaign_id=campaign_id, started_by=user)
            campaign_read_lease_hand_over(
                campaign_id=campaign_id, holder=starting, to=snapshot_read_holder(taken.pk)
            )
            transaction.on_commit(partial(campaign_snapshot_run.enqueue, snapshot_id=taken.pk))
    if taken is None:
        return _syncing(campaign_id)
    snapshot_records_purge(stale)  # after the commit: batches, never one long lock
    return taken


def _syncing(campaign_id: str) -> CampaignSnapshot | None:
    return CampaignSnapshot.objects.filter(
        campaign_id=campaign_id, state=CampaignSnapshot.State.SYNCING
    ).first()


def _refuse_above_bound(user) -> None:
    """Refuse when the user's reads under way (their held leases) reach the bound. A read
    that died stops counting when its lease expires."""
    limit = settings.CAMPAIGN_READS_PER_USER
    if CampaignReadLease.objects.held().filter(user=user).count() >= limit:
        raise CampaignReadRefused(
            ngettext(
                "You already have %(count)s campaign being read: wait for it to finish "
                "before you start another.",
                "You already have %(count)s campaigns being read: wait for one of them to "
                "finish before you start another.",
                limit,
            )
            % {"count": limit}
        )


def _campaign_check(campaign_id: str) -> None:
    """Ask Thulium whether the campaign exists (its statuses, cached briefly, which the
    campaign page has just read in most cases). A campaign Thulium does not know keeps no
    snapshot row: the failed ones an earlier read left are deleted."""
    try:
        campaign_statuses_get(campaign_id=campaign_id)
    except errors.ThuliumError as error:
        if isinstance(error, errors.NotFound):
            CampaignSnapshot.objects.filter(
                campaign_id=campaign_id, state=CampaignSnapshot.State.FAILED
            ).delete()
        raise CampaignReadRefused(
            _("The campaign's records were not read: %(reason)s")
            % {"reason": thulium_error_message(error, campaign_id=campaign_id)}
        ) from error

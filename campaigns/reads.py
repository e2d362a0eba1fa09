"""Starting a read of a campaign from Thulium: a snapshot sync queued for the task worker.

The one place that queues `campaign_snapshot_run`: it imports both the snapshot code and the
task, so neither has to import the other.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import CampaignSnapshot
from campaigns.snapshots import snapshot_fail
from campaigns.tasks import campaign_snapshot_run


def _is_stale(snapshot: CampaignSnapshot) -> bool:
    last = snapshot.progress_at or snapshot.started_at
    return last < timezone.now() - timedelta(seconds=settings.SNAPSHOT_STALE_SECONDS)


def campaign_read_start(*, user, campaign_id: str) -> CampaignSnapshot:
    """Start taking a new snapshot of a campaign in the task worker, or return the one already
    being taken (two supervisors pressing Refresh start one sync, not two).

    A sync silent for `SNAPSHOT_STALE_SECONDS` is taken for dead (its worker stopped) and
    marked failed, so a new one can start.
    """
    syncing = CampaignSnapshot.objects.filter(
        campaign_id=campaign_id, state=CampaignSnapshot.State.SYNCING
    ).first()
    if syncing is not None:
        if not _is_stale(syncing):
            return syncing
        snapshot_fail(
            snapshot=syncing,
            message=_("The sync stopped without finishing (the worker stopped)."),
        )
    try:
        with transaction.atomic():
            snapshot = CampaignSnapshot.objects.create(campaign_id=campaign_id, started_by=user)
            transaction.on_commit(lambda: campaign_snapshot_run.enqueue(snapshot_id=snapshot.pk))
    except IntegrityError:  # another request started one just now
        return CampaignSnapshot.objects.get(
            campaign_id=campaign_id, state=CampaignSnapshot.State.SYNCING
        )
    return snapshot

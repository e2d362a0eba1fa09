"""The campaigns app's background work, run by the same `db_worker` as the bulk jobs.

Queued by `campaigns.reads`, never by the snapshot code itself: this module imports
`campaigns.snapshots`, and the import goes that way only."""

from django_tasks import task

from campaigns.snapshots import SnapshotSync

# Below the default: a campaign read is background work a supervisor waits for on a progress
# bar, while a bulk job (thuladmin.bulk.tasks.BULK_JOB_PRIORITY) or any other task is claimed
# by the worker first, whenever they were queued.
CAMPAIGN_READ_PRIORITY = -10


@task(priority=CAMPAIGN_READ_PRIORITY)
def campaign_snapshot_run(snapshot_id: int) -> None:
    """Take (copy from Thulium) one campaign snapshot. Safe to enqueue twice: a snapshot no
    longer syncing is left alone."""
    SnapshotSync(snapshot_id).run()

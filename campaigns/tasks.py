"""The campaigns app's background work, run by the same `db_worker` as the bulk jobs.

Queued by `campaigns.reads`, never by the snapshot code itself: this module imports
`campaigns.snapshots`, and the import goes that way only."""

from django_tasks import task

from campaigns.snapshots import SnapshotSync


@task()
def campaign_snapshot_run(snapshot_id: int) -> None:
    """Take (copy from Thulium) one campaign snapshot. Safe to enqueue twice: a snapshot no
    longer syncing is left alone."""
    SnapshotSync(snapshot_id).run()

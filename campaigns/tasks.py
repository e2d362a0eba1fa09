"""The campaigns app's background work, run by the same `db_worker` as the bulk jobs."""

from django_tasks import task


@task()
def campaign_snapshot_run(snapshot_id: int) -> None:
    """Take (copy from Thulium) one campaign snapshot. Safe to enqueue twice: a snapshot no
    longer syncing is left alone."""
    from campaigns.snapshots import SnapshotSync

    SnapshotSync(snapshot_id).run()

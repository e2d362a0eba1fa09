from django_tasks import task

from thuladmin.bulk.runner import JobRunner

# django-tasks-db's worker claims the highest priority first: a bulk job a supervisor just
# confirmed never waits behind background work queued before it (campaign reads run at a
# lower priority, see campaigns/tasks.py). Only the order of claiming: a task already running
# is not interrupted.
BULK_JOB_PRIORITY = 10


@task(priority=BULK_JOB_PRIORITY)
def bulk_job_run(job_id: int, language: str = "") -> None:
    """Run (or resume) a bulk job in a `db_worker`. Safe to enqueue more than once per job.

    `language` is the one the job was confirmed in: Thulium is asked for its messages in it
    (our own words are stored as codes and worded in each reader's language).
    """
    JobRunner(job_id, language=language).run()

from django_tasks import task

from thuladmin.bulk.runner import JobRunner


@task()
def bulk_job_run(job_id: int) -> None:
    """Run (or resume) a bulk job in a `db_worker`. Safe to enqueue more than once per job."""
    JobRunner(job_id).run()

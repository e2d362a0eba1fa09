from django_tasks import task

from thuladmin.bulk.runner import JobRunner


@task()
def bulk_job_run(job_id: int, language: str = "") -> None:
    """Run (or resume) a bulk job in a `db_worker`. Safe to enqueue more than once per job.

    `language` is the one the job was confirmed in: Thulium is asked for its messages in it
    (our own words are stored as codes and worded in each reader's language).
    """
    JobRunner(job_id, language=language).run()

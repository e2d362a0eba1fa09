from django.core.management.base import BaseCommand

from thuladmin.bulk.watchdog import bulk_jobs_resume_stale


class Command(BaseCommand):
    help = "Queue again every unfinished bulk job whose runner died (workers also do this)."

    def handle(self, *args, **options) -> None:
        resumed = bulk_jobs_resume_stale()
        self.stdout.write(f"Queued again: {', '.join(map(str, resumed)) or 'nothing'}")

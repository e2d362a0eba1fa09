"""Retention: remove audit entries older than a number of days, and record that it was done."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create

DEFAULT_BATCH_SIZE = 5000
MAX_BATCH_SIZE = 10_000


class Command(BaseCommand):
    help = (
        "Delete audit entries older than --older-than DAYS, in batches, then write an entry "
        "(action audit.prune) saying how many were removed and up to when."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="Remove entries created more than this many days ago (at least 1).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="Entries deleted per statement (each in its own short transaction).",
        )

    def handle(self, *args, older_than: int, batch_size: int, verbosity: int, **options) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            # The ids of a batch are query parameters, which SQLite limits.
            raise CommandError(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}.")
        self.verbosity = verbosity
        cutoff = timezone.now() - timedelta(days=older_than)
        self.deleted = 0
        try:
            self._delete_in_batches(cutoff, batch_size)
        except BaseException:
            # Whatever was deleted before the failure is gone: the log says so, if it still can
            # (the database may be what failed; then the original error is the one to see).
            with contextlib.suppress(Exception):
                self._record(older_than, cutoff, self.deleted, AuditEntry.Outcome.PARTIAL)
            raise
        self._record(older_than, cutoff, self.deleted, AuditEntry.Outcome.SUCCESS)
        self.stdout.write(
            f"Deleted {self.deleted} audit entries created before {cutoff:%Y-%m-%d %H:%M %Z}."
        )

    def _delete_in_batches(self, cutoff: datetime, batch_size: int) -> None:
        """Oldest first, one short statement per batch (autocommit), so a prune of millions of
        entries never holds one huge transaction or lock while the site writes new entries."""
        old = AuditEntry.objects.created_before(cutoff).order_by("created_at", "id")
        while True:
            ids = list(old.values_list("id", flat=True)[:batch_size])
            if not ids:
                return
            count, _ = AuditEntry.objects.filter(pk__in=ids).delete()
            self.deleted += count
            if self.verbosity >= 2:
                self.stdout.write(f"  … {self.deleted} deleted")

    def _record(self, older_than: int, cutoff: datetime, deleted: int, outcome: str) -> None:
        audit_entry_create(
            actor=None,
            action="audit.prune",
            outcome=outcome,
            request={"older_than_days": older_than},
            response={"deleted": deleted, "cutoff": cutoff.isoformat()},
        )

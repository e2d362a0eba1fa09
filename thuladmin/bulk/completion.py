"""How far a job has got, and closing it once every chunk is done.

Below the runner and the services, which both close jobs: the runner when its last chunk is
recorded, a cancel when it leaves nothing in flight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create
from thuladmin.bulk.kinds import action_name, kind_for
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkJob, Outcome


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    done: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)


def bulk_job_progress(job: BulkJob) -> Progress:
    """Counts per outcome from the chunks' tallies: a few rows, whatever the job's size."""
    counts: Counter[str] = Counter()
    for tally in (
        BulkChunk.objects.filter(job=job)
        .exclude(outcome_counts={})
        .values_list("outcome_counts", flat=True)
    ):
        counts.update(tally)
    if job.invalid_count:
        counts[Outcome.INVALID] = job.invalid_count
    if job.suspicious_count:
        counts[Outcome.SUSPICIOUS] = job.suspicious_count
    not_sent = (Outcome.INVALID, Outcome.SUSPICIOUS)
    done = sum(count for outcome, count in counts.items() if outcome not in not_sent)
    return Progress(total=job.item_count, done=done, counts=dict(counts))


def bulk_job_duration_in_words(job: BulkJob) -> str:
    """How long the job ran, from its start (its confirmation, for a job not picked up yet) to
    its end, in words in the active language ("2 min 05 s"); "" until it is over. What the
    job's page and the audit log's entries about it say."""
    begun = job.started_at or job.confirmed_at
    if not (begun and job.finished_at):
        return ""
    seconds = max(int((job.finished_at - begun).total_seconds()), 0)
    if seconds < 1:
        return gettext("less than a second")
    if seconds < 60:
        return ngettext("%(seconds)d second", "%(seconds)d seconds", seconds) % {"seconds": seconds}
    return gettext("%(minutes)d min %(seconds)02d s") % {
        "minutes": seconds // 60,
        "seconds": seconds % 60,
    }


def bulk_job_finish_if_complete(*, job_id: int) -> bool:
    """Close the job once no chunk is waiting or in flight, and audit its outcome counts.

    Several runners may finish at once: the conditional update lets exactly one of them write
    the closing entry.
    """
    open_chunks = BulkChunk.objects.filter(
        job_id=job_id, state__in=[BulkChunk.State.PENDING, BulkChunk.State.SENDING]
    )
    if open_chunks.exists():
        return False
    job = BulkJob.objects.get(pk=job_id)
    if job.state == BulkJob.State.DRAFT:
        return False
    final_state = BulkJob.State.CANCELLED if job.cancel_requested_at else BulkJob.State.FINISHED
    with transaction.atomic():
        closed = BulkJob.objects.filter(pk=job_id, finished_at__isnull=True).update(
            state=final_state, finished_at=timezone.now()
        )
        if not closed:
            return False
        progress = bulk_job_progress(job)
        # Kept on the job, for the jobs list: a job over no longer changes.
        BulkJob.objects.filter(pk=job_id).update(
            outcome_counts={outcome: count for outcome, count in progress.counts.items() if count}
        )
        job.refresh_from_db()
        audit_entry_create(
            actor=job.created_by,
            action=action_name(job.kind, "finish"),
            outcome=_finish_outcome(job, progress, final_state),
            campaign_id=job.campaign_id,
            target=f"job {job.pk}",
            request={"job": job.pk, "items": job.item_count, "options": job.options},
            response={"state": final_state, "outcomes": progress.counts},
            duration_ms=int(
                (job.finished_at - (job.started_at or job.confirmed_at or job.created_at))
                / timedelta(milliseconds=1)
            ),
            subject_kind=AUDIT_SUBJECT,
            subject_id=job.pk,
        )
    return True


def _finish_outcome(job: BulkJob, progress: Progress, final_state: str) -> AuditEntry.Outcome:
    """The job's audit outcome in the words a supervisor would use: "nothing changed" when no
    item succeeded and none failed (every number unknown, say), "failure" when none succeeded
    and some failed, "partly done" when some failed, were uncertain, were left in a call or
    cancelled, "success" only when every item sent did what was asked."""
    kind = kind_for(job.kind)
    succeeded = sum(
        count
        for outcome, count in progress.counts.items()
        if kind.outcome_tone(outcome) == "success"
    )
    if not succeeded:
        if progress.counts.get(Outcome.UNCERTAIN):
            return AuditEntry.Outcome.PARTIAL  # some may have been applied
        if progress.counts.get(Outcome.ERROR):
            return AuditEntry.Outcome.FAILURE
        return AuditEntry.Outcome.NOTHING_CHANGED
    not_done = (Outcome.ERROR, Outcome.UNCERTAIN, Outcome.CANCELLED, *kind.retryable_outcomes)
    if final_state != BulkJob.State.FINISHED or any(progress.counts.get(o) for o in not_done):
        return AuditEntry.Outcome.PARTIAL
    return AuditEntry.Outcome.SUCCESS

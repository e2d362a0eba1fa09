"""The bulk job engine's state: jobs, their chunks (one API request each) and their items.

Everything a job will do is written here before the first request goes out, and every state
change is a conditional UPDATE, so any number of runners (threads, worker processes, a worker
restarted after a crash) can share a job without losing an item or sending a chunk twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thuladmin.bulk.details import detail_text, thulium_said


class Outcome(models.TextChoices):
    """The outcomes the engine itself gives an item, whatever its kind. Each kind adds its own
    (removed, deleted, updated…: see `BulkKind.outcomes`). Exactly one per item, once the job
    is over."""

    PENDING = "PENDING", _("waiting")
    UNCERTAIN = "UNCERTAIN", _("uncertain")
    ERROR = "ERROR", _("error")
    CANCELLED = "CANCELLED", _("cancelled")
    INVALID = "INVALID", _("invalid, not sent")
    # Could be sent but doubtful (a phone number of another country, a digit short): not sent
    # unless the supervisor ticked it in on the preview.
    SUSPICIOUS = "SUSPICIOUS", _("suspicious, not sent")


# What the audit log's entries about a job store as their `subject_kind` (their `subject_id` is
# the job's id): the name the engine registers jobs under as a subject (see `audit_hooks`).
AUDIT_SUBJECT = "bulk.job"


class BulkJobQuerySet(models.QuerySet):
    def unfinished(self) -> BulkJobQuerySet:
        """Jobs a runner may still have work to do on."""
        return self.filter(state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING])

    def for_jobs_page(
        self,
        *,
        kinds: list[str],
        created_by=None,
        attention: Mapping[str, Sequence[str]] | None = None,
    ) -> BulkJobQuerySet:
        """The jobs index: every job of the kinds the user may run, by anyone (whoever may run
        a kind may cancel and retry its jobs: colleagues share the work), or only those of
        `created_by`. With `attention` (kind -> the outcomes that need attention), only jobs
        over with an item in one of their kind's. Newest first, with the author joined, since
        the list names who ran each job. A job still being written is not listed."""
        jobs = self.written().filter(kind__in=kinds)
        if created_by is not None:
            jobs = jobs.filter(created_by=created_by)
        if attention is not None:
            needs = Q(pk__in=[])
            for kind, outcomes in attention.items():
                if outcomes:
                    needs |= Q(kind=kind, outcome_counts__has_any_keys=list(outcomes))
            jobs = jobs.filter(needs, state__in=[BulkJob.State.FINISHED, BulkJob.State.CANCELLED])
        return jobs.with_author().order_by("-created_at", "-id")

    def needing_attention(self, *, user, attention: Mapping[str, Sequence[str]]) -> BulkJobQuerySet:
        """The jobs `user` started that wait for them, for the header's mark and the jobs
        list's "mine needing attention": `attention` maps each kind the user may run to the
        outcomes that make a job of it need attention (`BulkKind.needs_attention`: failed,
        uncertain, worth sending again). A job of theirs needs them when it is

        - a draft: its preview waits for them to confirm or discard it. Drafts do not expire
          (the engine never throws one away): one waits until it is confirmed or discarded,
          and a retry's draft counts like any other;
        - over (finished or cancelled) with an item of one of those outcomes, and not retried:
          no job has been made from it with `retry_of` (a retry draft, one scheduled with
          "Retry later", or one run). Once retried, what is left to look at is the retry's.

        Jobs being written, queued or running wait for nobody. One query on the author's
        jobs, with a NOT EXISTS on `retry_of` (indexed as a foreign key) for the jobs over;
        the counts per outcome are read from the job (`outcome_counts`), never from its items.
        """
        kinds = list(attention)
        over_with_trouble = Q(pk__in=[])
        for kind, outcomes in attention.items():
            if outcomes:
                over_with_trouble |= Q(kind=kind, outcome_counts__has_any_keys=list(outcomes))
        retried = BulkJob.objects.filter(retry_of=OuterRef("pk"))
        return self.filter(created_by=user, kind__in=kinds).filter(
            Q(state=BulkJob.State.DRAFT)
            | (
                over_with_trouble
                & Q(state__in=[BulkJob.State.FINISHED, BulkJob.State.CANCELLED])
                & ~Exists(retried)
            )
        )

    def written(self) -> BulkJobQuerySet:
        """Jobs whose items are all stored: a job still being written is shown nowhere."""
        return self.exclude(state=BulkJob.State.WRITING)

    def with_author(self) -> BulkJobQuerySet:
        """Jobs with who created them: every job page names its author."""
        return self.select_related("created_by")

    def drafts(self) -> BulkJobQuerySet:
        """Jobs not started yet: asking twice for a retry of a job leads to its one draft."""
        return self.filter(state=BulkJob.State.DRAFT)

    def pending(self) -> BulkJobQuerySet:
        """Jobs that will still send (a draft once confirmed, a queued or running job), oldest
        first: a job's retries are one at a time, whichever way they were asked for."""
        states = [BulkJob.State.DRAFT, BulkJob.State.QUEUED, BulkJob.State.RUNNING]
        return self.filter(state__in=states).order_by("created_at", "id")


class BulkJob(models.Model):
    class State(models.TextChoices):
        # A context of their own: "cancelled" and "finished" name items and fields too, and
        # some languages say them differently of a job.
        # Its items are being stored (bulk_job_draft_create): no page lists or opens it yet.
        WRITING = "writing", pgettext_lazy("job state", "being prepared")
        DRAFT = "draft", pgettext_lazy("job state", "preview")
        QUEUED = "queued", pgettext_lazy("job state", "queued")
        RUNNING = "running", pgettext_lazy("job state", "running")
        FINISHED = "finished", pgettext_lazy("job state", "finished")
        CANCELLED = "cancelled", pgettext_lazy("job state", "cancelled")

    kind = models.CharField(_("kind"), max_length=32)
    campaign_id = models.CharField(_("campaign"), max_length=5, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # A job confirmed to run later (a retry of the numbers in a call, in N minutes): no runner
    # starts it before then, and the watchdog leaves it alone until then.
    run_after = models.DateTimeField(_("runs after"), null=True, blank=True)
    resume_enqueued_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    # Counted once, when the pasted text is parsed.
    item_count = models.PositiveIntegerField(_("items to send"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates merged"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid"), default=0)
    # Held back from `item_count` until ticked in on the preview (see Outcome.SUSPICIOUS).
    suspicious_count = models.PositiveIntegerField(_("suspicious"), default=0)
    # Outcome -> number of items (none zero), summed from the chunks' tallies when the job is
    # over, so the jobs list shows and filters by them without reading any chunk or item.
    outcome_counts = models.JSONField(default=dict, blank=True)

    objects = BulkJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state"], name="bulk_job_state")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def is_over(self) -> bool:
        return self.state in (self.State.FINISHED, self.State.CANCELLED)


class BulkChunk(models.Model):
    """One API request's worth of items.

    SENDING chunks belong to a runner; if that runner stops beating, another takes the chunk over.
    If the dead runner's request had started (`request_started_at`), the chunk is sent again with
    `uncertain` set, because that attempt may have been applied; a chunk it had only claimed
    goes out as certain as before.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        DONE = "done"
        CANCELLED = "cancelled"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    item_count = models.PositiveIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0)
    uncertain = models.BooleanField(default=False)
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When this claim's request started (null while it waits for a request slot), written before
    # anything is sent: only a started request may have reached Thulium.
    request_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Outcome -> number of items, written with the items, so progress never scans items.
    outcome_counts = models.JSONField(default=dict, blank=True)
    # Item value -> ids of the records Thulium removed for it. Kept here rather than on each item
    # so that recording a chunk's outcomes is a few grouped UPDATEs, not one per item.
    record_ids = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="bulk_chunk_unique_number")
        ]
        indexes = [models.Index(fields=["job", "state"], name="bulk_chunk_job_state")]

    def __str__(self) -> str:
        return f"chunk {self.number} of job {self.job_id} ({self.state})"


class BulkItemQuerySet(models.QuerySet):
    def with_outcome(self, outcome: str | None) -> BulkItemQuerySet:
        """Items of one outcome, or all of them; the results page filters by this."""
        return self.filter(outcome=outcome) if outcome else self

    def with_outcomes(self, outcomes: Iterable[str]) -> BulkItemQuerySet:
        """Items that ended one of `outcomes`: what a retry sends again."""
        return self.filter(outcome__in=list(outcomes))

    def to_send(self) -> BulkItemQuerySet:
        """The items a job sends (every valid, unique one), in pasted order: the preview's list
        of what will go to Thulium. Invalid items have no chunk."""
        return self.filter(chunk__isnull=False).order_by("position")

    def suspicious(self) -> BulkItemQuerySet:
        """Items held back as doubtful, in pasted order, for the preview's list to tick in."""
        return self.filter(outcome=Outcome.SUSPICIOUS).order_by("position")

    def invalid(self) -> BulkItemQuerySet:
        """Tokens refused when the text was parsed, in pasted order, for the preview's list of
        what will not be sent and why."""
        return self.filter(outcome=Outcome.INVALID).order_by("position")

    def not_found_in_preview(self) -> BulkItemQuerySet:
        """Items the preview looked up and Thulium did not know (e.g. customer ids that do not
        exist): the preview flags how many, before anything is deleted."""
        return self.filter(preview__found=False)

    def matching(self, values: Iterable[str]) -> BulkItemQuerySet:
        """The items sent as one of `values` (a searched phone number or id in the forms it may
        have been stored in), in order. A lookup on the `bulk_item_value` index (which leaves
        out empty values, as this says), whatever the job's size."""
        return self.filter(value__in=list(values)).exclude(value="").order_by("position")

    def with_record_ids(self) -> BulkItemQuerySet:
        """Items in pasted order, ready for `record_ids`, for the results page and the export.

        `record_ids` reads the item's chunk. The chunks are fetched once per batch of items
        (a prefetch: one query for the few chunks a page touches) rather than joined to every
        row, because a chunk's record ids would then be read and decoded once per item: a
        hundred times on a page, a hundred thousand times in an export.
        """
        return self.order_by("position").prefetch_related(
            models.Prefetch("chunk", queryset=BulkChunk.objects.only("pk", "record_ids"))
        )


class BulkItem(models.Model):
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    chunk = models.ForeignKey(
        BulkChunk, null=True, blank=True, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField()
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    raw = models.CharField(_("as pasted"), max_length=200)
    value = models.CharField(_("as sent"), max_length=64, blank=True)
    # One of the engine's `Outcome`s or of the job's kind's (`BulkKind.outcomes`).
    outcome = models.CharField(_("outcome"), max_length=20, default=Outcome.PENDING)
    # Why it ended so, as a code and its parameters (`thuladmin.bulk.details`), worded when read
    # in the reader's language; Thulium's own message beside it, verbatim, labelled as its own.
    detail_code = models.CharField(_("detail code"), max_length=64, blank=True)
    detail_params = models.JSONField(default=dict, blank=True)
    thulium_message = models.TextField(_("Thulium's message"), blank=True)
    # A sentence already worded: the reason a pasted token was refused or held back (in the
    # language it was pasted in), and every detail of an item written before detail codes
    # existed (in the language its job was confirmed in). Shown as it is when there is no code.
    detail = models.TextField(_("detail"), blank=True)
    removed_count = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the preview knows about the item: looked up in Thulium for kinds that do (a
    # customer's name), or given when the draft was made (`ParsedItem.preview`: a record's
    # values from the campaign copy, which a kind that changes or adds records back sends from).
    preview = models.JSONField(default=dict, blank=True)

    objects = BulkItemQuerySet.as_manager()

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="bulk_item_unique_position")
        ]
        indexes = [
            models.Index(fields=["job", "outcome", "position"], name="bulk_item_job_outcome"),
            models.Index(fields=["chunk"], name="bulk_item_chunk"),
            models.Index(fields=["value"], name="bulk_item_value", condition=~Q(value="")),
        ]

    def __str__(self) -> str:
        return f"{self.raw} → {self.outcome}"

    @property
    def detail_text(self) -> str:
        """Why the item ended so, in the active language (the reader's), at render time."""
        return detail_text(self.detail_code, self.detail_params, legacy=self.detail)

    @property
    def thulium_said(self) -> str:
        """Thulium's own message, labelled as Thulium's ("" when it sent none)."""
        return thulium_said(self.thulium_message)

    @property
    def record_ids(self) -> list[str]:
        """Ids of the records removed for this item (reads its chunk: select it with the item)."""
        if self.chunk_id is None:
            return []
        return self.chunk.record_ids.get(self.value, [])


class BulkRunner(models.Model):
    """A thread pool working on a job, alive while its heartbeat is fresh."""

    id = models.CharField(primary_key=True, max_length=64)
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="runners")
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["job", "heartbeat_at"], name="bulk_runner_job_beat")]

    def __str__(self) -> str:
        return self.id

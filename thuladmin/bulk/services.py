"""Creating, previewing, starting, cancelling and retrying bulk jobs; each change of state is
audited."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone, translation

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create
from thuladmin.bulk.cancellation import job_cancel_flag_raise
from thuladmin.bulk.completion import bulk_job_finish_if_complete
from thuladmin.bulk.details import CANCELLED_BEFORE_RESENT
from thuladmin.bulk.kinds import action_name, kind_for
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkItem, BulkJob, Outcome
from thuladmin.bulk.parsing import ParsedItem, ParseResult
from thuladmin.bulk.tasks import bulk_job_run
from thuladmin.coded import code_and_params
from thuladmin.thulium import errors, get_client

INSERT_BATCH_SIZE = 2000
# Items written per transaction while a draft is created: about 0.1 s of SQLite's write lock.
ITEM_WRITE_BATCH = 5000
# A job still WRITING after this long was left by a writer that died (see bulk_job_draft_create).
ABANDONED_WRITING_SECONDS = 15 * 60
# Lookups in flight at once while a preview page looks its items up in Thulium.
PREVIEW_LOOKUPS_AT_ONCE = 8
# Failures after which the other lookups of the page would fail the same way (or wait as long).
PREVIEW_GIVE_UP_ERRORS = (errors.Unavailable, errors.RateLimited, errors.AuthenticationFailed)


@dataclass(frozen=True, slots=True)
class PreviewLookups:
    """How looking up one preview page went: the items that could not be looked up this time
    (not stored, so the next view tries again) and the first error that said why."""

    failed: frozenset[int] = frozenset()
    error: errors.ThuliumError | None = None


def bulk_items_preview_fill(*, job: BulkJob, items: Sequence[BulkItem]) -> PreviewLookups:
    """Look up in Thulium the items of one preview page not looked up before; store the answers.

    Only kinds that look their items up do anything here (customers: the supervisor sees who is
    about to be deleted). Only the page on screen is looked up, a few items at a time, so a
    preview of 100,000 ids costs one page's worth of requests. What was learnt, "not found"
    included, is stored in `BulkItem.preview` and never fetched again. Failures that may pass
    (Thulium unavailable, rate limited) are not stored, and after one of them the rest of the
    page is skipped rather than each lookup waiting out its own timeout.
    """
    kind = kind_for(job.kind)
    if not kind.looks_up_items:
        return PreviewLookups()
    pending = [item for item in items if not item.preview and item.value]
    if not pending:
        return PreviewLookups()
    client = get_client()
    give_up = threading.Event()

    def look_up(item: BulkItem) -> dict | errors.ThuliumError | None:
        if give_up.is_set():
            return None
        try:
            return kind.preview_item(client, item.value)
        except errors.NotFound:
            return {"found": False}
        except PREVIEW_GIVE_UP_ERRORS as error:
            give_up.set()
            return error
        except errors.ThuliumError as error:
            return error

    workers = min(PREVIEW_LOOKUPS_AT_ONCE, len(pending))
    with ThreadPoolExecutor(workers, thread_name_prefix="bulk-preview") as pool:
        answers = list(pool.map(look_up, pending))
    learnt: list[BulkItem] = []
    failed: set[int] = set()
    first_error: errors.ThuliumError | None = None
    for item, answer in zip(pending, answers, strict=True):
        if isinstance(answer, dict):
            item.preview = answer
            learnt.append(item)
        else:
            failed.add(item.pk)
            if first_error is None and answer is not None:
                first_error = answer
    if learnt:
        BulkItem.objects.bulk_update(learnt, ["preview"])
    return PreviewLookups(failed=frozenset(failed), error=first_error)


def bulk_job_draft_create(
    *,
    user,
    kind_name: str,
    parsed: ParseResult,
    campaign_id: str = "",
    options: Mapping[str, Any] | None = None,
    retry_of: BulkJob | None = None,
) -> BulkJob:
    """Store a job and every item before anything is sent, so no item can be lost later.

    The job starts as a draft: the preview page shows it, and nothing reaches Thulium until the
    supervisor confirms (`bulk_job_start`). Invalid tokens are stored too, with the outcome
    INVALID, so every pasted item has its one recorded outcome.

    A job of 100,000 items is written in several short transactions, not one: on SQLite a
    transaction holds the database's only write lock, and one that lasts seconds makes every
    other writer (logins, workers) wait or fail. The job is created WRITING, which no page lists
    or opens and no worker runs, and becomes a DRAFT only once its last item is stored; if
    writing fails it is deleted, and one left behind by a crash is deleted by the workers'
    watchdog (`bulk_jobs_abandoned_delete`).
    """
    kind = kind_for(kind_name)
    job = BulkJob(
        kind=kind_name,
        campaign_id=campaign_id,
        options=dict(options or {}),
        state=BulkJob.State.WRITING,
        created_by=user,
        item_count=len(parsed.items),
        duplicate_count=parsed.duplicate_count,
        invalid_count=len(parsed.invalid),
        suspicious_count=len(parsed.suspicious),
        retry_of=retry_of,
    )
    # Planned before the first transaction: no write lock is held while this is worked out.
    sizes = [
        len(values)
        for values in kind.chunks(get_client(), job, (item.value for item in parsed.items))
    ]
    with transaction.atomic():
        job.save()
        BulkChunk.objects.bulk_create(
            [
                BulkChunk(job=job, number=number, item_count=size)
                for number, size in enumerate(sizes)
            ],
            batch_size=INSERT_BATCH_SIZE,
        )
    try:
        chunk_ids = dict(BulkChunk.objects.filter(job=job).values_list("number", "pk"))
        _bulk_items_insert(job=job, rows=_item_rows(job, parsed, sizes, chunk_ids))
        BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.WRITING).update(
            state=BulkJob.State.DRAFT
        )
    except BaseException:
        with contextlib.suppress(Exception):  # the watchdog deletes it if this fails too
            BulkJob.objects.filter(pk=job.pk).delete()
        raise
    job.state = BulkJob.State.DRAFT
    return job


def _item_rows(
    job: BulkJob, parsed: ParseResult, sizes: Sequence[int], chunk_ids: Mapping[int, int]
) -> Iterator[tuple]:
    """Rows for ITEM_COLUMNS: the items to send in pasted order, chunk by chunk, then the
    suspicious ones (held back, no chunk), then the refused tokens."""
    params_field = BulkItem._meta.get_field("detail_params")
    preview_field = BulkItem._meta.get_field("preview")
    no_preview = preview_field.get_db_prep_save({}, connection)

    def params(reason: str) -> tuple[str, Any]:
        # A reason with a code is worded again in each reader's language (details.py).
        code, values = code_and_params(reason)
        return code, params_field.get_db_prep_save(values, connection)

    no_params = params("")
    position = 0
    for number, size in enumerate(sizes):
        chunk_id = chunk_ids[number]
        for item in parsed.items[position : position + size]:
            yield (
                job.pk,
                chunk_id,
                position,
                item.line,
                item.raw,
                item.value,
                Outcome.PENDING,
                "",
                *no_params,
                preview_field.get_db_prep_save(dict(item.preview), connection),
            )
            position += 1
    for doubtful in parsed.suspicious:
        yield (
            job.pk,
            None,
            position,
            doubtful.line,
            doubtful.raw,
            doubtful.value,
            Outcome.SUSPICIOUS,
            doubtful.reason,
            *params(doubtful.reason),
            no_preview,
        )
        position += 1
    for rejected in parsed.invalid:
        yield (
            job.pk,
            None,
            position,
            rejected.line,
            rejected.raw,
            "",
            Outcome.INVALID,
            rejected.reason,
            *params(rejected.reason),
            no_preview,
        )
        position += 1


# The columns `_bulk_items_insert` writes; the others keep their defaults.
ITEM_COLUMNS = (
    "job",
    "chunk",
    "position",
    "line",
    "raw",
    "value",
    "outcome",
    "detail",
    "detail_code",
    "detail_params",
    "preview",
)
DEFAULTED_COLUMNS = ("thulium_message",)


def _bulk_items_insert(*, job: BulkJob, rows: Iterable[tuple]) -> None:
    """Insert items ITEM_WRITE_BATCH at a time, each batch in a transaction of its own.

    Plain `executemany` INSERTs rather than `bulk_create`: building and preparing 100,000 model
    instances cost several seconds of CPU, which made the preview of a large list slow. The rows
    are plain tuples in ITEM_COLUMNS' order; the columns of DEFAULTED_COLUMNS get their
    defaults here (the database has none: Django keeps defaults in Python).
    """
    fields = [BulkItem._meta.get_field(name) for name in ITEM_COLUMNS]
    defaulted = [BulkItem._meta.get_field(name) for name in DEFAULTED_COLUMNS]
    quote = connection.ops.quote_name
    columns = [field.column for field in fields] + [field.column for field in defaulted]
    # Only the model's own table and column names, quoted, go into the statement; values are
    # parameters.
    table = quote(BulkItem._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in defaulted)
    batch: list[tuple] = []

    def write() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)

    for row in rows:
        batch.append((*row, *defaults))
        if len(batch) >= ITEM_WRITE_BATCH:
            write()
            batch = []
    if batch:
        write()


def bulk_jobs_abandoned_delete() -> int:
    """Delete jobs left WRITING for longer than any draft takes to write: their writer died.

    Called by every `db_worker`'s watchdog. Returns how many were deleted.
    """
    deleted, _ = BulkJob.objects.filter(
        state=BulkJob.State.WRITING,
        created_at__lt=timezone.now() - timedelta(seconds=ABANDONED_WRITING_SECONDS),
    ).delete()
    return deleted


def bulk_job_start(
    *,
    job: BulkJob,
    user,
    include_suspicious: Sequence[int] = (),
    run_after: datetime | None = None,
) -> bool:
    """Confirm a draft and queue it, to run now or after `run_after`, with the suspicious items
    the supervisor ticked in (`include_suspicious`, their ids); the others stay "suspicious, not
    sent". Returns False if it was already started (a double submit)."""
    with transaction.atomic():
        started = BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.DRAFT).update(
            state=BulkJob.State.QUEUED, confirmed_at=timezone.now(), run_after=run_after
        )
        if not started:
            return False
        included = _suspicious_items_include(job=job, item_ids=include_suspicious)
        kind = kind_for(job.kind)
        audit_entry_create(
            actor=user,
            action=action_name(job.kind, "start"),
            outcome=AuditEntry.Outcome.SUCCESS,
            campaign_id=job.campaign_id,
            target=f"job {job.pk}",
            request={
                "job": job.pk,
                "items": job.item_count,
                "duplicates_merged": job.duplicate_count,
                "invalid": job.invalid_count,
                "suspicious_included": included,
                "suspicious_not_sent": job.suspicious_count,
                "options": job.options,
                **({"run_after": run_after.isoformat()} if run_after else {}),
            },
            before=kind.audit_before(job),
            subject_kind=AUDIT_SUBJECT,
            subject_id=job.pk,
        )
        # Thulium is asked for its messages in the language the job was confirmed in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        task = bulk_job_run.using(run_after=run_after) if run_after else bulk_job_run
        transaction.on_commit(lambda: task.enqueue(job_id=job.pk, language=language))
    job.refresh_from_db()
    return True


def _suspicious_items_include(*, job: BulkJob, item_ids: Sequence[int]) -> int:
    """Send the ticked suspicious items too: new chunks after the job's last one. Updates `job`'s
    counts (in the database and on the instance) and returns how many were included."""
    items = list(job.items.suspicious().filter(pk__in=list(item_ids)))
    if not items:
        return 0
    kind = kind_for(job.kind)
    last = BulkChunk.objects.filter(job=job).aggregate(last=Max("number"))["last"]
    by_value = {item.value: item for item in items}
    number = -1 if last is None else last
    for values in kind.chunks(get_client(), job, [item.value for item in items]):
        number += 1
        chunk = BulkChunk.objects.create(job=job, number=number, item_count=len(values))
        BulkItem.objects.filter(pk__in=[by_value[value].pk for value in values]).update(
            chunk=chunk, outcome=Outcome.PENDING, detail="", detail_code="", detail_params={}
        )
    BulkJob.objects.filter(pk=job.pk).update(
        item_count=F("item_count") + len(items), suspicious_count=F("suspicious_count") - len(items)
    )
    job.item_count += len(items)
    job.suspicious_count -= len(items)
    return len(items)


def bulk_job_discard(*, job: BulkJob) -> bool:
    """Throw away a draft the supervisor decided not to run (nothing was sent)."""
    deleted, _ = BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.DRAFT).delete()
    return bool(deleted)


@dataclass(frozen=True, slots=True)
class CancelReport:
    """What a cancel did: the items it cancelled, and the requests already on their way to
    Thulium, which finish (their items keep the outcome Thulium gives them)."""

    items_cancelled: int
    requests_in_flight: int


def bulk_job_cancel(*, job: BulkJob, user) -> CancelReport:
    """Stop a job: nothing more is sent; requests already on the wire finish.

    The chunks waiting are cancelled here, with their items, so a cancel works with no worker
    running. Runners hold chunks too (claimed, waiting for a request slot): they see the cancel
    before their next request starts (`thuladmin.bulk.cancellation`) and close those chunks as
    cancelled themselves.
    """
    now = timezone.now()
    with transaction.atomic():
        BulkJob.objects.filter(pk=job.pk, cancel_requested_at__isnull=True).update(
            cancel_requested_at=now
        )
        transaction.on_commit(lambda: job_cancel_flag_raise(job_id=job.pk))
        in_flight = _requests_in_flight(job)
        waiting = BulkChunk.objects.filter(job=job, state=BulkChunk.State.PENDING)
        cancelled = 0
        for chunk_id, uncertain in waiting.values_list("pk", "uncertain"):
            # Conditional: a runner may claim the chunk between the read and this update.
            if BulkChunk.objects.filter(pk=chunk_id, state=BulkChunk.State.PENDING).update(
                state=BulkChunk.State.CANCELLED, finished_at=now
            ):
                # Waiting to be sent again after an attempt that may have been applied: nobody
                # can say whether Thulium acted on these items.
                outcome, detail_code = (
                    (Outcome.UNCERTAIN, CANCELLED_BEFORE_RESENT)
                    if uncertain
                    else (Outcome.CANCELLED, "")
                )
                count = BulkItem.objects.filter(chunk_id=chunk_id, outcome=Outcome.PENDING).update(
                    outcome=outcome,
                    detail_code=detail_code,
                    detail_params={},
                    thulium_message="",
                    finished_at=now,
                )
                BulkChunk.objects.filter(pk=chunk_id).update(outcome_counts={outcome: count})
                if not uncertain:
                    cancelled += count
        audit_entry_create(
            actor=user,
            action=action_name(job.kind, "cancel"),
            outcome=AuditEntry.Outcome.SUCCESS,
            campaign_id=job.campaign_id,
            target=f"job {job.pk}",
            request={"job": job.pk},
            response={"items_cancelled": cancelled, "requests_in_flight": in_flight},
            subject_kind=AUDIT_SUBJECT,
            subject_id=job.pk,
        )
    bulk_job_finish_if_complete(job_id=job.pk)
    return CancelReport(items_cancelled=cancelled, requests_in_flight=in_flight)


def _requests_in_flight(job: BulkJob) -> int:
    """The job's requests on their way to Thulium: chunks whose request has started. A chunk
    claimed but still waiting for a request slot has not, and ends cancelled instead."""
    return BulkChunk.objects.filter(
        job=job, state=BulkChunk.State.SENDING, request_started_at__isnull=False
    ).count()


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A retry's follow-up job, and whether this request created it (False: it was already
    there, and a repeated or double-clicked form is answered with it)."""

    job: BulkJob
    created: bool


def _bulk_job_lock(*, job: BulkJob) -> None:
    """Lock the job's row until the transaction ends, so that requests creating its follow-ups
    take turns: the second one finds what the first created instead of creating another.

    On PostgreSQL this is the row lock of SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE, but
    every transaction there begins IMMEDIATE (settings.DATABASES), taking the database's one
    write lock at its start, which serialises these transactions just the same.
    """
    list(BulkJob.objects.select_for_update().filter(pk=job.pk).values_list("pk", flat=True))


def bulk_job_retry_create(
    *, job: BulkJob, user, outcomes: Sequence[str] | None = None
) -> BulkJob | None:
    """A draft follow-up job with the items whose outcome the kind says is worth sending again
    (failed, uncertain, in a call…), or only those of `outcomes`; None if there are none.

    Creates one every time it is called: `bulk_job_retry` and `bulk_job_retry_later` are what
    the pages call, and they answer a repeated request with the follow-up already there."""
    if outcomes is None:
        outcomes = kind_for(job.kind).retryable_outcomes
    # With what the draft knew of each item (`BulkItem.preview`): a kind that sends from it
    # (a record's values to put back) sends the same again.
    items = [
        ParsedItem(value=value, raw=raw, line=line or 0, preview=preview or {})
        for value, raw, line, preview in job.items.with_outcomes(outcomes)
        .order_by("position")
        .values_list("value", "raw", "line", "preview")
    ]
    if not items:
        return None
    return bulk_job_draft_create(
        user=user,
        kind_name=job.kind,
        parsed=ParseResult(items=items),
        campaign_id=job.campaign_id,
        options=job.options,
        retry_of=job,
    )


def bulk_job_retry(*, job: BulkJob, user) -> FollowUp | None:
    """The draft follow-up of the job's items worth sending again, to preview and confirm: the
    one already waiting if there is one, else a new one; None if no item is worth it.

    Asking twice (a double click, the back button, two tabs) must not make two drafts of the
    same items: confirming both would send each item twice. Nor may a draft sit beside a retry
    already scheduled with "Retry later" (both would send the numbers in a call): one pending
    follow-up per job, whichever button made it, and asking again answers with it. The check
    and the creation happen in one transaction with the job locked (`_bulk_job_lock`): a
    request arriving meanwhile waits, then finds the draft the first one made. The follow-up's
    items are written in that one transaction too, which holds SQLite's write lock while they
    are (a retry's items are the ones that failed: usually few, about 0.1 s per 5,000 at
    worst).
    """
    with transaction.atomic():
        _bulk_job_lock(job=job)
        existing = job.retries.pending().first()
        if existing is not None:
            return FollowUp(job=existing, created=False)
        follow_up = bulk_job_retry_create(job=job, user=user)
    return FollowUp(job=follow_up, created=True) if follow_up is not None else None


def bulk_job_retry_later(*, job: BulkJob, user, minutes: int) -> FollowUp | None:
    """A follow-up job of the items worth retrying later (numbers in a call: the kind's
    `retry_later_outcomes`), confirmed now and run in `minutes`; None if there are none.

    The supervisor asked for exactly these items at a chosen time, so there is no preview to
    confirm: the follow-up is started at once (audited like any start, with when it will run)
    and its task waits in the queue. Until then its page says when it runs, and cancelling it
    stops it before anything is sent.

    One pending follow-up per job: while one is a draft, queued or running (and so will send
    these items again), asking again answers with it and creates nothing, so a repeated or
    double-clicked form, or a retry draft left unconfirmed, never sends a number twice. The
    check and the creation happen in one transaction with the job locked (`_bulk_job_lock`),
    so two requests at once cannot both find nothing and both create one.
    """
    outcomes = kind_for(job.kind).retry_later_outcomes
    if not outcomes:
        return None
    with transaction.atomic():
        _bulk_job_lock(job=job)
        existing = job.retries.pending().first()
        if existing is not None:
            return FollowUp(job=existing, created=False)
        follow_up = bulk_job_retry_create(job=job, user=user, outcomes=outcomes)
        if follow_up is None:
            return None
        bulk_job_start(
            job=follow_up, user=user, run_after=timezone.now() + timedelta(minutes=minutes)
        )
    return FollowUp(job=follow_up, created=True)

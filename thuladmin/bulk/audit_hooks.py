"""What the audit log learns from the bulk engine (see `thuladmin.audit.registry`): each kind's
actions, how a searched item is normalised and which jobs held it, jobs as the subject of
entries (what an entry's page says of its job in words, with a link to the job's page; what
its entries' target is called), and, for a searched item, links to its own row in each job
with how it ended."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from thuladmin.audit import registry
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.completion import bulk_job_duration_in_words
from thuladmin.bulk.kinds import JOB_EVENTS, BulkKind, action_name, kind_for, registered_kinds
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkItem, BulkJob
from thuladmin.bulk.permissions import may_read_job

# A searched value found in the items of more bulk jobs than this is looked up with a subquery
# instead of a list of job ids (see `jobs_with_items`).
MAX_SEARCH_JOB_IDS = 1000


def search_values(text: str) -> list[str]:
    values: list[str] = []
    for kind in registered_kinds():
        for value in kind.search_values(text):
            if value not in values:
                values.append(value)
    return values


def jobs_with_items(values: Sequence[str]) -> Q | None:
    """Entries about a bulk job that had one of `values` among its items.

    The jobs are looked up first, in a query of their own on the `bulk_item_value` index, and
    their ids handed over as a list: `target IN (...) OR (subject_kind = 'bulk.job' AND
    subject_id IN (ids))` is then two index lookups (`audit_target`, `audit_subject`) on both
    SQLite and PostgreSQL, whereas PostgreSQL cannot use an index for `subject_id IN (SELECT
    ...)` under an OR and would scan the whole log. Only a value found in more than
    MAX_SEARCH_JOB_IDS jobs falls back to that subquery.
    """
    # The partial index on item values leaves out empty values; saying so lets SQLite use it.
    items = BulkItem.objects.filter(value__in=values).exclude(value="")
    job_ids = list(
        items.order_by().values_list("job_id", flat=True).distinct()[: MAX_SEARCH_JOB_IDS + 1]
    )
    if len(job_ids) > MAX_SEARCH_JOB_IDS:
        return Q(subject_kind=AUDIT_SUBJECT, subject_id__in=Subquery(items.values("job_id")))
    if job_ids:
        return Q(subject_kind=AUDIT_SUBJECT, subject_id__in=job_ids)
    return None


def job_summary() -> Subquery:
    """What an entry's page shows of its job (kind, state, size, outcomes, when it ran), read in
    the entry's own query (`AuditEntryQuerySet.with_subject_summary`)."""
    return Subquery(
        BulkJob.objects.filter(pk=OuterRef("subject_id"))
        .order_by()
        .values(
            summary=JSONObject(
                kind="kind",
                state="state",
                item_count="item_count",
                invalid_count="invalid_count",
                suspicious_count="suspicious_count",
                outcome_counts="outcome_counts",
                confirmed_at="confirmed_at",
                started_at="started_at",
                finished_at="finished_at",
            )
        )[:1]
    )


def _summary_job(summary: dict) -> BulkJob:
    """The job as its summary read it: the fields the entry's page says in words. Times come
    as text (SQLite: UTC without an offset); the counts per outcome as JSON, or as the text of
    it where the database nests a JSON column as a string."""
    counts = summary.get("outcome_counts") or {}
    if isinstance(counts, str):
        counts = json.loads(counts)
    return BulkJob(
        kind=summary["kind"],
        state=summary["state"],
        item_count=summary["item_count"],
        invalid_count=summary.get("invalid_count") or 0,
        suspicious_count=summary.get("suspicious_count") or 0,
        outcome_counts=counts,
        confirmed_at=_summary_time(summary.get("confirmed_at")),
        started_at=_summary_time(summary.get("started_at")),
        finished_at=_summary_time(summary.get("finished_at")),
    )


def _summary_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def job_facts(job: BulkJob) -> tuple[tuple[str, str], ...]:
    """What happened in a job, in words in the active language, as its page says it: how many
    items it had (every one pasted but duplicates, as its page's "all" counts them: the items
    sent, the invalid and the suspicious ones held back), how they ended ("23 removed, 1 did
    not exist, 7 invalid"), once it is over, and how long it ran."""
    facts = [
        (
            gettext("Items"),
            number_format(
                job.item_count + job.invalid_count + job.suspicious_count, force_grouping=True
            ),
        )
    ]
    try:
        kind = kind_for(job.kind)
    except KeyError:  # a kind no longer installed: its outcomes have no words any more
        kind = None
    if kind is not None and job.outcome_counts:
        outcomes = kind.outcomes_in_words(job.outcome_counts, job.outcome_counts)
        facts.append((gettext("Outcomes"), outcomes))
    duration = bulk_job_duration_in_words(job)
    if duration:
        facts.append((gettext("Duration"), duration))
    return tuple(facts)


def job_subject(
    user: AbstractBaseUser | AnonymousUser, entry: AuditEntry, summary: dict | None
) -> registry.SubjectView:
    """What an entry's page says of its job: its number, linked to its page for those who may
    read it, what it does and its state, and what happened in it (`job_facts`); only its
    number once the job is gone. A job is many calls to Thulium: the entry's page says what
    happened through these facts, not through an HTTP status."""
    name = gettext("Job %(job_id)s") % {"job_id": entry.subject_id}
    heading = gettext("Bulk job")
    if summary is None:
        return registry.SubjectView(heading=heading, name=name, many_calls=True)
    job = _summary_job(summary)
    try:
        what = str(kind_for(job.kind).title)
    except KeyError:  # a kind no longer installed: its code
        what = job.kind
    state = str(dict(BulkJob.State.choices).get(job.state, job.state))
    readable = may_read_job(user, job)
    return registry.SubjectView(
        heading=heading,
        name=name,
        url=reverse("bulk:detail", kwargs={"job_id": entry.subject_id}) if readable else "",
        link_text=gettext("Job %(job_id)s: results per item") % {"job_id": entry.subject_id},
        details=f"{what}, {state}",
        facts=job_facts(job),
        many_calls=True,
    )


def item_rows(
    user: AbstractBaseUser | AnonymousUser, entries: Sequence[AuditEntry], text: str
) -> dict[int, registry.ItemLink]:
    """For a search of one item: each entry about a bulk job that holds it, linked to the item's
    row on the job's page (`/jobs/12/?q=600100200#item-345`, the job searched for it), with the
    item's outcome in words. One query for the whole page, on the `bulk_item_value` index; jobs
    the user may not read get no link."""
    job_ids = {entry.subject_id for entry in entries if entry.subject_kind == AUDIT_SUBJECT}
    values = search_values(text)
    if not job_ids or not values:
        return {}
    rows: dict[int, tuple[int, str, str, str]] = {}
    for item_id, job_id, kind_name, value, outcome in (
        BulkItem.objects.filter(job_id__in=job_ids)
        .matching(values)
        .order_by("job_id", "position")
        .values_list("pk", "job_id", "job__kind", "value", "outcome")
    ):
        rows.setdefault(job_id, (item_id, kind_name, value, outcome))
    links: dict[int, registry.ItemLink] = {}
    readable: dict[int, bool] = {}
    for entry in entries:
        if entry.subject_kind != AUDIT_SUBJECT or entry.subject_id not in rows:
            continue
        job_id = entry.subject_id
        item_id, kind_name, value, outcome = rows[job_id]
        if job_id not in readable:
            readable[job_id] = may_read_job(user, BulkJob(kind=kind_name))
        if not readable[job_id]:
            continue
        try:
            kind = kind_for(kind_name)
        except KeyError:  # a kind no longer installed
            continue
        url = reverse("bulk:detail", kwargs={"job_id": job_id})
        links[entry.pk] = registry.ItemLink(
            url=f"{url}?{urlencode({'q': value})}#item-{item_id}",
            value=value,
            outcome=kind.outcome_label(outcome),
            tone=kind.outcome_tone(outcome),
        )
    return links


def register_with_the_audit_log() -> None:
    """Called once the kinds are registered (`BulkConfig.ready`)."""
    for kind in registered_kinds():
        for event, label in JOB_EVENTS.items():
            registry.register_action(action_name(kind, event), _job_event_label(label, kind))
    registry.register_item_search(
        registry.ItemSearch(values=search_values, related=jobs_with_items)
    )
    registry.register_subject(
        AUDIT_SUBJECT,
        registry.Subject(
            label=_("bulk job"),
            # The entries' target, in words ("job 12" is stored whatever the language).
            name=_("job %(id)s"),
            describe=job_subject,
            summary=job_summary,
        ),
    )
    registry.register_item_links(item_rows)


def _job_event_label(label: Promise, kind: BulkKind) -> Promise:
    """ "Remove phone numbers: started", in whichever language is active when it is read."""
    return lazy(lambda: str(label) % {"title": kind.title}, str)()

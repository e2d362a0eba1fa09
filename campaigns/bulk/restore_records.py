"""Restoring records a removal took away: a kind of bulk job, and the views that draft one.

`POST outbounds/:id/records` adds one record back, as the campaign copy held it just before
it went (`campaigns.removals`): phone number, identifier, status (with its dictionary status),
agent and next call date, and the custom fields the dashboard knows from its own edits. One
record a request, several in flight.

Where a restore comes from: a finished removal of numbers (pasted or chosen on the records
list), whose page offers it (`PhoneNumbersKind.follow_up_actions`), or one record deleted on
its page, whose record page and audit entry offer it. The restore keeps its origin in its
options (`restores_job`, or `restores_entry` and `identifier`), and the removal's page lists
the restores made of it: `retry_of` would call it a retry, which it is not.

Thulium refuses a phone number already in the campaign. The restore's items are therefore
phone numbers, one record each: a number that had several records gets its first one back and
the others are listed as not restorable. A refusal as a duplicate is not an error but "already
back" (someone added the number again, or an earlier attempt of this job did). How Thulium says
"duplicate" is not documented: a refusal whose message says so in English or Polish, or a 409,
is taken for one (`is_duplicate_refusal`; the contract's silences beside `DUPLICATE_WORDS`).
Sending twice is not harmless (a second attempt is refused as a duplicate of the first), so
this kind is not `resend_is_safe`: after an attempt that got no answer, a duplicate says
"already back, most likely by that attempt", and any other failure is uncertain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.bulk.phone_lists import phone_search_values
from campaigns.removals import (
    identifiers_live,
    record_delete_entry,
    records_complete,
    removed_row_of_identifier,
    removed_rows,
)
from campaigns.services import RECORD_DELETE_ACTION, record_field_names_used
from campaigns.snapshots import RestoredRecord, snapshot_records_restored
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.registry import EntryAction
from thuladmin.bulk.details import Detail
from thuladmin.bulk.kinds import (
    Confirmation,
    ItemResult,
    OneByOneKind,
    above_typed_confirmation_threshold,
    counted,
    register,
    type_the_campaign_id,
)
from thuladmin.bulk.models import BulkItem, BulkJob, Outcome
from thuladmin.bulk.parsing import ParsedItem, ParseResult, RejectedItem
from thuladmin.bulk.permissions import may_change_job
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.coded import CodedText
from thuladmin.thulium import errors
from thuladmin.thulium.client import ThuliumClient

KIND_NAME = "restore_records"
# The removal kind's name and outcomes (campaigns.bulk.remove_numbers imports this module).
REMOVAL_KIND = "phone_numbers"
REMOVAL_OUTCOMES_WITH_RECORDS = ("REMOVED", "CALL_IN_PROGRESS")


class RestoreOutcome(models.TextChoices):
    """What adding one record back can end with, besides the engine's outcomes."""

    RESTORED = "RESTORED", gettext_lazy("restored")
    ALREADY_BACK = "ALREADY_BACK", gettext_lazy("already back")


# Why a removed record is not sent (a refused "token" of the draft), worded in each reader's
# language on the job page: detail codes too, registered with the others below.
ANOTHER_OF_NUMBER = "restore_records.another_of_number"
NOT_IN_COPY = "restore_records.not_in_copy"
ANOTHER_OF_NUMBER_REASON = gettext_lazy(
    "Not restorable: another record of %(phone_number)s is restored, and Thulium takes a "
    "number only once."
)
# Said of each such record; why, and what it means, is said once above the list.
NOT_IN_COPY_REASON = gettext_lazy("Not restorable: not in the campaign copy.")

# The kind's detail codes (see thuladmin.bulk.details), registered with the kind.
RESTORED_AS = "restore_records.restored_as"
RESTORED_NO_ID = "restore_records.restored_no_id"
ALREADY_BACK = "restore_records.already_back"
ALREADY_BACK_EARLIER = "restore_records.already_back_earlier"
# A supervisor knows a record by its identifier and number, shown beside the detail: the id
# Thulium gave the record back (`record_id`, kept in the parameters) appears only in the
# identifier's title. Items written before said "Added back as record 306".
RESTORED = gettext_lazy("Added back as it was before the removal.")
DETAIL_CODES = {
    ANOTHER_OF_NUMBER: ANOTHER_OF_NUMBER_REASON,
    NOT_IN_COPY: NOT_IN_COPY_REASON,
    RESTORED_AS: RESTORED,
    RESTORED_NO_ID: RESTORED,
    ALREADY_BACK: gettext_lazy(
        "Not added: the campaign already has a record with this number (Thulium refuses a "
        "number twice). It is back, added by someone else or by an earlier restore."
    ),
    ALREADY_BACK_EARLIER: gettext_lazy(
        "Not added now: the campaign already has this number, most likely added by this job's "
        "earlier attempt, which got no answer."
    ),
}

# How Thulium refuses a number already in the campaign. The contract says only that
# "duplicated phone numbers cannot be added through the API" (its POST records row; the Polish
# originals in seeds/ have no page for the POST, and speak of duplicates only for the batch
# DELETE, "zduplikowanych numerów"): no status, error code or message is documented, and
# "which HTTP status goes with which error is not documented". What is documented is the shape
# of every error body, `{"request_id", "errors": [{"message", "code"}]}`, its messages in English,
# or in Polish for `Accept-Language: pl` (the client asks in the reader's language). So:
# - a refusal (a 4xx the client raises as `Rejected`) one of whose messages (`errors[].message`,
#   or the text of a body not in that shape) says the number or identifier is already there, in
#   either language, is a duplicate;
# - a 409 Conflict is one too, whatever it says: a guess, kept as the fallback;
# - error codes are never matched: none is documented.
# The sandbox refuses a duplicate in that shape (400, "Phone number … already exists in this
# campaign." / "Numer telefonu … już istnieje w tej kampanii."), see
# `thuladmin.sandbox.views.records._record_create`.
DUPLICATE_WORDS = (
    "already exist",
    "duplicat",
    "już istnieje",
    "istnieje już",
    "duplikat",
    "zduplikow",
)


def is_duplicate_refusal(error: errors.ThuliumError) -> bool:
    """Whether Thulium refused the record because its number (or identifier) is already in
    the campaign: a refusal one of whose messages says so, or a 409 (see `DUPLICATE_WORDS`)."""
    if not isinstance(error, errors.Rejected):
        return False
    messages = [message.casefold() for message in (error.messages or (error.message,))]
    if any(word in message for message in messages for word in DUPLICATE_WORDS):
        return True
    return error.status == 409


def restore_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of `record_create` for one captured record: only what the copy held.
    The campaign status decides the dictionary status: that is sent only for a record whose
    status id is not known. The next call date goes without its seconds, as Thulium takes it."""
    body: dict[str, Any] = {"phone_number": record["phone_number"]}
    if record.get("identifier"):
        body["identifier"] = record["identifier"]
    if record.get("status_id"):
        body["status_id"] = str(record["status_id"])
    elif record.get("dictionary_status_id"):
        body["dictionary_status_id"] = record["dictionary_status_id"]
    if record.get("agent_login"):
        body["agent_login"] = record["agent_login"]
    if record.get("next_call_date"):
        body["next_call_date"] = str(record["next_call_date"])[:16]
    if record.get("record_fields"):
        body["record_fields"] = dict(record["record_fields"])
    return body


class RestoreRecordsKind(OneByOneKind):
    name = KIND_NAME
    item_label = gettext_lazy("record")
    item_label_plural = gettext_lazy("records")
    title = gettext_lazy("Restore removed records")
    value_label = gettext_lazy("Phone number")
    search_hint = gettext_lazy("A record's phone number, as it was sent.")
    template_name = "campaigns/restore_records/job.html"
    outcome_tones = {RestoreOutcome.RESTORED: "success", RestoreOutcome.ALREADY_BACK: "info"}
    outcomes = (
        RestoreOutcome.RESTORED,
        RestoreOutcome.ALREADY_BACK,
        Outcome.UNCERTAIN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.INVALID,
    )
    retryable_outcomes = (Outcome.ERROR, Outcome.UNCERTAIN)
    outcome_counts_words = {
        RestoreOutcome.RESTORED: counted("%(count)s restored", "%(count)s restored"),
        RestoreOutcome.ALREADY_BACK: counted("%(count)s already back", "%(count)s already back"),
    }
    detail_codes = DETAIL_CODES
    resend_is_safe = False
    # Each record goes as the draft captured it (its preview).
    sends_previews = True

    def may_run(self, user) -> bool:
        return roles.can_work_on_campaigns(user)

    def paste_url(self, job: BulkJob) -> str:
        origin = job.options.get("restores_job")
        if origin:
            return reverse("bulk:detail", args=[origin])
        return reverse("campaigns:records", args=[job.campaign_id])

    def confirmation(self, job: BulkJob) -> Confirmation | None:
        if not above_typed_confirmation_threshold(job):
            return None
        return type_the_campaign_id(job)

    def page_context(self, job: BulkJob) -> dict:
        """The custom fields the dashboard set in the campaign are named, so the preview can say
        plainly that the others are not restored; and the removal it restores."""
        origin = job.options.get("restores_job")
        return {
            "field_names_used": record_field_names_used(campaign_id=job.campaign_id),
            "related_jobs": [
                {
                    "text": _("restores what job %(job)s removed") % {"job": origin},
                    "url": reverse("bulk:detail", args=[origin]),
                }
            ]
            if origin
            else [],
        }

    def shows_source_lines(self, job: BulkJob) -> bool:
        return False  # its items are records a removal took away, never pasted lines

    def items_on_page(self, job: BulkJob, items: Sequence) -> None:
        """Each record's identifier (`item.record_identifier`: as captured, or the one Thulium
        answered for a record restored without one) and whether the record is in the campaign
        now (`item.record_back`), as the copy says: the results link its page only then, since
        a record not restored (an error, a cancelled item) still has a page that says
        "removed"."""
        if job.state == BulkJob.State.DRAFT:
            return
        for item in items:
            item.record_identifier = (
                (item.preview or {}).get("identifier")
                or (item.detail_params or {}).get("identifier")
                or ""
            )
        back = identifiers_live(
            campaign_id=job.campaign_id, identifiers=[item.record_identifier for item in items]
        )
        for item in items:
            item.record_back = bool(item.record_identifier) and item.record_identifier in back

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        # Nothing is pasted: a restore is drafted from a removal (see the views below).
        return ParseResult()

    def search_values(self, text: str) -> list[str]:
        return phone_search_values(text)

    def send(
        self,
        client: ThuliumClient,
        job: BulkJob,
        values: Sequence[str],
        *,
        uncertain: bool,
        previews: Mapping[str, Any] | None = None,
    ) -> dict[str, ItemResult]:
        (phone_number,) = values
        record = (previews or {}).get(phone_number) or _captured(job, phone_number)
        try:
            created = client.record_create(job.campaign_id, **restore_body(record))
        except errors.Rejected as error:
            if not is_duplicate_refusal(error):
                raise
            earlier = uncertain or error.maybe_applied
            return {
                phone_number: ItemResult(
                    outcome=RestoreOutcome.ALREADY_BACK,
                    detail=Detail(
                        ALREADY_BACK_EARLIER if earlier else ALREADY_BACK,
                        thulium_message=error.message,
                    ),
                )
            }
        # What the copy needs beyond the record sent, kept with the item: Thulium's new id
        # (shown only in a title: a supervisor knows a record by its identifier) and the
        # identifier it answered with (a record restored without one gets a new one).
        params = {
            key: value
            for key, value in (
                ("record_id", created.record_id),
                ("identifier", created.identifier),
            )
            if value
        }
        if created.record_id:
            result = ItemResult(
                outcome=RestoreOutcome.RESTORED,
                detail=Detail(RESTORED_AS, params),
                record_ids=(created.record_id,),
            )
        else:
            result = ItemResult(
                outcome=RestoreOutcome.RESTORED, detail=Detail(RESTORED_NO_ID, params)
            )
        return {phone_number: result}

    def recorded(
        self,
        job: BulkJob,
        results: Mapping[str, ItemResult],
        *,
        previews: Mapping[str, Any] | None = None,
    ) -> None:
        """The copy gets the records just added back, written with their outcomes, after the
        request (see `BulkKind.recorded`): their values as sent, as the runner read them for
        `send` (else read in one query)."""
        restored = {
            value: result
            for value, result in results.items()
            if result.outcome == RestoreOutcome.RESTORED
        }
        if not restored:
            return
        sent = previews
        if sent is None:
            sent = dict(
                BulkItem.objects.filter(job=job, value__in=list(restored)).values_list(
                    "value", "preview"
                )
            )
        records = []
        for phone_number, result in restored.items():
            record = sent.get(phone_number) or {"phone_number": phone_number}
            answered = result.detail.params.get("identifier")
            records.append(
                RestoredRecord(
                    old_record_id=str(record.get("record_id") or ""),
                    new_record_id=result.record_ids[0] if result.record_ids else None,
                    values={**record, "identifier": answered or record.get("identifier") or ""},
                )
            )
        snapshot_records_restored(campaign_id=job.campaign_id, records=records)


def _captured(job: BulkJob, phone_number: str) -> dict[str, Any]:
    """One item's record as the draft captured it, when the runner did not pass it."""
    preview = (
        BulkItem.objects.filter(job=job, value=phone_number)
        .values_list("preview", flat=True)
        .first()
    )
    return preview or {"phone_number": phone_number}


RESTORE_RECORDS = register(RestoreRecordsKind())


# --- what a restore sends ----------------------------------------------------------------------


def restore_parsed(records: Iterable[Mapping[str, Any] | str | None]) -> ParseResult:
    """The records to add back as a draft's items, in order: one a phone number (the first of
    each: Thulium takes a number once), the others listed as refused with the reason, and so is
    a removed record the copy did not hold (given as the number it was removed by, a `str`)."""
    parsed = ParseResult()
    numbers: set[str] = set()
    for line, record in enumerate(records, start=1):
        if isinstance(record, str) or record is None:
            parsed.invalid.append(
                RejectedItem(
                    raw=record or "?", line=line, reason=CodedText(NOT_IN_COPY, NOT_IN_COPY_REASON)
                )
            )
            continue
        phone_number = record.get("phone_number") or ""
        raw = record.get("identifier") or phone_number
        if phone_number in numbers:
            parsed.invalid.append(
                RejectedItem(
                    raw=raw,
                    line=line,
                    reason=CodedText(
                        ANOTHER_OF_NUMBER, ANOTHER_OF_NUMBER_REASON, {"phone_number": phone_number}
                    ),
                )
            )
            continue
        numbers.add(phone_number)
        parsed.items.append(
            ParsedItem(value=phone_number, raw=raw, line=line, preview={"found": True, **record})
        )
    return parsed


def not_in_copy_count(parsed: ParseResult) -> dict[str, int]:
    """How many removed records cannot be restored because the copy did not hold them, for the
    draft's options (`{"not_in_copy": n}`, nothing when none): the preview says so once, above
    the list, rather than on each of them."""
    count = sum(
        1 for refused in parsed.invalid if getattr(refused.reason, "code", "") == NOT_IN_COPY
    )
    return {"not_in_copy": count} if count else {}


def records_of_removal(job: BulkJob) -> list[dict[str, Any] | str]:
    """Every record a removal job took away, as the copy held it just before: the copy's own
    row where it still holds it (marked removed), else what the removal captured when it was
    drafted; a record known to neither as the number it was removed by (not restorable: its
    record id is Thulium's own, which a supervisor never sees)."""
    taken: list[tuple[str, dict[str, Any] | None, str]] = []
    items = (
        job.items.filter(outcome__in=REMOVAL_OUTCOMES_WITH_RECORDS, removed_count__gt=0)
        .with_record_ids()
        .iterator(chunk_size=2000)
    )
    for item in items:
        captured = {
            str(record.get("record_id")): record for record in item.preview.get("records", ())
        }
        record_ids = item.record_ids or (
            list(captured) if item.outcome == REMOVAL_OUTCOMES_WITH_RECORDS[0] else []
        )
        taken += [
            (str(record_id), captured.get(str(record_id)), item.value) for record_id in record_ids
        ]
    fresher = removed_rows(campaign_id=job.campaign_id, record_ids=[rid for rid, _c, _n in taken])
    records: list[dict[str, Any] | str] = []
    uncaptured: list[dict[str, Any]] = []
    for record_id, captured, number in taken:
        row = fresher.get(record_id)
        if row is None and captured is None:
            records.append(number)
            continue
        merged = {**(captured or {}), **(row or {})}
        if captured is None:
            uncaptured.append(merged)
        records.append(merged)
    records_complete(campaign_id=job.campaign_id, records=uncaptured)
    return records


def record_removed_alone(*, campaign_id: str, identifier: str) -> dict[str, Any] | None:
    """One record deleted on its page, as the copy held it (its row marked removed), or else as
    its deletion's audit entry wrote it down; None when neither knows it."""
    row = removed_row_of_identifier(campaign_id=campaign_id, identifier=identifier)
    if row is None:
        entry = record_delete_entry(campaign_id=campaign_id, identifier=identifier)
        before = entry.before if entry is not None and isinstance(entry.before, dict) else {}
        values = before.get("values") if isinstance(before.get("values"), dict) else None
        if not values or not values.get("phone_number"):
            return None
        row = {"identifier": identifier, **values}
    records_complete(campaign_id=campaign_id, records=[row])
    return row


def restores_of(*, job_id: int | None = None, identifier: str = "", campaign_id: str = ""):
    """The restore jobs made of a removal job, or of one record's deletion, newest first."""
    jobs = BulkJob.objects.written().filter(kind=KIND_NAME)
    if job_id is not None:
        return jobs.filter(options__restores_job=job_id).order_by("-created_at", "-id")
    return jobs.filter(campaign_id=campaign_id, options__identifier=identifier).order_by(
        "-created_at", "-id"
    )


def removal_may_be_restored(job: BulkJob) -> bool:
    """Whether a removal job over took any record away (and so has something to restore)."""
    counts = job.outcome_counts or {}
    return job.is_over and any(counts.get(outcome) for outcome in REMOVAL_OUTCOMES_WITH_RECORDS)


# --- the views ---------------------------------------------------------------------------------


def _pending_restore(restores) -> BulkJob | None:
    """A restore of the same removal not yet started, or still running: asking again leads to
    it rather than to a second one."""
    return restores.filter(
        state__in=[BulkJob.State.DRAFT, BulkJob.State.QUEUED, BulkJob.State.RUNNING]
    ).first()


@require_POST
@permission_required(RESTORE_RECORDS.may_run)
def restore_removal(request: HttpRequest, job_id: int) -> HttpResponse:
    """ "Restore the removed records" on a finished removal's page: a draft restore of every
    record it took away, and the browser sent to its preview."""
    removal = get_object_or_404(BulkJob.objects.written(), pk=job_id, kind=REMOVAL_KIND)
    if not may_change_job(request.user, removal):
        raise PermissionDenied
    pending = _pending_restore(restores_of(job_id=removal.pk))
    if pending is not None:
        messages.info(
            request,
            _("This removal already has a restore under way: job %(job)s.") % {"job": pending.pk},
        )
        return redirect("bulk:detail", job_id=pending.pk)
    if not removal_may_be_restored(removal):
        messages.warning(request, _("This removal took no record away: nothing to restore."))
        return redirect("bulk:detail", job_id=removal.pk)
    parsed = restore_parsed(records_of_removal(removal))
    job = bulk_job_draft_create(
        user=request.user,
        kind_name=KIND_NAME,
        parsed=parsed,
        campaign_id=removal.campaign_id,
        options={"restores_job": removal.pk, **not_in_copy_count(parsed)},
    )
    return redirect("bulk:detail", job_id=job.pk)


@require_POST
@permission_required(RESTORE_RECORDS.may_run)
def restore_record(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """ "Restore this record", on a removed record's page or its deletion's audit entry: a
    draft restore of the one record, and the browser sent to its preview."""
    pending = _pending_restore(restores_of(campaign_id=campaign_id, identifier=identifier))
    if pending is not None:
        return redirect("bulk:detail", job_id=pending.pk)
    record = record_removed_alone(campaign_id=campaign_id, identifier=identifier)
    if record is None:
        messages.error(
            request,
            _(
                "Record “%(identifier)s” cannot be restored: its values before it was removed are "
                "not known."
            )
            % {"identifier": identifier},
        )
        return redirect("campaigns:record", campaign_id=campaign_id, identifier=identifier)
    entry = record_delete_entry(campaign_id=campaign_id, identifier=identifier)
    job = bulk_job_draft_create(
        user=request.user,
        kind_name=KIND_NAME,
        parsed=restore_parsed([record]),
        campaign_id=campaign_id,
        options={"identifier": identifier, "restores_entry": entry.pk if entry else None},
    )
    return redirect("bulk:detail", job_id=job.pk)


def restore_entry_actions(user, entry: AuditEntry) -> list[EntryAction]:
    """What a record deletion's audit entry offers (registered with the audit log): restoring
    the record, to those who may, when the deletion went through."""
    if (
        entry.action != RECORD_DELETE_ACTION
        or entry.outcome != AuditEntry.Outcome.SUCCESS
        or not entry.campaign_id
        or not entry.target
        or not RESTORE_RECORDS.may_run(user)
    ):
        return []
    try:
        url = reverse("campaigns:restore_record", args=[entry.campaign_id, entry.target])
    except NoReverseMatch:  # an identifier no address can carry: nothing to offer
        return []
    return [
        EntryAction(
            label=_("Restore this record"),
            url=url,
            help_text=_(
                "A preview of the record as it was just before it was removed, to confirm."
            ),
        )
    ]

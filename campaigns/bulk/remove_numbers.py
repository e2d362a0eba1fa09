"""Removing phone numbers from one campaign: a kind of bulk job, and its paste page.

`DELETE batch/outbounds/:id/records?phone_number[]=…` removes every record with each number and
answers, per number, what happened to each of its records.

The feature is called `remove_numbers` from URL to template: this module, the paste page's URL
and view (`remove_numbers`), the records list's "remove these numbers" action
(`remove_numbers_from_records` in `campaigns.records.list`), and the templates in
`templates/campaigns/remove_numbers/`. The kind's registered code is older and stays
`phone_numbers`: it is stored in every job (`BulkJob.kind`), in its audit actions
(`bulk.phone_numbers.start`) and in its items' detail codes (`phone_numbers.in_call`), and a
new code would orphan them. The names in code that stand for the kind itself (`PHONE_NUMBERS`,
`PhoneNumbersKind`, `PhoneNumberOutcome`, `PhoneNumbersForm`) follow that code.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.bulk import restore_records
from campaigns.bulk.phone_lists import (
    PhoneListForm,
    PhoneListKind,
    number_format_description,
)
from campaigns.bulk.restore_records import removal_may_be_restored, restores_of
from campaigns.removals import copy_records_of_numbers, removed_records_on_page
from campaigns.snapshots import snapshot_numbers_removed
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.details import UNDOCUMENTED_STATUS, Detail
from thuladmin.bulk.forms import grouped, items_form_context
from thuladmin.bulk.kinds import (
    Confirmation,
    FollowUpAction,
    ItemResult,
    UrlBatchedKind,
    above_typed_confirmation_threshold,
    counted,
    register,
    type_the_campaign_id,
)
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.parsing import ParseResult
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.phones import MIN_DIGITS
from thuladmin.thulium.client import ThuliumClient, query_item
from thuladmin.thulium.types import PhoneOutcomeStatus, PhoneRecordOutcome


class PhoneNumberOutcome(models.TextChoices):
    """What removing one number from a campaign can end with, besides the engine's outcomes."""

    REMOVED = "REMOVED", gettext_lazy("removed")
    NOT_EXIST = "NOT_EXIST", gettext_lazy("did not exist")
    CALL_IN_PROGRESS = "CALL_IN_PROGRESS", gettext_lazy("in a call")


logger = logging.getLogger(__name__)

# The kind's detail codes (see thuladmin.bulk.details), registered with the kind.
IN_CALL = "phone_numbers.in_call"
IN_CALL_OTHERS_REMOVED = "phone_numbers.in_call_others_removed"
NOT_FOUND_ON_RETRY = "phone_numbers.not_found_on_retry"
_IN_CALL_SENTENCE = ngettext_lazy(
    "%(count)d record in a call, not removed.",
    "%(count)d records in a call, not removed.",
    "count",
)
DETAIL_CODES = {
    IN_CALL: _IN_CALL_SENTENCE,
    IN_CALL_OTHERS_REMOVED: (
        _IN_CALL_SENTENCE,
        ngettext_lazy(
            "%(removed)d other record removed.", "%(removed)d other records removed.", "removed"
        ),
    ),
    NOT_FOUND_ON_RETRY: gettext_lazy(
        "Not found on a retry after an attempt that got no clear answer: it may have "
        "been removed by that attempt, or may never have existed."
    ),
}
DOCUMENTED_STATUSES = frozenset(status.value for status in PhoneOutcomeStatus)


def phone_number_result(entries: Sequence[PhoneRecordOutcome], *, uncertain: bool) -> ItemResult:
    """One number's outcome from Thulium's list of per-record results.

    A duplicated number has several records: it counts as removed only if every record was.
    """
    if len(entries) == 1 and entries[0].status == PhoneOutcomeStatus.REMOVED:
        # Nearly every number of a large job: one record, removed. Decided without the lists
        # below, which cost a job of 100,000 numbers a noticeable share of its CPU.
        record_id = entries[0].record_id
        return ItemResult(
            outcome=PhoneNumberOutcome.REMOVED,
            record_ids=(record_id,) if record_id else (),
            removed_count=1,
        )
    removed = [entry for entry in entries if entry.status == PhoneOutcomeStatus.REMOVED]
    in_call = [entry for entry in entries if entry.status == PhoneOutcomeStatus.CALL_IN_PROGRESS]
    undocumented = sorted(
        {entry.status or "?" for entry in entries if entry.status not in DOCUMENTED_STATUSES}
    )
    record_ids = tuple(entry.record_id for entry in removed if entry.record_id)
    if undocumented:
        return ItemResult(
            outcome=Outcome.ERROR,
            detail=Detail(UNDOCUMENTED_STATUS, {"statuses": ", ".join(undocumented)}),
            record_ids=record_ids,
            removed_count=len(removed),
        )
    if in_call:
        detail = (
            Detail(IN_CALL_OTHERS_REMOVED, {"count": len(in_call), "removed": len(removed)})
            if removed
            else Detail(IN_CALL, {"count": len(in_call)})
        )
        return ItemResult(
            outcome=PhoneNumberOutcome.CALL_IN_PROGRESS,
            detail=detail,
            record_ids=record_ids,
            removed_count=len(removed),
        )
    if removed:
        return ItemResult(
            outcome=PhoneNumberOutcome.REMOVED, record_ids=record_ids, removed_count=len(removed)
        )
    if uncertain:
        return ItemResult(outcome=Outcome.UNCERTAIN, detail=Detail(NOT_FOUND_ON_RETRY))
    return ItemResult(outcome=PhoneNumberOutcome.NOT_EXIST, removed_count=0)


class PhoneNumbersKind(PhoneListKind, UrlBatchedKind):
    name = "phone_numbers"
    query_name = "phone_number"
    title = gettext_lazy("Remove phone numbers from a campaign")
    template_name = "campaigns/remove_numbers/job.html"
    outcome_tones = {
        PhoneNumberOutcome.REMOVED: "success",
        PhoneNumberOutcome.CALL_IN_PROGRESS: "warning",
    }
    outcomes = (
        PhoneNumberOutcome.REMOVED,
        PhoneNumberOutcome.NOT_EXIST,
        PhoneNumberOutcome.CALL_IN_PROGRESS,
        Outcome.UNCERTAIN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.SUSPICIOUS,
        Outcome.INVALID,
    )
    retryable_outcomes = (Outcome.ERROR, Outcome.UNCERTAIN, PhoneNumberOutcome.CALL_IN_PROGRESS)
    # A call ends within minutes: the number can be removed then.
    retry_later_outcomes = (PhoneNumberOutcome.CALL_IN_PROGRESS,)
    detail_codes = DETAIL_CODES
    outcome_counts_words = {
        PhoneNumberOutcome.REMOVED: counted("%(count)s removed", "%(count)s removed"),
        PhoneNumberOutcome.NOT_EXIST: counted("%(count)s did not exist", "%(count)s did not exist"),
        PhoneNumberOutcome.CALL_IN_PROGRESS: counted("%(count)s in a call", "%(count)s in a call"),
    }

    def paste_url(self, job: BulkJob) -> str:
        return reverse("campaigns:remove_numbers", args=[job.campaign_id])

    def confirmation(self, job: BulkJob) -> Confirmation | None:
        if not above_typed_confirmation_threshold(job):
            return None
        return type_the_campaign_id(job)

    def page_context(self, job: BulkJob) -> dict:
        """Besides the number format: what the campaign copy held of the numbers when the job
        was drafted (`removal_in_records`), and the restores made of it."""
        copy = job.options.get("copy") or {}
        return {
            **super().page_context(job),
            "copy": copy,
            "copy_in_words": removal_in_words(copy),
            "related_jobs": [
                {
                    "text": _("restored by job %(job)s") % {"job": restore.pk},
                    "url": reverse("bulk:detail", args=[restore.pk]),
                }
                for restore in (restores_of(job_id=job.pk)[:5] if job.is_over else ())
            ],
        }

    def shows_source_lines(self, job: BulkJob) -> bool:
        """Rows chosen on the records list are shown as the records they are, not as lines."""
        return not job.options.get("from_records")

    def items_on_page(self, job: BulkJob, items: Sequence) -> None:
        """Each item's records removed, by identifier, and whether each is back (restored):
        the results link a record's page only then (`removed_records_on_page`)."""
        if job.state != BulkJob.State.DRAFT:
            removed_records_on_page(campaign_id=job.campaign_id, items=items)

    def follow_up_actions(self, job: BulkJob, user) -> list[FollowUpAction]:
        if not removal_may_be_restored(job) or not RESTORE_MAY_RUN(user):
            return []
        return [
            FollowUpAction(
                label=_("Restore the removed records…"),
                url=reverse("campaigns:restore_removal", args=[job.pk]),
                help_text=_(
                    "Adds back every record this job removed, as the campaign copy held it just "
                    "before: a preview first, to confirm."
                ),
            )
        ]

    def base_url_length(self, client: ThuliumClient, job: BulkJob) -> int:
        sample = "0" * MIN_DIGITS
        url = client.phone_deletion_url(
            job.campaign_id,
            [sample],
            search_in_additional_numbers=bool(job.options.get("search_in_additional_numbers")),
        )
        return len(url.encode()) - len(query_item(self.query_name, sample))

    def send(
        self,
        client: ThuliumClient,
        job: BulkJob,
        values: Sequence[str],
        *,
        uncertain: bool,
        previews: Mapping[str, Any] | None = None,
    ) -> dict[str, ItemResult]:
        report = client.records_delete_by_phone(
            job.campaign_id,
            values,
            search_in_additional_numbers=bool(job.options.get("search_in_additional_numbers")),
        )
        uncertain = uncertain or report.maybe_applied_earlier
        results = {
            number: phone_number_result(entries, uncertain=uncertain)
            for number, entries in report.results.items()
        }
        # The campaign's snapshot forgets what this request removed: one UPDATE per request.
        # The snapshot is a convenience: its failure must not cost the items their outcomes.
        try:
            snapshot_numbers_removed(
                campaign_id=job.campaign_id,
                phone_numbers=[
                    number
                    for number, result in results.items()
                    if result.outcome == PhoneNumberOutcome.REMOVED
                ],
                record_ids=[
                    record_id
                    for result in results.values()
                    if result.outcome != PhoneNumberOutcome.REMOVED
                    for record_id in result.record_ids
                ],
            )
        except DatabaseError:
            logger.exception(
                "job %s: could not update campaign %s's snapshot", job.pk, job.campaign_id
            )
        return results


PHONE_NUMBERS = register(PhoneNumbersKind())
RESTORE_MAY_RUN = restore_records.RESTORE_RECORDS.may_run


class PhoneNumbersForm(PhoneListForm):
    """Phone numbers to remove from one campaign."""

    kind = PHONE_NUMBERS

    search_in_additional_numbers = forms.BooleanField(
        label=gettext_lazy("Also match the records' additional numbers"),
        required=False,
        help_text=gettext_lazy(
            "Removes a record when one of its additional numbers matches, not only its main one."
        ),
    )

    field_order = ["text", "upload", "search_in_additional_numbers"]

    def options(self) -> dict[str, Any]:
        return {
            **super().options(),
            "search_in_additional_numbers": bool(
                self.cleaned_data.get("search_in_additional_numbers")
            ),
        }


@require_http_methods(["GET", "POST"])
@permission_required(PHONE_NUMBERS.may_run)
def remove_numbers(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Paste or upload the numbers to remove from a campaign. A valid list becomes a draft job
    and the browser goes to its page, the preview; nothing is sent to Thulium here."""
    if request.method == "POST":
        form = PhoneNumbersForm(request.POST, request.FILES)
        if form.is_valid():
            return remove_numbers_draft(request, campaign_id=campaign_id, form=form)
    else:
        form = PhoneNumbersForm()
    return TemplateResponse(
        request,
        "campaigns/remove_numbers/paste.html",
        {
            "campaign_id": campaign_id,
            "form": form,
            "number_format": number_format_description(settings.PHONE_NUMBER_FORMAT),
            **items_form_context(form),
        },
    )


def remove_numbers_draft(
    request: HttpRequest, *, campaign_id: str, form: PhoneNumbersForm, from_records: bool = False
) -> HttpResponse:
    """A valid list of numbers (pasted, or the records list's) as a draft job, and the browser
    sent to its page, the preview, which says what the numbers hold in records."""
    parsed, copy = removal_in_records(campaign_id=campaign_id, parsed=form.parsed)
    job = bulk_job_draft_create(
        user=request.user,
        kind_name=PHONE_NUMBERS.name,
        parsed=parsed,
        campaign_id=campaign_id,
        options={**form.options(), "copy": copy, "from_records": from_records},
    )
    return redirect("bulk:detail", job_id=job.pk)


def removal_in_words(copy: dict) -> dict[str, str]:
    """What a removal's preview says it will do in records, from what the copy held when it was
    drafted (`removal_in_records`): "24 numbers, 27 records (3 numbers have 2 records each)",
    and the warning that numbers the copy does not hold could be removed but not restored."""
    if not copy:  # drafted before removals were counted in records
        return {
            "records": "",
            "warning": _(
                "What these numbers held was not written down when this job was drafted: the "
                "records it removes could not be restored."
            ),
        }
    numbers = copy.get("numbers", 0)
    said = ngettext(
        "%(numbers)s number, %(records)s records",
        "%(numbers)s numbers, %(records)s records",
        numbers,
    ) % {"numbers": grouped(numbers), "records": grouped(copy.get("records", 0))}
    several = [
        ngettext(
            "%(count)s number has %(each)s records",
            "%(count)s numbers have %(each)s records each",
            count,
        )
        % {"count": grouped(count), "each": each}
        for each, count in sorted(copy.get("several", {}).items(), key=lambda pair: int(pair[0]))
    ]
    if several:
        said += f" ({', '.join(several)})"
    warning = ""
    if not copy.get("read"):
        warning = _(
            "The campaign copy has not been read yet: what these numbers hold is not known, and "
            "none of them could be restored once removed."
        )
    elif copy.get("not_in_copy"):
        warning = ngettext(
            "%(count)s of these numbers could be removed but not restored: the campaign copy "
            "does not hold it.",
            "%(count)s of these numbers could be removed but not restored: the campaign copy "
            "does not hold them.",
            copy["not_in_copy"],
        ) % {"count": grouped(copy["not_in_copy"])}
        if not copy.get("complete"):
            warning += " " + _("The copy is still being read: some may yet be found in it.")
    return {"records": said if copy.get("read") else "", "warning": warning}


def removal_in_records(*, campaign_id: str, parsed: ParseResult) -> tuple[ParseResult, dict]:
    """The numbers to remove with each one's records as the campaign copy holds them now, kept
    in its item's `preview` (`{"found": bool, "records": [...]}`) for the preview to list and
    for a restore to add back later, and the counts the preview states, for the job's options.

    Captured when the draft is made, not again when it starts: a restore prefers the copy's
    own rows of the records removed (kept, marked removed, until the next full read), which
    are the records as they were just before the removal, and falls back on this capture only
    once the copy has moved on. Suspicious numbers are not captured (rarely sent, and in no
    copy in the form they were pasted in)."""
    numbers = [item.value for item in parsed.items]
    found = copy_records_of_numbers(campaign_id=campaign_id, phone_numbers=numbers)
    items = []
    records = 0
    several: dict[str, int] = {}
    for item in parsed.items:
        held = found.by_number.get(item.value, [])
        records += len(held)
        if len(held) > 1:
            several[str(len(held))] = several.get(str(len(held)), 0) + 1
        preview = {"found": bool(held), "records": held} if found.read else {}
        items.append(dataclasses.replace(item, preview=preview))
    parsed = dataclasses.replace(parsed, items=items)
    in_copy = sum(1 for item in items if item.preview.get("found"))
    copy = {
        "read": found.read,
        "complete": found.complete,
        "as_of": found.as_of.isoformat() if found.as_of else "",
        "numbers": len(items),
        "records": records,
        "several": several,
        "not_in_copy": len(items) - in_copy,
    }
    return parsed, copy

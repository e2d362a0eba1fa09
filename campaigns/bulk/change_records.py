"""Changing many records of one campaign at once: a kind of bulk job, its form, and "put the
previous values back".

`PUT outbounds/:id/records_by_identifier/:identifier` changes one record: one request a record,
several in flight under the shared limits (the engine's `OneByOneKind`). The same fields as the
record page, under the same names and rules (`RecordEditForm`: MY_RECORD needs an agent and a
date, CALL_NO_SOONER_THAN a date), checked before anything is sent; only what the supervisor
filled in is sent, the same body to every record (`job.options["changes"]`). A job that puts
values back sends each record its own (`preview["send"]`).

Which records, and what each held before: `campaigns.bulk.chosen_records`. The preview shows
each record before → after; the job's start entry in the audit log keeps the values before
(`audit_before`); the campaign's copy gets what was sent (`snapshot_record_changed`).

A PUT of the same values twice does no harm, so an unanswered request is simply sent again
(`resend_is_safe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.bulk.chosen_records import (
    REASONS,
    chosen_rows_parsed,
    matching_records_parsed,
    pasted_parsed,
    put_back_parsed,
)
from campaigns.copies import campaign_copy_touch
from campaigns.dictionary_statuses import dictionary_status_in_words, dictionary_status_name
from campaigns.fetching import fetched_or_error
from campaigns.forms import RECORD_FIELDS_MAX_ROWS, RecordEditForm
from campaigns.records.filters import RecordsFilterForm
from campaigns.records.listing import TooManyRecords, campaign_records_matching_get
from campaigns.services import campaign_agents_get, campaign_statuses_get, record_field_names_used
from campaigns.snapshots import snapshot_record_changed
from campaigns.templatetags.statuses import status_in_words
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.details import Detail
from thuladmin.bulk.forms import BulkItemsForm, grouped, items_form_context
from thuladmin.bulk.kinds import (
    Confirmation,
    FollowUpAction,
    ItemResult,
    OneByOneKind,
    above_typed_confirmation_threshold,
    counted,
    register,
    type_the_count,
)
from thuladmin.bulk.models import BulkItem, BulkJob, Outcome
from thuladmin.bulk.parsing import ParseResult
from thuladmin.bulk.permissions import may_change_job
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.thulium import errors
from thuladmin.thulium.client import ThuliumClient, validate_identifier
from thuladmin.thulium.messages import thulium_error_message
from thuladmin.thulium.types import CampaignStatus

NAME = "change_records"


class ChangeOutcome(models.TextChoices):
    """What changing one record can end with, besides the engine's outcomes."""

    UPDATED = "UPDATED", gettext_lazy("updated")
    NOT_FOUND = "NOT_FOUND", gettext_lazy("not found")


NOT_FOUND = "change_records.not_found"
DETAIL_CODES = {
    **REASONS,
    NOT_FOUND: gettext_lazy("Thulium has no record with this identifier in the campaign."),
}


# --- the changes in words ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One field of one record: what it held (when known) and what is sent."""

    field: str
    before: str
    after: str
    before_known: bool = True


def job_statuses(job: BulkJob) -> dict[str, CampaignStatus]:
    """The campaign's statuses as the job was drafted with them, by id."""
    return {
        str(status["status_id"]): CampaignStatus(
            status_id=str(status["status_id"]),
            name=status.get("name", ""),
            system_status=status.get("system_status", ""),
            dictionary_status_id=status.get("dictionary_status_id"),
        )
        for status in job.options.get("statuses") or ()
    }


def _status_words(
    status_id: Any,
    statuses: Mapping[str, CampaignStatus],
    name: str = "",
    system_status: str = "",
) -> str:
    """A status in words (its name and kind), its id only in the title (`status_in_words`):
    from the campaign's statuses as the job was drafted with them, else as the record held it."""
    status = statuses.get(str(status_id)) if status_id else None
    if status is not None:
        name, system_status = status.name or name, status.system_status or system_status
    return status_in_words(name, system_status, status_id)


def date_words(text: Any) -> str:
    """A Thulium date in the reader's format (as it came if it is not one)."""
    text = str(text or "").strip()
    moment = parse_datetime(text.replace("T", " ")) if text else None
    if moment is None:
        return text
    return formats.date_format(moment, "DATETIME_FORMAT")


def changes_in_words(
    changes: Mapping[str, Any], statuses: Mapping[str, CampaignStatus]
) -> list[tuple[str, str]]:
    """What a job sends, field by field, in the reader's language."""
    cleared = _("(emptied)")
    words: list[tuple[str, str]] = []
    if changes.get("status_id"):
        words.append((_("Status"), _status_words(changes["status_id"], statuses)))
    if changes.get("dictionary_status_id") is not None:
        words.append(
            (
                _("Dictionary status"),
                dictionary_status_in_words(
                    changes["dictionary_status_id"],
                    dictionary_status_name(changes["dictionary_status_id"], statuses),
                ),
            )
        )
    if changes.get("agent_login"):
        words.append((_("Agent"), str(changes["agent_login"])))
    if changes.get("next_call_date"):
        words.append((_("Next call"), date_words(changes["next_call_date"])))
    for name, value in (changes.get("record_fields") or {}).items():
        words.append((_("Field “%(name)s”") % {"name": name}, str(value) if value else cleared))
    return words


def item_changes(preview: Mapping[str, Any], job: BulkJob) -> dict[str, Any]:
    """What is sent to one record: its own values (putting values back), or the job's."""
    return preview.get("send") or job.options.get("changes") or {}


def change_rows(
    preview: Mapping[str, Any], changes: Mapping[str, Any], statuses: Mapping[str, CampaignStatus]
) -> list[ChangeRow]:
    """One record's fields before → after, in the reader's language: before from the item's
    preview (the copy's values, or the list's), "not known" where the copy has no such column
    (dictionary status, custom fields) or did not hold the record."""
    before = preview.get("before")
    known = isinstance(before, dict)
    values = before if known else {}
    none, unknown = _("none"), _("not known")
    rows: list[ChangeRow] = []

    def row(field: str, was: str | None, now: str) -> None:
        if not known or was is None:
            rows.append(ChangeRow(field=field, before=unknown, after=now, before_known=False))
        else:
            rows.append(ChangeRow(field=field, before=was or none, after=now))

    if changes.get("status_id"):
        row(
            _("Status"),
            _status_words(
                values.get("status_id"),
                statuses,
                values.get("status_name", ""),
                values.get("system_status", ""),
            ),
            _status_words(changes["status_id"], statuses),
        )
    if changes.get("dictionary_status_id") is not None:
        row(
            _("Dictionary status"),
            None,
            dictionary_status_in_words(
                changes["dictionary_status_id"],
                dictionary_status_name(changes["dictionary_status_id"], statuses),
            ),
        )
    if changes.get("agent_login"):
        row(_("Agent"), values.get("agent_login", ""), str(changes["agent_login"]))
    if changes.get("next_call_date"):
        row(
            _("Next call"),
            date_words(values.get("next_call_date")),
            date_words(changes["next_call_date"]),
        )
    for name, value in (changes.get("record_fields") or {}).items():
        row(_("Field “%(name)s”") % {"name": name}, None, str(value) if value else _("(emptied)"))
    return rows


def as_of_moment(text: str) -> datetime | None:
    """An "as of" time kept as ISO text (a job's, or one record's), in the call centre's time;
    None when there is none."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return timezone.localtime(moment) if moment and timezone.is_aware(moment) else moment


# --- the kind ----------------------------------------------------------------------------------


class ChangeRecordsKind(OneByOneKind):
    name = NAME
    item_label = gettext_lazy("record")
    item_label_plural = gettext_lazy("records")
    title = gettext_lazy("Change records in a campaign")
    template_name = "campaigns/change_records/job.html"
    has_results_summary = True
    # Each item is a record's identifier (the value sent); "as pasted" means nothing for chosen
    # rows.
    search_hint = gettext_lazy("A record's identifier.")
    outcome_tones = {ChangeOutcome.UPDATED: "success", ChangeOutcome.NOT_FOUND: "warning"}
    outcomes = (
        ChangeOutcome.UPDATED,
        ChangeOutcome.NOT_FOUND,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.INVALID,
    )
    # Never "uncertain": an unanswered PUT is sent again (`resend_is_safe`).
    retryable_outcomes = (Outcome.ERROR,)
    attention_outcomes = (Outcome.ERROR, ChangeOutcome.NOT_FOUND)
    outcome_counts_words = {
        ChangeOutcome.UPDATED: counted("%(count)s updated", "%(count)s updated"),
        ChangeOutcome.NOT_FOUND: counted("%(count)s not found", "%(count)s not found"),
    }
    detail_codes = DETAIL_CODES
    resend_is_safe = True
    # Putting values back sends each record's own values, held in its item's preview: read with
    # the chunk, not in `send` while a request slot waits (the previews of a job that sends one
    # set of changes to all are small: the values before, for the page).
    sends_previews = True
    # A 404 is about one record (its identifier), not the whole job.
    fatal_errors = (errors.AuthenticationFailed,)

    def may_run(self, user) -> bool:
        return roles.can_work_on_campaigns(user)

    def paste_url(self, job: BulkJob) -> str:
        return reverse("campaigns:change_records", args=[job.campaign_id])

    def confirmation(self, job: BulkJob) -> Confirmation | None:
        if not above_typed_confirmation_threshold(job):
            return None
        return type_the_count(
            job,
            label=_("This is a large job: type the number of records, %(count)s, to confirm")
            % {"count": grouped(job.item_count)},
            mismatch_message=_("That is not the count: type %(count)s to start.")
            % {"count": grouped(job.item_count)},
        )

    def page_context(self, job: BulkJob) -> dict:
        statuses = job_statuses(job)
        reverts = job.options.get("reverts")
        return {
            "changes_words": changes_in_words(job.options.get("changes") or {}, statuses),
            "change_statuses": statuses,
            "copy_as_of": as_of_moment(job.options.get("as_of", "")),
            "reverts_job": reverts,
            "put_back_jobs": list(
                BulkJob.objects.written()
                .filter(kind=NAME, options__reverts=job.pk)
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
        }

    def shows_source_lines(self, job: BulkJob) -> bool:
        """Only a pasted list has lines a supervisor recognises; rows chosen on the records
        list, every record matching its filters and the records of a job whose values are put
        back are shown as the records they are (identifier, number, before → after)."""
        return job.options.get("source", "pasted") == "pasted"

    def follow_up_actions(self, job: BulkJob, user) -> list[FollowUpAction]:
        if not job.outcome_counts.get(ChangeOutcome.UPDATED):
            return []
        return [
            FollowUpAction(
                label=_("Put the previous values back"),
                url=reverse("campaigns:change_records_put_back", args=[job.campaign_id, job.pk]),
                help_text=_(
                    "A new job, previewed before anything is sent: each record updated here gets "
                    "back the status, agent and next call date it had before. Dictionary "
                    "statuses and custom fields cannot be put back: their values before are "
                    "not known."
                ),
            )
        ]

    def audit_before(self, job: BulkJob) -> dict:
        """Each record's values before, as the preview showed them (None: not known)."""
        records = {
            value: preview.get("before")
            for value, preview in job.items.to_send().values_list("value", "preview")
        }
        return {"source": job.options.get("source", ""), "records": records}

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        return pasted_parsed(campaign_id=options["campaign_id"], text=text)

    def search_values(self, text: str) -> list[str]:
        try:
            return [validate_identifier(text.strip())]
        except errors.InvalidArgument:
            return []

    def send(
        self,
        client: ThuliumClient,
        job: BulkJob,
        values: Sequence[str],
        *,
        uncertain: bool,
        previews: Mapping[str, Any] | None = None,
    ) -> dict[str, ItemResult]:
        (identifier,) = values
        changes = self._changes(job, [identifier], previews=previews)[identifier]
        try:
            client.record_update(job.campaign_id, identifier, changes=changes)
        except errors.NotFound as error:
            return {
                identifier: ItemResult(
                    outcome=ChangeOutcome.NOT_FOUND,
                    detail=Detail(NOT_FOUND, {}, "; ".join(error.messages)),
                )
            }
        return {identifier: ItemResult(outcome=ChangeOutcome.UPDATED)}

    def recorded(
        self,
        job: BulkJob,
        results: Mapping[str, ItemResult],
        *,
        previews: Mapping[str, Any] | None = None,
    ) -> None:
        """The copy shows what was just sent to the records updated, written with their
        outcomes (see `BulkKind.recorded`)."""
        updated = [
            value for value, result in results.items() if result.outcome == ChangeOutcome.UPDATED
        ]
        if not updated:
            return
        statuses = list(job_statuses(job).values())
        for identifier, changes in self._changes(job, updated, previews=previews).items():
            snapshot_record_changed(
                campaign_id=job.campaign_id,
                identifier=identifier,
                changes=changes,
                statuses=statuses,
            )

    @staticmethod
    def _changes(
        job: BulkJob, identifiers: Sequence[str], *, previews: Mapping[str, Any] | None = None
    ) -> dict[str, dict[str, Any]]:
        """What is sent to each record: the job's changes, or (putting values back) each
        record's own, from the items' previews: as the runner read them with the chunk
        (`sends_previews`), else in one query."""
        if not job.options.get("per_record"):
            changes = job.options.get("changes") or {}
            return dict.fromkeys(identifiers, changes)
        if previews is None:
            previews = dict(
                BulkItem.objects.filter(job=job, value__in=list(identifiers)).values_list(
                    "value", "preview"
                )
            )
        return {
            identifier: item_changes(previews.get(identifier) or {}, job)
            for identifier in identifiers
        }


CHANGE_RECORDS = register(ChangeRecordsKind())


# --- the form ----------------------------------------------------------------------------------

# Custom field rows the form offers (a row left without a name is ignored).
FIELD_ROWS = 3


class RecordChangesForm(RecordEditForm):
    """What to set on every record: the record page's fields and rules, without its one-time
    token (a draft sends nothing: its preview is confirmed first)."""

    token = None
    # No status change re-renders this form, so nothing follows the status: the dictionary
    # status is sent only when one is chosen.
    from_status_label = gettext_lazy("— keep each record's dictionary status —")

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(data, rows=[{"key": "", "value": ""}] * FIELD_ROWS, **kwargs)
        self.fields["status_id"].help_text = _("Leave it as it is to keep each record's status.")
        field = self.fields["status_id"]
        field.choices = [("", _("— keep each record's status —")), *list(field.choices)[1:]]
        self.fields["dictionary_status_id"].help_text = _(
            "Leave it as it is to keep each record's dictionary status."
        )


class RecordListForm(BulkItemsForm):
    """Identifiers or phone numbers of one campaign's records, pasted or uploaded."""

    kind = CHANGE_RECORDS
    empty_message = gettext_lazy(
        "Paste identifiers or phone numbers, upload a file of them, or choose records on the "
        "records list."
    )
    nothing_valid_message = gettext_lazy(
        "None of these is a record that can be changed (see the list below)."
    )
    limit_message = gettext_lazy(
        "More than %(limit)s records: split the list into jobs of at most %(limit)s."
    )

    def __init__(self, *args: Any, campaign_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign_id = campaign_id
        self.fields["text"].label = _("Identifiers or phone numbers")
        self.fields["text"].help_text = _(
            "One a line, or separated by commas, semicolons, tabs or spaces. A number is found "
            "in the campaign's copy: each of its records is changed."
        )
        self.fields["text"].widget.attrs["placeholder"] = "1234567890\n600 100 200"

    def options(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}


@dataclass(frozen=True, slots=True)
class Selection:
    """Which records the form is about: rows chosen on the records list (`rows`), every record
    matching the list's filters (`filters`), or a pasted list (neither)."""

    scope: str  # "selected", "all" or "pasted"
    rows: tuple[tuple[str, str], ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    count: int | None = None


def _posted_selection(request: HttpRequest) -> Selection:
    """What the records list, or the form carrying it on, posted."""
    post = request.POST
    scope = post.get("scope", "pasted")
    if scope == "all":
        form = RecordsFilterForm(post, statuses=None)
        filters = tuple(form.query_items()) if form.is_valid() else ()
        count = post.get("count", "")
        return Selection(
            scope="all", filters=filters, count=int(count) if count.isdigit() else None
        )
    if scope == "selected":
        if "row_identifier" in post:  # straight from the records list: the rows ticked
            chosen = set(post.getlist("number"))
            pairs = zip(post.getlist("row_identifier"), post.getlist("row_number"), strict=False)
            rows = tuple((i, n) for i, n in pairs if n and n in chosen)
        else:  # carried on by the form
            pairs = zip(
                post.getlist("chosen_identifier"), post.getlist("chosen_number"), strict=False
            )
            rows = tuple(pairs)
        return Selection(scope="selected", rows=rows, count=len(rows))
    return Selection(scope="pasted")


def _statuses_for_job(statuses: Sequence[CampaignStatus] | None) -> list[dict[str, Any]]:
    return [
        {
            "status_id": status.status_id,
            "name": status.name,
            "system_status": status.system_status,
            "dictionary_status_id": status.dictionary_status_id,
        }
        for status in statuses or ()
    ]


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE_RECORDS.may_run)
def change_records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """ "Change these records": the record page's fields, for the rows chosen on the records
    list, every record matching its filters, or a pasted list. A valid form becomes a draft
    job and the browser goes to its preview (each record before → after); nothing is sent to
    Thulium here. `from_list` is the records list's first post: the form, nothing checked."""
    copy = campaign_copy_touch(campaign_id=campaign_id, user=request.user)
    statuses, statuses_error = fetched_or_error(
        lambda: campaign_statuses_get(campaign_id=campaign_id), campaign_id=campaign_id
    )
    agents, agents_error = fetched_or_error(
        lambda: campaign_agents_get(campaign_id=campaign_id), campaign_id=campaign_id, default=[]
    )
    selection = (
        _posted_selection(request) if request.method == "POST" else Selection(scope="pasted")
    )
    list_url = reverse("campaigns:records", args=[campaign_id])
    if selection.scope == "selected" and not selection.rows:
        messages.warning(request, _("Choose at least one record to change."))
        return redirect(list_url)
    form = RecordChangesForm(statuses=statuses)
    items_form = RecordListForm(campaign_id=campaign_id)
    selection_error = ""
    if request.method == "POST" and not request.POST.get("from_list"):
        form = RecordChangesForm(request.POST, statuses=statuses)
        if selection.scope == "pasted":
            items_form = RecordListForm(request.POST, request.FILES, campaign_id=campaign_id)
            items_valid = items_form.is_valid()
        else:
            items_valid = True
        if form.is_valid() and items_valid:
            parsed, selection_error = _selection_parsed(request, campaign_id, selection, items_form)
            if parsed is not None:
                job = bulk_job_draft_create(
                    user=request.user,
                    kind_name=CHANGE_RECORDS.name,
                    parsed=parsed,
                    campaign_id=campaign_id,
                    options={
                        "changes": form.changes(),
                        "statuses": _statuses_for_job(statuses),
                        "source": selection.scope,
                        "as_of": copy.as_of.isoformat() if copy.as_of else "",
                        **({"filters": list(selection.filters)} if selection.filters else {}),
                    },
                )
                return redirect("bulk:detail", job_id=job.pk)
    return TemplateResponse(
        request,
        "campaigns/change_records/form.html",
        {
            "campaign_id": campaign_id,
            "form": form,
            "items_form": items_form,
            "selection": selection,
            "selection_error": selection_error,
            "copy": copy,
            "statuses_error": statuses_error,
            "agents": agents,
            "agents_error": agents_error,
            "field_names": record_field_names_used(campaign_id=campaign_id),
            "list_url": list_url,
            "field_rows_max": RECORD_FIELDS_MAX_ROWS,
            **items_form_context(items_form),
        },
    )


def _selection_parsed(
    request: HttpRequest, campaign_id: str, selection: Selection, items_form: RecordListForm
) -> tuple[ParseResult | None, str]:
    """The chosen records as items with their values before, or None and why not."""
    if selection.scope == "pasted":
        return items_form.parsed, ""
    if selection.scope == "selected":
        parsed = chosen_rows_parsed(campaign_id=campaign_id, rows=selection.rows)
    else:
        filters = RecordsFilterForm(request.POST, statuses=None)
        if not filters.is_valid():
            return None, _("The filters could not be read; choose them again on the list.")
        read_at = timezone.now()
        try:
            records = campaign_records_matching_get(
                campaign_id=campaign_id, filters=filters.api_filters()
            )
        except TooManyRecords:
            return None, _("More than %(limit)s records: narrow the filters first.") % {
                "limit": grouped(settings.BULK_MAX_ITEMS)
            }
        except errors.ThuliumError as error:
            return None, thulium_error_message(error, campaign_id=campaign_id)
        parsed = matching_records_parsed(records=records, read_at=read_at)
    if not parsed.items:
        return None, _(
            "None of these records has an identifier: Thulium can change a record only by "
            "its identifier."
        )
    return parsed, ""


# --- put the previous values back --------------------------------------------------------------


@require_POST
@permission_required(CHANGE_RECORDS.may_run)
def change_records_put_back(request: HttpRequest, campaign_id: str, job_id: int) -> HttpResponse:
    """ "Put the previous values back" on a finished change job: a draft follow-up job sending
    each record it updated the values it held before, previewed and confirmed like any other.
    Asking again while that draft waits leads to it rather than to a second one."""
    job = get_object_or_404(
        BulkJob.objects.written(), pk=job_id, kind=NAME, campaign_id=campaign_id
    )
    if not may_change_job(request.user, job):
        raise PermissionDenied
    if not job.is_over:
        messages.error(request, _("Values can be put back once the job is over."))
        return redirect("bulk:detail", job_id=job.pk)
    waiting = BulkJob.objects.drafts().filter(kind=NAME, options__reverts=job.pk).first()
    if waiting is not None:
        messages.info(
            request,
            _("Job %(job)s already puts these values back: here it is.") % {"job": waiting.pk},
        )
        return redirect("bulk:detail", job_id=waiting.pk)
    parsed = put_back_parsed(job=job, updated=ChangeOutcome.UPDATED)
    if not parsed.items and not parsed.invalid:
        messages.info(request, _("No record of this job was updated: nothing to put back."))
        return redirect("bulk:detail", job_id=job.pk)
    follow_up = bulk_job_draft_create(
        user=request.user,
        kind_name=NAME,
        parsed=parsed,
        campaign_id=campaign_id,
        options={
            "changes": {},
            "per_record": True,
            "statuses": job.options.get("statuses") or [],
            "source": "put_back",
            "as_of": job.finished_at.isoformat() if job.finished_at else "",
            "reverts": job.pk,
        },
    )
    return redirect("bulk:detail", job_id=follow_up.pk)

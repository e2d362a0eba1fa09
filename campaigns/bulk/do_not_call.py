"""Do not call, in any campaign: a kind of bulk job.

When a person objects to being called, every campaign must stop calling them.
`POST outbound_status_by_phone_number` finds every record with one main phone number, in every
campaign, and sets its status from a dictionary status (e.g. "Do not call"); it answers with
the campaigns whose records it updated. One number a request, several in flight.

Setting a status twice does no harm, so this kind re-sends an unanswered request instead of
calling its items "uncertain" (`resend_is_safe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.bulk.phone_lists import (
    PhoneListForm,
    PhoneListKind,
    number_format_description,
)
from campaigns.fetching import fetched_or_error
from campaigns.services import DictionaryStatus, dictionary_statuses_get
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.details import Detail
from thuladmin.bulk.forms import grouped, items_form_context
from thuladmin.bulk.kinds import (
    Confirmation,
    ItemResult,
    OneByOneKind,
    above_typed_confirmation_threshold,
    counted,
    register,
    type_the_count,
)
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.thulium import errors
from thuladmin.thulium.client import ThuliumClient
from thuladmin.thulium.types import SystemStatus


class DoNotCallOutcome(models.TextChoices):
    """What setting one number's status in every campaign can end with, besides the engine's
    outcomes."""

    UPDATED = "UPDATED", gettext_lazy("updated")
    IN_NO_CAMPAIGN = "IN_NO_CAMPAIGN", gettext_lazy("in no campaign")


# The kind's detail codes (see thuladmin.bulk.details), registered with the kind.
UPDATED_IN = "do_not_call.updated_in"
DETAIL_CODES = {UPDATED_IN: gettext_lazy("in %(campaigns)s")}


class DoNotCallKind(PhoneListKind, OneByOneKind):
    name = "do_not_call"
    title = gettext_lazy("Do not call, in any campaign")
    template_name = "campaigns/do_not_call/job.html"
    outcome_tones = {DoNotCallOutcome.UPDATED: "success"}
    outcomes = (
        DoNotCallOutcome.UPDATED,
        DoNotCallOutcome.IN_NO_CAMPAIGN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.SUSPICIOUS,
        Outcome.INVALID,
    )
    retryable_outcomes = (Outcome.ERROR,)
    outcome_counts_words = {
        DoNotCallOutcome.UPDATED: counted("%(count)s updated", "%(count)s updated"),
        DoNotCallOutcome.IN_NO_CAMPAIGN: counted(
            "%(count)s in no campaign", "%(count)s in no campaign"
        ),
    }
    resend_is_safe = True
    detail_codes = DETAIL_CODES
    # There is no campaign to be missing: a 404 concerns one number, not the whole job.
    fatal_errors = (errors.AuthenticationFailed,)

    def paste_url(self, job: BulkJob) -> str:
        return reverse("campaigns:do_not_call")

    def confirmation(self, job: BulkJob) -> Confirmation | None:
        if not above_typed_confirmation_threshold(job):
            return None
        return type_the_count(
            job,
            label=_("This is a large job: type the number of phone numbers, %(count)s, to confirm")
            % {"count": grouped(job.item_count)},
            mismatch_message=_("That is not the count: type %(count)s to start.")
            % {"count": grouped(job.item_count)},
        )

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
        result = client.phone_status_set(
            phone_number, dictionary_status_id=job.options["dictionary_status_id"]
        )
        if not result.campaign_ids:
            return {phone_number: ItemResult(outcome=DoNotCallOutcome.IN_NO_CAMPAIGN)}
        # The campaigns, not a sentence: the page words it in the reader's language.
        return {
            phone_number: ItemResult(
                outcome=DoNotCallOutcome.UPDATED,
                detail=Detail(UPDATED_IN, {"campaigns": ", ".join(result.campaign_ids)}),
            )
        }


DO_NOT_CALL = register(DoNotCallKind())


def _status_choice_label(status: DictionaryStatus) -> str:
    """The names the campaigns give the status: its id and the campaigns that happen to be
    active are Thulium's business, and the call reaches other campaigns too."""
    return " / ".join(status.names) or _("(no name)")


# Words that name a "do not call" status, in the languages supervisors name their statuses in.
DO_NOT_CALL_NAMES = ("do not call", "don't call", "nie dzwoń", "nie dzwonić")


def statuses_that_stop_calls(statuses: Sequence[DictionaryStatus]) -> list[DictionaryStatus]:
    """The dictionary statuses that stop calls: every campaign status built on them is
    NO_CALL. Another would put the person's records back in the queue, or reserve them for an
    agent, which is not what "do not call" means."""
    return [
        status
        for status in statuses
        if status.system_statuses and set(status.system_statuses) == {SystemStatus.NO_CALL}
    ]


def status_named_do_not_call(statuses: Sequence[DictionaryStatus]) -> DictionaryStatus | None:
    """The first status one of whose names says "do not call", to offer it chosen."""
    for status in statuses:
        if any(word in name.casefold() for name in status.names for word in DO_NOT_CALL_NAMES):
            return status
    return None


class DoNotCallForm(PhoneListForm):
    """Phone numbers to stop calling in every campaign, and the status to give their records."""

    kind = DO_NOT_CALL

    dictionary_status = forms.TypedChoiceField(
        label=gettext_lazy("Status to give their records"),
        coerce=int,
        help_text=gettext_lazy(
            "Thulium gives this status to every record whose main number is one of these, in "
            "every campaign that has the status, active or not: not only the active campaigns. "
            "The results list, for each number, the campaigns it reached. Only statuses that "
            "stop calls are offered."
        ),
    )

    field_order = ["dictionary_status", "text", "upload"]

    def __init__(self, *args: Any, statuses: Sequence[DictionaryStatus], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = statuses_that_stop_calls(statuses)
        self.statuses = {status.dictionary_status_id: status for status in statuses}
        field = self.fields["dictionary_status"]
        field.choices = [("", _("Choose a status…"))] + [
            (status.dictionary_status_id, _status_choice_label(status)) for status in statuses
        ]
        named = status_named_do_not_call(statuses)
        if named is not None:
            field.initial = named.dictionary_status_id
        field.error_messages["invalid_choice"] = _(
            "Choose one of the statuses in the list: the campaigns no longer offer that one."
        )

    def options(self) -> dict[str, Any]:
        chosen = self.statuses.get(self.cleaned_data.get("dictionary_status"))
        return {
            **super().options(),
            "dictionary_status_id": chosen.dictionary_status_id if chosen else None,
            "dictionary_status_name": " / ".join(chosen.names) if chosen else "",
        }


@require_http_methods(["GET", "POST"])
@permission_required(DO_NOT_CALL.may_run)
def do_not_call(request: HttpRequest) -> HttpResponse:
    """Paste or upload the numbers of people who must not be called, and pick the status their
    records get. A valid list becomes a draft job and the browser goes to its preview; nothing
    is sent to Thulium here."""
    statuses, statuses_error = fetched_or_error(dictionary_statuses_get, default=[])
    statuses = statuses_that_stop_calls(statuses)
    if request.method == "POST" and statuses:
        form = DoNotCallForm(request.POST, request.FILES, statuses=statuses)
        if form.is_valid():
            job = bulk_job_draft_create(
                user=request.user,
                kind_name=DO_NOT_CALL.name,
                parsed=form.parsed,
                options=form.options(),
            )
            return redirect("bulk:detail", job_id=job.pk)
    else:
        if request.method == "POST":
            messages.error(request, _("Nothing was saved: the statuses could not be read."))
        form = DoNotCallForm(statuses=statuses)
    return TemplateResponse(
        request,
        "campaigns/do_not_call/paste.html",
        {
            "form": form,
            "statuses_error": statuses_error,
            "no_statuses": not statuses and not statuses_error,
            "number_format": number_format_description(settings.PHONE_NUMBER_FORMAT),
            **items_form_context(form),
        },
    )

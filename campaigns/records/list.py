"""The campaign as a supervisor's workspace: its records list with Thulium's filters, removing
the numbers of chosen records, and the campaign snapshot that makes records findable."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumbersForm
from campaigns.forms import is_campaign_id
from campaigns.models import CampaignSnapshot
from campaigns.reads import CampaignReadRefused, campaign_read_start
from campaigns.records.filters import (
    PAGE_SIZE,
    RecordsFilterForm,
    TooManyRecords,
    campaign_records_numbers_get,
    campaign_records_page_get,
)
from campaigns.services import campaign_statuses_get
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.forms import grouped
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.partials import page_or_partial, wants_partial
from thuladmin.thulium import errors
from thuladmin.thulium.messages import thulium_error_message

# Page links shown around the current page (the first and last are always shown).
PAGE_LINKS_AROUND = 2


class ChosenNumbersForm(PhoneNumbersForm):
    """The chosen records' numbers, checked as one pasted list: a `number` field may hold many
    tokens, so the paste form's size and item limits, and its messages, hold here too. The list
    page it returns to shows no refused tokens, hence its own words when none is a number."""

    nothing_valid_message = gettext_lazy(
        "None of the chosen records has a phone number that could be removed."
    )


def _campaign_or_404(campaign_id: str) -> None:
    if not is_campaign_id(campaign_id):
        raise Http404(_("A campaign id is five letters or digits, such as 00001."))


def _page_links(current: int, last: int) -> list[int | None]:
    """Page numbers to link, None where a run of them is left out."""
    shown = {1, last, *range(current - PAGE_LINKS_AROUND, current + PAGE_LINKS_AROUND + 1)}
    pages: list[int | None] = []
    for number in sorted(page for page in shown if 1 <= page <= last):
        if pages and pages[-1] is not None and number > pages[-1] + 1:
            pages.append(None)
        pages.append(number)
    return pages


@require_GET
@permission_required(roles.can_work_on_campaigns)
def records_list(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """A campaign's records, 100 a page, filtered by Thulium's own filters from the query string.

    htmx (the filters form, the page links) gets only the table; without JavaScript the same
    links and the GET form load the whole page.
    """
    _campaign_or_404(campaign_id)
    statuses = None
    statuses_error = ""
    try:
        statuses = campaign_statuses_get(campaign_id=campaign_id)
    except errors.ThuliumError as error:
        statuses_error = thulium_error_message(error, campaign_id=campaign_id)
    form = RecordsFilterForm(request.GET or None, statuses=statuses)
    records_page = None
    records_error = ""
    if not form.is_bound or form.is_valid():
        if not form.is_bound:
            form = RecordsFilterForm({}, statuses=statuses)
            form.is_valid()
        try:
            records_page = campaign_records_page_get(
                campaign_id=campaign_id, filters=form.api_filters(), page=form.page_number
            )
        except errors.ThuliumError as error:
            records_error = thulium_error_message(error, campaign_id=campaign_id)
    query_items = form.query_items()
    context: dict[str, Any] = {
        "campaign_id": campaign_id,
        "form": form,
        "statuses_error": statuses_error,
        "records_page": records_page,
        "records_error": records_error,
        "filter_query": urlencode(query_items),
        "filter_items": query_items,
    }
    if records_page is not None:
        last_page = max(1, -(-records_page.count // PAGE_SIZE))
        context.update(
            page_number=form.page_number,
            last_page=last_page,
            page_links=_page_links(form.page_number, last_page),
            first_shown=(form.page_number - 1) * PAGE_SIZE + 1,
            last_shown=(form.page_number - 1) * PAGE_SIZE + len(records_page.records),
        )
    response = page_or_partial(request, "campaigns/records/list.html", "records", context)
    if wants_partial(request) and form.is_valid():
        # The address bar gets the filters in use, not every empty field of the form.
        shown = [*query_items, *([("page", str(form.page_number))] if form.page_number > 1 else [])]
        response["HX-Push-Url"] = request.path + (f"?{urlencode(shown)}" if shown else "")
    return response


@require_POST
@permission_required(PHONE_NUMBERS.may_run)
def records_remove(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """ "Remove these numbers from the campaign": the chosen rows' numbers, or those of every
    record matching the filters (read again from Thulium, page by page), become a draft
    phone-number job; its page is the usual preview, with the usual confirmation rules."""
    _campaign_or_404(campaign_id)
    list_url = reverse("campaigns:records", args=[campaign_id])
    if request.POST.get("scope") == "all":
        form = RecordsFilterForm(request.POST, statuses=None)
        if not form.is_valid():
            messages.error(request, _("The filters could not be read; choose them again."))
            return redirect(list_url)
        list_url = f"{list_url}?{urlencode(form.query_items())}"
        try:
            numbers = campaign_records_numbers_get(
                campaign_id=campaign_id, filters=form.api_filters()
            )
        except TooManyRecords:
            messages.error(
                request,
                _("More than %(limit)s numbers: narrow the filters first.")
                % {"limit": grouped(settings.BULK_MAX_ITEMS)},
            )
            return redirect(list_url)
        except errors.ThuliumError as error:
            messages.error(request, thulium_error_message(error, campaign_id=campaign_id))
            return redirect(list_url)
    else:
        numbers = request.POST.getlist("number")
    if not any(number.strip() for number in numbers):
        messages.warning(request, _("Choose at least one record whose number to remove."))
        return redirect(list_url)
    chosen = ChosenNumbersForm({"text": "\n".join(numbers)})
    if not chosen.is_valid():
        for error in chosen.errors.get("text", ()):
            messages.error(request, error)
        return redirect(list_url)
    job = bulk_job_draft_create(
        user=request.user,
        kind_name=PHONE_NUMBERS.name,
        parsed=chosen.parsed,
        campaign_id=campaign_id,
        options=chosen.options(),
    )
    return redirect("bulk:detail", job_id=job.pk)


# Where a plain (non-htmx) refused POST leaves its reason for the campaign page it redirects
# to, which shows it once, next to the snapshot control.
SNAPSHOT_REFUSED_SESSION_KEY = "thuladmin:snapshot-refused"


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
def snapshot(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """The campaign snapshot's state (GET: what the progress bar polls), or a new sync (POST:
    the refresh button; a sync already running is joined, not doubled). A refused sync (an
    unknown campaign, too many reads of this user's) is said next to the control: in the
    fragment for htmx, on the page the plain form is redirected to otherwise."""
    _campaign_or_404(campaign_id)
    refused = ""
    if request.method == "POST":
        try:
            campaign_read_start(user=request.user, campaign_id=campaign_id)
        except CampaignReadRefused as refusal:
            refused = refusal.message
        if refused and not wants_partial(request):
            request.session[SNAPSHOT_REFUSED_SESSION_KEY] = {
                "campaign_id": campaign_id,
                "message": refused,
            }
    if not wants_partial(request):
        return redirect(reverse("campaigns:detail", args=[campaign_id]) + "#campaign-snapshot")
    return TemplateResponse(
        request,
        "campaigns/detail.html#snapshot",
        snapshot_context(campaign_id, refused=refused),
    )


def snapshot_refused_pop(request: HttpRequest, campaign_id: str) -> str:
    """The reason a plain POST to `snapshot` was refused, for the whole campaign page it was
    redirected to ('' when there is none). Taken once: a reload no longer shows it. An htmx
    request (the statuses refresh) leaves it for the page."""
    if wants_partial(request):
        return ""
    refused = request.session.get(SNAPSHOT_REFUSED_SESSION_KEY)
    if not isinstance(refused, dict) or refused.get("campaign_id") != campaign_id:
        return ""
    del request.session[SNAPSHOT_REFUSED_SESSION_KEY]
    return str(refused.get("message", ""))


def snapshot_context(campaign_id: str, *, refused: str = "") -> dict[str, Any]:
    latest = CampaignSnapshot.objects.latest_for(campaign_id)
    current = latest if latest is not None and latest.is_current else None
    if current is None:
        current = CampaignSnapshot.objects.current_for(campaign_id)
    return {
        "campaign_id": campaign_id,
        "latest_snapshot": latest,
        "current_snapshot": current,
        "snapshot_refused": refused,
    }

"""The records list page: a campaign's records, 100 a page (or 25, 50), with Thulium's filters,
and its "remove these numbers" action (the chosen rows', or every matching record's)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumbersForm, remove_numbers_draft
from campaigns.copies import campaign_copy_touch
from campaigns.fetching import fetched_or_error
from campaigns.records.filters import RecordsFilterForm
from campaigns.records.listing import (
    TooManyRecords,
    campaign_records_numbers_get,
    campaign_records_page_get,
)
from campaigns.services import campaign_statuses_get
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.forms import grouped
from thuladmin.partials import page_or_partial, wants_partial
from thuladmin.thulium import errors
from thuladmin.thulium.messages import thulium_error_message

# Page links shown around the current page (the first and last are always shown).
PAGE_LINKS_AROUND = 2


@require_GET
@permission_required(roles.can_work_on_campaigns)
def records_list(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """A campaign's records, 100 a page, filtered by Thulium's own filters from the query string.

    htmx (the filters form, the page links) gets only the table; without JavaScript the same
    links and the GET form load the whole page.
    """
    statuses, statuses_error = fetched_or_error(
        lambda: campaign_statuses_get(campaign_id=campaign_id), campaign_id=campaign_id
    )
    # In use: keep it current. The export reads it, so the page says how current it is.
    copy = campaign_copy_touch(campaign_id=campaign_id, user=request.user)
    form = RecordsFilterForm(request.GET or None, statuses=statuses)
    if not form.is_bound:
        form = RecordsFilterForm({}, statuses=statuses)
    records_page, records_error = None, ""
    if form.is_valid():
        records_page, records_error = fetched_or_error(
            lambda: campaign_records_page_get(
                campaign_id=campaign_id,
                filters=form.api_filters(),
                page=form.page_number,
                size=form.page_size,
            ),
            campaign_id=campaign_id,
        )
    query_items = form.query_items()
    context: dict[str, Any] = {
        "campaign_id": campaign_id,
        "form": form,
        "statuses_error": statuses_error,
        "records_page": records_page,
        "records_error": records_error,
        "filter_query": urlencode(query_items),
        "filter_items": query_items,
        "copy": copy,
        "export_url": reverse("campaigns:records_export", args=[campaign_id])
        + (f"?{urlencode(query_items)}" if query_items else ""),
    }
    if records_page is not None:
        context.update(
            _pages(
                form.page_number,
                records_page.count,
                len(records_page.records),
                size=form.page_size,
            )
        )
    response = page_or_partial(request, "campaigns/records/list.html", "records", context)
    if wants_partial(request) and form.is_valid():
        # The address bar gets the filters in use, not every empty field of the form.
        shown = [*query_items, *([("page", str(form.page_number))] if form.page_number > 1 else [])]
        response["HX-Push-Url"] = request.path + (f"?{urlencode(shown)}" if shown else "")
    return response


def _pages(page_number: int, count: int, shown: int, *, size: int) -> dict[str, Any]:
    """Where this page of `count` records is: its number, the last one, the links to others and
    the first and last record shown."""
    last_page = max(1, -(-count // size))
    return {
        "page_number": page_number,
        "last_page": last_page,
        "page_links": _page_links(page_number, last_page),
        "first_shown": (page_number - 1) * size + 1,
        "last_shown": (page_number - 1) * size + shown,
    }


def _page_links(current: int, last: int) -> list[int | None]:
    """Page numbers to link, None where a run of them is left out."""
    shown = {1, last, *range(current - PAGE_LINKS_AROUND, current + PAGE_LINKS_AROUND + 1)}
    pages: list[int | None] = []
    for number in sorted(page for page in shown if 1 <= page <= last):
        if pages and pages[-1] is not None and number > pages[-1] + 1:
            pages.append(None)
        pages.append(number)
    return pages


# --- remove these numbers ----------------------------------------------------------------------


class ChosenNumbersForm(PhoneNumbersForm):
    """The chosen records' numbers, checked as one pasted list: a `number` field may hold many
    tokens, so the paste form's size and item limits, and its messages, hold here too. The list
    page it returns to shows no refused tokens, hence its own words when none is a number."""

    nothing_valid_message = gettext_lazy(
        "None of the chosen records has a phone number that could be removed."
    )


@require_POST
@permission_required(PHONE_NUMBERS.may_run)
def remove_numbers_from_records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """ "Remove these numbers from the campaign": the chosen rows' numbers, or those of every
    record matching the filters (read again from Thulium, page by page), become a draft
    phone-number job; its page is the usual preview, with the usual confirmation rules. Any
    refusal goes back to the list, with the filters it had, and a message."""
    list_url = reverse("campaigns:records", args=[campaign_id])
    if request.POST.get("scope") == "all":
        numbers, list_url = _numbers_matching(request, campaign_id, list_url)
        if numbers is None:
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
    return remove_numbers_draft(request, campaign_id=campaign_id, form=chosen, from_records=True)


def _numbers_matching(
    request: HttpRequest, campaign_id: str, list_url: str
) -> tuple[list[str] | None, str]:
    """The numbers of every record matching the posted filters, and the list's address with
    those filters; None for the numbers (and a message said why) when they cannot be had."""
    form = RecordsFilterForm(request.POST, statuses=None)
    if not form.is_valid():
        messages.error(request, _("The filters could not be read; choose them again."))
        return None, list_url
    list_url = f"{list_url}?{urlencode(form.query_items())}"
    try:
        numbers = campaign_records_numbers_get(campaign_id=campaign_id, filters=form.api_filters())
    except TooManyRecords:
        messages.error(
            request,
            _("More than %(limit)s numbers: narrow the filters first.")
            % {"limit": grouped(settings.BULK_MAX_ITEMS)},
        )
        return None, list_url
    except errors.ThuliumError as error:
        messages.error(request, thulium_error_message(error, campaign_id=campaign_id))
        return None, list_url
    return numbers, list_url

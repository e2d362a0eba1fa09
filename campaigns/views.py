"""The campaign pages: pick a campaign, read its statuses, edit or delete one of its records."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.forms import (
    CampaignPickForm,
    RecordOpenForm,
    is_campaign_id,
)
from campaigns.models import RecentCampaign
from campaigns.records.filters import campaign_status_counts_get
from campaigns.records.list import snapshot_context, snapshot_refused_pop
from campaigns.services import (
    campaign_statuses_snapshot_get,
    campaign_summaries_get,
    recent_campaign_record,
)
from campaigns.snapshots import snapshot_records_search
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.partials import page_or_partial, wants_partial
from thuladmin.thulium import errors
from thuladmin.thulium.messages import (
    thulium_error_message,
)


@require_GET
@permission_required(roles.can_work_on_campaigns)
def index(request: HttpRequest) -> HttpResponse:
    """Active campaigns from Thulium, the user's recent ones, and a form to type an id.

    The typed-id form is a GET form to this page: a valid id redirects to the campaign, so it
    still works when Thulium cannot list the campaigns.
    """
    pick_form = CampaignPickForm(request.GET if "campaign_id" in request.GET else None)
    if pick_form.is_valid():
        return redirect("campaigns:detail", campaign_id=pick_form.cleaned_data["campaign_id"])

    summaries = []
    summaries_error = ""
    try:
        summaries = campaign_summaries_get()
    except errors.ThuliumError as error:
        summaries_error = thulium_error_message(error)
    # An id that is not one (a slash in it would even break the link) cannot be opened here.
    summaries = [summary for summary in summaries if is_campaign_id(summary.campaign_id)]

    return TemplateResponse(
        request,
        "campaigns/index.html",
        {
            "pick_form": pick_form,
            "summaries": summaries,
            "summaries_error": summaries_error,
            "recent_campaigns": RecentCampaign.objects.for_user(request.user),
        },
    )


@require_GET
@permission_required(roles.can_work_on_campaigns)
def detail(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """One campaign's statuses and a form to open one of its records.

    `?refresh=1` bypasses the statuses cache; an htmx request gets only the statuses partial,
    which is what the Refresh link swaps in. The record form is a GET form to this page: a valid
    identifier redirects to the record's edit page, an invalid one is explained here.
    """
    if not is_campaign_id(campaign_id):
        # Never sent to Thulium: the id is not one, whatever it is.
        return TemplateResponse(
            request,
            "campaigns/detail.html",
            {
                "campaign_id": campaign_id,
                "campaign_id_error": _(
                    "“%(campaign_id)s” is not a campaign id: a campaign id is five letters or "
                    "digits, such as 00001."
                )
                % {"campaign_id": campaign_id[:40]},
            },
            status=404,
        )

    record_form = RecordOpenForm(request.GET if "identifier" in request.GET else None)
    if record_form.is_valid():
        return redirect(
            "campaigns:record_edit",
            campaign_id=campaign_id,
            identifier=record_form.cleaned_data["identifier"],
        )

    search = None
    if "q" in request.GET:
        search = snapshot_records_search(campaign_id=campaign_id, query=request.GET["q"][:100])
        if wants_partial(request) and request.htmx.target == "search-results":
            return page_or_partial(
                request,
                "campaigns/detail.html",
                "search_results",
                {"campaign_id": campaign_id, "search": search},
            )

    snapshot = None
    statuses_error = ""
    status_counts = []
    refresh = request.GET.get("refresh") == "1"
    try:
        snapshot = campaign_statuses_snapshot_get(campaign_id=campaign_id, refresh=refresh)
    except errors.ThuliumError as error:
        statuses_error = thulium_error_message(error, campaign_id=campaign_id)
    else:
        status_counts = campaign_status_counts_get(
            campaign_id=campaign_id, statuses=snapshot.statuses, refresh=refresh
        )
        if not request.htmx:
            # A refresh is not an opening; only whole-page visits count as recent.
            recent_campaign_record(user=request.user, campaign_id=campaign_id)

    return page_or_partial(
        request,
        "campaigns/detail.html",
        "statuses",
        {
            "campaign_id": campaign_id,
            "snapshot": snapshot,
            "status_counts": status_counts,
            "statuses_error": statuses_error,
            "record_form": record_form,
            "search": search,
            **snapshot_context(campaign_id, refused=snapshot_refused_pop(request, campaign_id)),
        },
    )

"""The campaign pages: pick a campaign, then read its statuses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.api_messages import thulium_error_message
from campaigns.forms import CampaignPickForm, is_campaign_id
from campaigns.models import RecentCampaign
from campaigns.services import (
    campaign_statuses_snapshot_get,
    campaign_summaries_get,
    recent_campaign_record,
)
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.thulium import errors


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
def detail(request: HttpRequest, campaign_id: str) -> TemplateResponse:
    """One campaign's statuses. `?refresh=1` bypasses the statuses cache; an htmx request gets
    only the statuses partial, which is what the Refresh link swaps in."""
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

    snapshot = None
    statuses_error = ""
    try:
        snapshot = campaign_statuses_snapshot_get(
            campaign_id=campaign_id, refresh=request.GET.get("refresh") == "1"
        )
    except errors.ThuliumError as error:
        statuses_error = thulium_error_message(error, campaign_id=campaign_id)
    else:
        if not request.htmx:
            # A refresh is not an opening; only whole-page visits count as recent.
            recent_campaign_record(user=request.user, campaign_id=campaign_id)

    template_name = "campaigns/detail.html"
    if request.htmx:
        template_name += "#statuses"
    response = TemplateResponse(
        request,
        template_name,
        {
            "campaign_id": campaign_id,
            "snapshot": snapshot,
            "statuses_error": statuses_error,
        },
    )
    # One URL, two bodies: without this a browser's back button can show the bare fragment.
    patch_vary_headers(response, ("HX-Request",))
    return response

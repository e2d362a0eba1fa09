"""Reading campaigns: the active ones with their progress, and one campaign's statuses and agents.

These are what the dashboard shows before it changes anything, so they only read.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse

from thuladmin.sandbox import shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response
from thuladmin.sandbox.models import OPEN_SYSTEM_STATUSES, Campaign
from thuladmin.sandbox.sql import campaign_lookup


@endpoint("GET")
def stats(request: HttpRequest) -> HttpResponse:
    """Active campaigns with their size and completion (records no longer waiting for a call)."""
    open_records = Q(records__status__isnull=True) | Q(
        records__status__system_status__in=OPEN_SYSTEM_STATUSES
    )
    campaigns = (
        Campaign.objects.filter(active=True)
        .annotate(
            records_count=Count("records", distinct=True),
            open_count=Count("records", filter=open_records, distinct=True),
        )
        .order_by("campaign_id")
    )
    data = [shapes.campaign_stats_json(campaign) for campaign in campaigns]
    return JsonResponse(data, safe=False)


@endpoint("GET")
def statuses(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = campaign_lookup(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    data = [shapes.status_json(status) for status in campaign.statuses.order_by("id")]
    return JsonResponse(data, safe=False)


@endpoint("GET")
def agents(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = campaign_lookup(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    data = [shapes.agent_json(agent) for agent in campaign.agents.order_by("agent_id")]
    return JsonResponse(data, safe=False)

"""The campaign pages: pick a campaign, its statuses and record search, the control that reads
the campaign again now, and the page that explains an address whose campaign id is not one.

One record's pages are in `campaigns.records`.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.converters import is_campaign_id
from campaigns.copies import CampaignCopyState, campaign_copy_state, campaign_copy_touch
from campaigns.fetching import fetched_or_error
from campaigns.forms import CampaignPickForm, RecordOpenForm
from campaigns.models import CampaignSnapshot, RecentCampaign
from campaigns.names import campaign_name_context
from campaigns.reads import CampaignReadRefused, campaign_read_start
from campaigns.records.address import record_address_refused
from campaigns.services import (
    campaign_statuses_snapshot_get,
    campaign_summaries_get,
    recent_campaign_record,
)
from campaigns.snapshots import SnapshotSearch, snapshot_records_search
from campaigns.status_counts import campaign_status_counts_get
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.partials import page_or_partial, wants_partial

DETAIL_TEMPLATE = "campaigns/detail.html"


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

    summaries, summaries_error = fetched_or_error(campaign_summaries_get, default=[])
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
    identifier redirects to the record's edit page, an invalid one is explained here. `?q=`
    searches the campaign's copy; the search form's htmx request gets only the results.
    Every request touches the campaign's copy (`campaign_copy_touch`: its first read starts,
    its refreshes go on while it is in use); `copy` in the context says how current it is.

    A search during the first read answers from the records read so far and says how many
    those are; while it has found nothing and the read goes on (`search_waits`) its region
    asks again every second (htmx, `COPY_POLL_SECONDS`), so the number appears about as soon
    as its page is read, with no step of the supervisor's. Without JavaScript the page reloads
    itself instead.
    """
    record_form = RecordOpenForm(request.GET if "identifier" in request.GET else None)
    if record_form.is_valid():
        return redirect(
            "campaigns:record_edit",
            campaign_id=campaign_id,
            identifier=record_form.cleaned_data["identifier"],
        )

    if "q" in request.GET and wants_partial(request) and request.htmx.target == "search-results":
        copy = campaign_copy_touch(campaign_id=campaign_id, user=request.user)
        search = _search(request, campaign_id)
        return page_or_partial(
            request,
            DETAIL_TEMPLATE,
            "search_results",
            {
                "campaign_id": campaign_id,
                "search": search,
                "copy": copy,
                "search_waits": search_waits(search, copy),
            },
        )

    statuses = _statuses_with_counts(campaign_id, refresh=request.GET.get("refresh") == "1")
    # A campaign Thulium could not show (unknown, or Thulium down) has nothing to read: its
    # copy is only looked at, so Thulium is not asked again for what it just refused.
    if statuses["snapshot"] is not None:
        copy = campaign_copy_touch(campaign_id=campaign_id, user=request.user)
    else:
        copy = campaign_copy_state(campaign_id=campaign_id)
    search = _search(request, campaign_id)
    waits = search_waits(search, copy)
    if statuses["snapshot"] is not None and not request.htmx:
        # A refresh is not an opening; only whole-page visits count as recent.
        recent_campaign_record(user=request.user, campaign_id=campaign_id)

    return page_or_partial(
        request,
        DETAIL_TEMPLATE,
        "statuses",
        {
            "campaign_id": campaign_id,
            **statuses,
            "record_form": record_form,
            "search": search,
            "search_waits": waits,
            **snapshot_context(
                campaign_id, copy=copy, refused=snapshot_refused_pop(request, campaign_id)
            ),
            # Its name, and for admins the form that sets it (`campaigns.names`).
            **campaign_name_context(request, campaign_id),
        },
    )


def search_waits(search: SnapshotSearch | None, copy: CampaignCopyState) -> bool:
    """Whether a search's answer is still coming: it found nothing yet, the campaign has no
    complete copy, and a read is under way (or about to be: nothing refused it). Once the
    number is found, or the read is complete, the answer stands and the page stops asking."""
    if search is None or not search.query or search.complete or search.records:
        return False
    return not copy.refused


def _search(request: HttpRequest, campaign_id: str) -> SnapshotSearch | None:
    """The search `?q=` asks for (None when it asks for none)."""
    if "q" not in request.GET:
        return None
    return snapshot_records_search(campaign_id=campaign_id, query=request.GET["q"][:100])


def _statuses_with_counts(campaign_id: str, *, refresh: bool) -> dict[str, Any]:
    """The campaign's statuses (`snapshot`, None when Thulium could not give them, and then
    `statuses_error` says why) and how many records each holds (`status_counts`)."""
    snapshot, statuses_error = fetched_or_error(
        lambda: campaign_statuses_snapshot_get(campaign_id=campaign_id, refresh=refresh),
        campaign_id=campaign_id,
    )
    status_counts = []
    if snapshot is not None:
        status_counts = campaign_status_counts_get(
            campaign_id=campaign_id, statuses=snapshot.statuses, refresh=refresh
        )
    return {"snapshot": snapshot, "status_counts": status_counts, "statuses_error": statuses_error}


# --- reading the campaign again now ------------------------------------------------------------

# Where a plain (non-htmx) refused POST leaves its reason for the campaign page it redirects
# to, which shows it once, next to the control.
SNAPSHOT_REFUSED_SESSION_KEY = "thuladmin:snapshot-refused"


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
def snapshot(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """How current the campaign's records are (GET: what the progress bar polls while the
    campaign is read), or a full read now (POST: "Read the campaign again now", for the rare
    need: the copy reads itself; a read already running is joined, not doubled). A refused
    read (an unknown campaign, too many reads of this user's) is said next to the control: in
    the fragment for htmx, on the page the plain form is redirected to otherwise. The view
    and its URL keep their older name, `snapshot`; the pages no longer say it."""
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
        return redirect(reverse("campaigns:detail", args=[campaign_id]) + "#campaign-copy")
    return TemplateResponse(
        request,
        f"{DETAIL_TEMPLATE}#snapshot",
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


def snapshot_context(
    campaign_id: str, *, copy: CampaignCopyState | None = None, refused: str = ""
) -> dict[str, Any]:
    """What the control says: how current the copy is (`copy`, read here when not given) and
    whether the last read failed (`latest_snapshot`)."""
    return {
        "campaign_id": campaign_id,
        "copy": copy if copy is not None else campaign_copy_state(campaign_id=campaign_id),
        "latest_snapshot": CampaignSnapshot.objects.latest_for(campaign_id),
        "snapshot_refused": refused,
    }


# --- an address whose campaign id is not one ---------------------------------------------------

_RECORD_ADDRESS = re.compile(r"records/(?P<identifier>[^/]+)/.*")


@permission_required(roles.can_work_on_campaigns)
def not_a_campaign(request: HttpRequest, campaign_id: str, rest: str = "") -> HttpResponse:
    """A 404 that says why: the address's campaign id is not one, whatever it is, so nothing is
    sent to Thulium. Reached only through `<not_campaign_id:…>` (see `campaigns.converters`):
    the campaign's own pages never see such an id. Any method: a form posted to a mistyped
    address gets the same words. A record's address is explained on the record page."""
    error = _(
        "“%(campaign_id)s” is not a campaign id: a campaign id is five letters or digits, "
        "such as 00001."
    ) % {"campaign_id": campaign_id[:40]}
    record = _RECORD_ADDRESS.fullmatch(rest)
    if record is not None:
        return record_address_refused(
            request,
            "campaigns/records/page.html",
            campaign_id=campaign_id,
            identifier=record["identifier"],
            error=error,
        )
    return TemplateResponse(
        request,
        DETAIL_TEMPLATE,
        {"campaign_id": campaign_id, "campaign_id_error": error},
        status=404,
    )

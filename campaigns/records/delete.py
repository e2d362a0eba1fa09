"""Deleting one record: its confirmation page, then one DELETE to Thulium."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from campaigns import services
from campaigns.records.address import record_address_checked
from campaigns.records.page import vary_on_htmx
from campaigns.snapshots import snapshot_record_lookup
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.thulium import errors
from thuladmin.thulium.messages import is_record_in_a_call, record_failure

TEMPLATE = "campaigns/records/delete.html"


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
@record_address_checked(template_name=TEMPLATE, url_name="campaigns:record_delete")
def record_delete(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Delete one record: GET asks for confirmation, POST deletes.

    Success goes back to the campaign page with a message (htmx is told to go there too).
    A failure (the record is in a call, not found, ...) is explained on the confirmation page,
    which an htmx request gets as a fragment.
    """
    context: dict[str, Any] = {
        "campaign_id": campaign_id,
        "identifier": identifier,
        "lookup": snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier),
    }
    if request.method == "POST":
        try:
            services.record_delete(
                user=request.user, campaign_id=campaign_id, identifier=identifier
            )
        except errors.ThuliumError as error:
            context.update(_failure(error, campaign_id=campaign_id, identifier=identifier))
        else:
            return _deleted(request, campaign_id=campaign_id, identifier=identifier)
    template_name = f"{TEMPLATE}#confirm" if request.htmx else TEMPLATE
    return vary_on_htmx(TemplateResponse(request, template_name, context))


def _failure(error: errors.ThuliumError, *, campaign_id: str, identifier: str) -> dict[str, Any]:
    """What the confirmation page says about a refused deletion."""
    return {
        "failure": record_failure(
            error, campaign_id=campaign_id, identifier=identifier, deleting=True
        ),
        "in_call": is_record_in_a_call(error),
        "not_found": isinstance(error, errors.NotFound),
    }


def _deleted(request: HttpRequest, *, campaign_id: str, identifier: str) -> HttpResponse:
    """Back to the campaign page, which says the record is gone."""
    messages.success(
        request,
        _("Record “%(identifier)s” was deleted from campaign %(campaign_id)s.")
        % {"identifier": identifier, "campaign_id": campaign_id},
    )
    detail_url = reverse("campaigns:detail", args=[campaign_id])
    if request.htmx:
        return HttpResponseClientRedirect(detail_url)
    return redirect(detail_url)

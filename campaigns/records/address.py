"""What every record page does first: take the record's identifier from its URL.

The campaign id was checked by the URL pattern (`campaigns.converters`); the identifier is
free-form in Thulium, so it is checked here, by the record form's own rule, before the page
reads anything: one that can never be sent is explained on a 404 page, and one with spaces
around it is sent (GET) to its clean address, so what the page shows is what a link names.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from campaigns.forms import record_identifier_clean


def record_address_open(
    request: HttpRequest, *, template_name: str, url_name: str, campaign_id: str, identifier: str
) -> str | HttpResponse:
    """The identifier from the URL made clean, or the answer to give instead of the page (the
    refusal in `template_name`, or the redirect to the address `url_name` gives it clean)."""
    try:
        clean = record_identifier_clean(identifier)
    except ValidationError as error:
        refusal = _("“%(identifier)s” is not a record identifier: %(reason)s") % {
            "identifier": identifier[:60],
            "reason": " ".join(error.messages),
        }
        return record_address_refused(
            request, template_name, campaign_id=campaign_id, identifier=identifier, error=refusal
        )
    if clean != identifier and request.method == "GET":
        return redirect(url_name, campaign_id=campaign_id, identifier=clean)
    return clean


def record_address_refused(
    request: HttpRequest, template_name: str, *, campaign_id: str, identifier: str, error: str
) -> TemplateResponse:
    """A record page's 404 that says why its address can never be sent to Thulium."""
    return TemplateResponse(
        request,
        template_name,
        {"campaign_id": campaign_id, "identifier": identifier, "address_error": error},
        status=404,
    )

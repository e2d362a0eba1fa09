"""What every record page does first: take the record's identifier from its URL.

The campaign id was checked by the URL pattern (`campaigns.converters`); the identifier is
free-form in Thulium, so it is checked here, by the record form's own rule, before the page
reads anything: one that can never be sent is explained on a 404 page, and one with spaces
around it is sent (GET) to its clean address, so what the page shows is what a link names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from campaigns.forms import record_identifier_clean

RecordView = Callable[[HttpRequest, str, str], HttpResponse]


def record_address_checked(
    *, template_name: str, url_name: str
) -> Callable[[RecordView], RecordView]:
    """A record page's view, given the identifier from its URL clean. One that can never be sent
    gets the refusal in `template_name` instead; one with spaces around it (GET) the redirect to
    the address `url_name` gives it clean. Put below the permission check: who may not open the
    page learns nothing of its address."""

    def decorator(view: RecordView) -> RecordView:
        @functools.wraps(view)
        def checked(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
            try:
                clean = record_identifier_clean(identifier)
            except ValidationError as error:
                refusal = _("“%(identifier)s” is not a record identifier: %(reason)s") % {
                    "identifier": identifier[:60],
                    "reason": " ".join(error.messages),
                }
                return record_address_refused(
                    request,
                    template_name,
                    campaign_id=campaign_id,
                    identifier=identifier,
                    error=refusal,
                )
            if clean != identifier and request.method == "GET":
                return redirect(url_name, campaign_id=campaign_id, identifier=clean)
            return view(request, campaign_id, clean)

        return checked

    return decorator


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

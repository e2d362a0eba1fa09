"""One record, found by the identifier the client gave it: edited (PUT) or deleted (DELETE).

Both answer Thulium's empty 200. The record is locked for the request, so an edit and a delete
of the same record (or two edits) are applied one after the other, never interleaved.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from thuladmin.sandbox import shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response
from thuladmin.sandbox.models import Campaign, Record
from thuladmin.sandbox.sql import campaign_lookup, sandbox_connection
from thuladmin.sandbox.validation import json_object, validate_update


@endpoint("PUT", "DELETE")
def record_by_identifier(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Edit (PUT) or delete (DELETE) one record; a record in a call is never deleted (409)."""
    with transaction.atomic(using=sandbox_connection().alias):
        campaign = campaign_lookup(campaign_id)
        if campaign is None:
            return error_response(request, "campaign_not_found")
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("status")
            .filter(campaign=campaign, identifier=identifier)
            .first()
        )
        if record is None:
            return error_response(request, "record_not_found")
        if request.method == "PUT":
            return _record_update(request, campaign, record)
        if record.in_call:
            return error_response(request, "record_in_call")
        record.delete()
        return shapes.empty_ok()


def _record_update(request: HttpRequest, campaign: Campaign, record: Record) -> HttpResponse:
    """Apply the body's changes (see `validation.validate_update`), or none if any is wrong.

    Only the changed columns are written; a body that changes nothing still answers 200.
    """
    body = json_object(request)
    if isinstance(body, HttpResponse):
        return body
    errors, changes = validate_update(body, record, campaign)
    if errors:
        return error_response(request, *errors)
    for field, value in changes.items():
        setattr(record, field, value)
    if changes:
        record.save(update_fields=list(changes))
    return shapes.empty_ok()

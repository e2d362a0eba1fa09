"""Setting a status on every record with a phone number, in every campaign at once.

This is how a "do not call" request reaches all of a number's campaigns in one call. The
contract leaves most of it open; `status_by_phone_number`'s docstring says what the sandbox does.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from thuladmin.sandbox import shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response
from thuladmin.sandbox.models import Record, Status, SystemStatus
from thuladmin.sandbox.sql import sandbox_connection
from thuladmin.sandbox.validation import json_object, validate_status_by_phone

# System statuses that need an agent and/or a date, which a status set by number cannot give.
STATUSES_NEEDING_DETAILS = frozenset({SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN})


@endpoint("POST")
def status_by_phone_number(request: HttpRequest) -> HttpResponse:
    """Set a status, given as a *dictionary* status id, on every record with this main number in
    every campaign (active or not); answer the ids of the campaigns whose records were set.

    What the contract leaves open, the sandbox decides as follows:
    - A campaign maps the dictionary status to one of its own statuses (the first, by creation
      order, if it has several); campaigns without such a status are left alone and not listed.
    - A dictionary status that no campaign has is a 400, like an unknown `status_id` in the PUT.
    - A dictionary status that is MY_RECORD or CALL_NO_SOONER_THAN in any campaign is a 400: those
      need an agent or a date (see the PUT's rules), which this request cannot carry.
    - A record already in the status counts as set: sending the request again answers the same
      list, so a client may safely repeat it. Records in a call are set too (the PUT allows it).
    - Additional numbers are not searched; the number must match exactly, as stored.
    - The record's `dictionary_status_id` becomes the one given, with its status.
    """
    body = json_object(request)
    if isinstance(body, HttpResponse):
        return body
    errors, phone_number, dictionary_status_id = validate_status_by_phone(body)
    with transaction.atomic(using=sandbox_connection().alias):
        target_statuses: dict[str, Status] = {}
        if dictionary_status_id is not None:
            for status in Status.objects.filter(dictionary_status_id=dictionary_status_id).order_by(
                "campaign_id", "id"
            ):
                target_statuses.setdefault(status.campaign_id, status)
            if not target_statuses:
                errors.append("dictionary_status_not_found")
            errors.extend(
                (
                    "dictionary_status_needs_details",
                    {
                        "dictionary_status_id": dictionary_status_id,
                        "system_status": status.system_status,
                        "campaign_id": campaign_id,
                    },
                )
                for campaign_id, status in target_statuses.items()
                if status.system_status in STATUSES_NEEDING_DETAILS
            )
        if errors:
            return error_response(request, *errors)
        updated = []
        for campaign_id, status in target_statuses.items():
            # One UPDATE per campaign, through the (campaign, phone_number) index.
            count = Record.objects.filter(
                campaign_id=campaign_id, phone_number=phone_number
            ).update(status=status, dictionary_status_id=dictionary_status_id)
            if count:
                updated.append(campaign_id)
    return JsonResponse(shapes.campaigns_set_json(updated))

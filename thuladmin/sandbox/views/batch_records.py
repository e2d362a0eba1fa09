"""Deleting a campaign's records by phone number, many numbers in one request.

The numbers come in the query string (`phone_number[]`), so a long list must be split by the
client (the URL length limit is `thuladmin.sandbox.endpoint`'s). Each number gets its own
outcomes in the answer; the request itself is 200.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse

from thuladmin.sandbox import shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response
from thuladmin.sandbox.models import Record
from thuladmin.sandbox.sql import (
    campaign_lookup,
    records_delete,
    records_with_numbers,
    sandbox_connection,
)


@endpoint("DELETE")
def batch_records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Remove every record found for each number, sparing records in a call.

    One query fetches all candidates, one statement per 500 ids deletes them, all in one
    transaction; the numbers are then walked in the order sent, as Thulium would, so a record
    matched by two numbers (main and additional) is removed for the first and is gone for the
    second. Each number's records are listed newest first, like the documented example.
    """
    numbers = list(dict.fromkeys(request.GET.getlist("phone_number[]")))
    if not numbers:
        return error_response(request, "phone_number_required")
    search_additional = request.GET.get("search_in_additional_numbers", "").lower() in {
        "true",
        "1",
    }
    wanted = set(numbers)
    with transaction.atomic(using=sandbox_connection().alias):
        campaign = campaign_lookup(campaign_id)
        if campaign is None:
            return error_response(request, "campaign_not_found")
        found: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        if search_additional:
            # JSON containment is not portable (SQLite lacks it), so fetch the few records that
            # have additional numbers at all and match those in Python.
            rows = (
                Record.objects.select_for_update()
                .filter(Q(phone_number__in=numbers) | ~Q(additional_numbers=[]), campaign=campaign)
                .order_by()
                .values_list("record_id", "phone_number", "additional_numbers", "in_call")
            )
            for record_id, phone_number, additional, in_call in rows:
                keys = {phone_number}
                if isinstance(additional, list):
                    keys.update(str(number) for number in additional)
                for key in keys & wanted:
                    found[key].append((record_id, in_call))
        else:
            for record_id, phone_number, in_call in records_with_numbers(campaign, numbers):
                found[phone_number].append((record_id, in_call))

        for entries in found.values():
            entries.sort(reverse=True)  # newest record first
        removed: set[int] = set()
        to_delete: list[int] = []
        result: dict[str, list[dict[str, Any]]] = {}
        for number in numbers:
            outcomes: list[dict[str, Any]] = []
            for record_id, in_call in found.get(number, ()):
                if record_id in removed:
                    continue
                if in_call:
                    outcomes.append(shapes.batch_record_in_call_json(record_id))
                else:
                    removed.add(record_id)
                    to_delete.append(record_id)
                    outcomes.append(shapes.batch_record_removed_json(record_id))
            result[number] = outcomes or shapes.batch_number_not_found_json()
        records_delete(to_delete)
    return JsonResponse(result)

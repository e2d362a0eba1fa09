"""A campaign's records: one page of them, filtered (GET), or one record added (POST).

The list is what a client copying a whole campaign asks for page after page, so its reads are
`thuladmin.sandbox.records_index`'s; this module turns the query string into a filter and the
answer into a page.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from thuladmin.sandbox import records_index, shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import ErrorItem, error_response
from thuladmin.sandbox.models import Campaign, Record, SystemStatus
from thuladmin.sandbox.sql import campaign_lookup, sandbox_connection
from thuladmin.sandbox.validation import json_object, validate_create

MAX_PAGE_SIZE = 100
PAGING_INT_RE = re.compile(r"\d{1,9}")
FILTER_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@endpoint("GET", "POST")
def records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """GET: one page of a campaign's records; POST: add one record (see `_record_create`)."""
    if request.method == "POST":
        return _record_create(request, campaign_id)
    return _records_page(request, campaign_id)


# --- the list ------------------------------------------------------------------------------------


def _records_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """One page of a campaign's records in the order they were added, and `count`, the number
    of records matching the filters.

    Every problem with the query is reported at once; `limit` above 100 is refused, not
    silently capped. The ids matching the filters come from `records_index` (kept between
    requests while the campaign's records do not change), so a page deep into the campaign is
    a slice of them and 100 lookups by id, and `count` is their number: no OFFSET walk, no
    COUNT over the campaign. See bench/sandbox_records.py and bench/snapshot.py.
    """
    campaign = campaign_lookup(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    errors: list[ErrorItem] = []
    limit = _paging_param(request, "limit", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    offset = _paging_param(request, "offset", 0, 0, 999_999_999, errors)
    condition, can_match = _records_filter(request, campaign, errors)
    if errors:
        return error_response(request, *errors)
    if not can_match:
        return JsonResponse({"count": 0, "result": []})
    matching = records_index.matching_record_ids(campaign_id=campaign.pk, condition=condition)
    page_ids = matching[offset : offset + limit].tolist()
    rows = records_index.page_rows(page_ids)
    statuses, agent_names = records_index.page_names(campaign.pk)
    return JsonResponse(
        shapes.records_page_json(
            count=len(matching), rows=rows, statuses=statuses, agent_names=agent_names
        )
    )


def _paging_param(
    request: HttpRequest, name: str, default: int, low: int, high: int, errors: list[ErrorItem]
) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if PAGING_INT_RE.fullmatch(raw) and low <= int(raw) <= high:
        return int(raw)
    errors.append(("invalid_paging", {"param": name, "low": low, "high": high}))
    return default


def _day_param(request: HttpRequest, name: str, errors: list[ErrorItem]) -> date | None:
    """A `YYYY-MM-DD` filter; empty means "not given" (an empty form field), anything else
    that is not a real day is a 400."""
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    try:
        if not FILTER_DATE_RE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(("invalid_date_param", {"param": name}))
        return None


def _start_of_day(day: date) -> datetime:
    """Midnight of `day` in the sandbox's time zone, the one its answers write dates in."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _records_filter(
    request: HttpRequest, campaign: Campaign, errors: list[ErrorItem]
) -> tuple[Q, bool]:
    """The documented filters as one Q on Record, plus whether they can match anything at all.

    Status filters are resolved to the campaign's status primary keys first (a campaign has a
    dozen statuses), so the records query needs no join and stays on the (campaign, status,
    record_id) index. Several values of one filter are alternatives; different filters all
    apply. Dates are whole days, both ends included, in the sandbox's time zone.
    """
    condition = Q(campaign=campaign)
    status_ids = [value.strip() for value in request.GET.getlist("status_id[]") if value.strip()]
    system_statuses = [value for value in request.GET.getlist("system_status[]") if value]
    known = set(SystemStatus.values)
    errors.extend(
        ("unknown_system_status", {"value": value[:40]})
        for value in dict.fromkeys(system_statuses)
        if value not in known
    )
    can_match = True
    if status_ids or system_statuses:
        statuses = campaign.statuses.all()
        if status_ids:
            statuses = statuses.filter(status_id__in=status_ids)
        if system_statuses:
            statuses = statuses.filter(system_status__in=system_statuses)
        status_pks = list(statuses.values_list("pk", flat=True))
        can_match = bool(status_pks)
        condition &= Q(status__in=status_pks)
    for name in ("create_date", "call_date"):
        lower = _day_param(request, f"{name}_from", errors)
        upper = _day_param(request, f"{name}_to", errors)
        # Days at the calendar's ends have no midnight in every time zone: no bound there.
        if lower is not None and lower > date.min + timedelta(days=1):
            condition &= Q(**{f"{name}__gte": _start_of_day(lower)})
        if upper is not None and upper < date.max - timedelta(days=1):
            condition &= Q(**{f"{name}__lt": _start_of_day(upper + timedelta(days=1))})
        if lower is not None and upper is not None and lower > upper:
            can_match = False
    return condition, can_match


# --- adding a record -----------------------------------------------------------------------------


def _record_create(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Add one record to a campaign (POST outbounds/:id/records).

    Thulium documents the request but not the answer; the sandbox answers 201 with
    `{"record_id": <int>, "identifier": "<text>"}`, so a client must also cope with less (an
    empty body). Its own choices where the contract is silent:
    - Without `status_id` the record gets the campaign's first TO_CALL status (a freshly added
      record is "to be called"); without `identifier`, a new unique ten-digit one.
    - A main phone number already in the campaign is refused (400), as the contract says; so
      is an identifier already in the campaign (identifiers are unique per campaign).
    - `dictionary_status_id` is stored as given, as in the PUT; `order` defaults to 0.
    Creations in one campaign are serialised (the campaign row is locked), so two requests
    with the same number cannot both pass the duplicate check.
    """
    body = json_object(request)
    if isinstance(body, HttpResponse):
        return body
    with transaction.atomic(using=sandbox_connection().alias):
        campaign = Campaign.objects.select_for_update().filter(campaign_id=campaign_id).first()
        if campaign is None:
            return error_response(request, "campaign_not_found")
        errors, fields = validate_create(body, campaign)
        records = Record.objects.filter(campaign=campaign)
        phone_number = fields.get("phone_number")
        if phone_number and records.filter(phone_number=phone_number).exists():
            errors.append(("duplicate_phone_number", {"phone_number": phone_number}))
        identifier = fields.get("identifier")
        if identifier and records.filter(identifier=identifier).exists():
            errors.append(("duplicate_identifier", {"identifier": identifier[:64]}))
        if errors:
            return error_response(request, *errors)
        if "status" not in fields:
            fields["status"] = (
                campaign.statuses.filter(system_status=SystemStatus.TO_CALL).order_by("id").first()
            )
        if identifier is None:
            fields["identifier"] = _new_identifier(campaign)
        record = Record.objects.create(campaign=campaign, **fields)
    return JsonResponse(shapes.record_created_json(record), status=201)


def _new_identifier(campaign: Campaign) -> str:
    while True:
        identifier = str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
        if not Record.objects.filter(campaign=campaign, identifier=identifier).exists():
            return identifier

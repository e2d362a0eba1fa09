"""The sandbox's HTTP API: the documented Thulium endpoints, served from the sandbox models.

The dashboard's client talks to these over real HTTP exactly as it would to Thulium, so the
sandbox copies Thulium's observable behaviour (Basic auth, error body shape, `""` for empty
values, empty success bodies, long-URL refusal) and fills the undocumented gaps with the answers
a client must be ready for. Every view goes through `endpoint`, which adds the parts a real
server has around the application: URL length limit, authentication, method check, faults.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from thuladmin.accounts.client_ip import client_ip_address
from thuladmin.sandbox import faults, records_index
from thuladmin.sandbox.errors import error_response, message
from thuladmin.sandbox.models import (
    OPEN_SYSTEM_STATUSES,
    Campaign,
    Customer,
    Record,
    Status,
    SystemStatus,
)
from thuladmin.sandbox.throttling import (
    cooloff_seconds,
    sandbox_login_failure_record,
    sandbox_login_locked,
)

View = Callable[..., HttpResponse]
# One error of a response: an `errors.ERRORS` key, or (key, params) for its placeholders.
ErrorItem = str | tuple[str, dict[str, object]]

# Real front-end servers refuse long request lines (nginx's default buffer is 8 KiB); the
# batch endpoints carry their items in the query string, so a client must split long lists.
MAX_QUERY_STRING_BYTES = 8192
MAX_PAGE_SIZE = 100
# Deleting in chunks keeps each statement under every database's bound-parameter limit.
DELETE_CHUNK = 500
DATE_OUT_FORMAT = "%Y-%m-%d %H:%M:%S"
NEXT_CALL_DATE_FORMAT = "%Y-%m-%d %H:%M"
NEXT_CALL_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
CUSTOMER_ID_RE = re.compile(r"\d{1,18}")
PAGING_INT_RE = re.compile(r"\d{1,9}")
PHONE_NUMBER_RE = re.compile(r"\+?\d{3,20}")
DICTIONARY_STATUS_ID_RE = re.compile(r"\d{1,9}")
STATUS_BY_PHONE_FIELDS = frozenset({"phone_number", "status_id"})
# System statuses that need an agent and/or a date, which a status set by number cannot give.
STATUSES_NEEDING_DETAILS = frozenset({SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN})
PUT_FIELDS = frozenset(
    {"status_id", "dictionary_status_id", "agent_login", "record_fields", "next_call_date"}
)
POST_RECORD_FIELDS = PUT_FIELDS | {"phone_number", "identifier", "order"}
FILTER_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_IDENTIFIER_LENGTH = 64


# --- plumbing ----------------------------------------------------------------------------------


def _query_string_bytes(request: HttpRequest) -> int:
    query = request.META.get("QUERY_STRING", "")
    try:
        return len(query.encode("latin-1"))  # WSGI hands over the raw bytes as latin-1
    except UnicodeEncodeError:
        return len(query.encode("utf-8", errors="replace"))


def _authenticated(request: HttpRequest) -> bool:
    """HTTP Basic against THULIUM_USER/THULIUM_PASSWORD, compared in constant time.

    With no user configured nothing is accepted: blank credentials must not open the sandbox.
    """
    expected_user = (settings.THULIUM_USER or "").encode()
    expected_password = (settings.THULIUM_PASSWORD or "").encode()
    if not expected_user:
        return False
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    user, separator, password = decoded.partition(b":")
    user_ok = hmac.compare_digest(user, expected_user)
    password_ok = hmac.compare_digest(password, expected_password)
    return bool(separator) and user_ok and password_ok


def endpoint(*methods: str) -> Callable[[View], View]:
    """Wrap a view with what stands between a client and Thulium's application code.

    Order: URL length (a proxy refuses before anyone looks at credentials), Basic auth (wrong
    credentials get 429 from an address that failed too often, else 401 and count; the right
    ones always pass, see `thuladmin.sandbox.throttling`), base latency and injected 429/5xx
    (never applying the change), method check, the view itself, then the injected slowness
    (after the view committed its change).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _query_string_bytes(request) > MAX_QUERY_STRING_BYTES:
                return error_response(request, "uri_too_long")
            if not _authenticated(request):
                # Only wrong credentials are throttled: a stranger's failures from the address
                # the dashboard shares (127.0.0.1) must not lock the dashboard out of its sandbox.
                address = client_ip_address(request) or "unknown"
                if sandbox_login_locked(address=address):
                    response = error_response(request, "too_many_failed_logins")
                    response["Retry-After"] = str(cooloff_seconds())
                    return response
                sandbox_login_failure_record(address=address)
                response = error_response(request, "bad_credentials")
                response["WWW-Authenticate"] = 'Basic realm="Thulium"'
                return response
            fault = faults.before_handling(request)
            if fault is not None:
                return fault
            if methods and request.method not in methods:
                response = error_response(request, "method_not_allowed")
                response["Allow"] = ", ".join(methods)
            else:
                response = view(request, *args, **kwargs)
            faults.after_handling()
            return response

        return login_not_required(csrf_exempt(wrapper))

    return decorate


def _empty_ok() -> HttpResponse:
    """Thulium's success answer for PUT and single DELETE: status 200, nothing in the body."""
    return HttpResponse(b"", status=200, content_type="application/json")


def _json_object(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The request's JSON body as a dict, or the 400 Thulium gives for anything else."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return error_response(request, "invalid_json")
    if not isinstance(body, dict):
        return error_response(request, "body_not_object")
    return body


def _campaign(campaign_id: str) -> Campaign | None:
    """The campaign, read in SQL: every request names one, and building the ORM query cost a
    page of the records list (bench/snapshot.py asks for 1,000 of them) more than its rows."""
    connection = _sandbox_connection()
    table = connection.ops.quote_name(Campaign._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT campaign_id, name, active FROM {table} WHERE campaign_id = %s",  # noqa: S608
            [campaign_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Campaign.from_db(
        connection.alias, ["campaign_id", "name", "active"], [row[0], row[1], bool(row[2])]
    )


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- read-only endpoints -----------------------------------------------------------------------


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
    data = []
    for campaign in campaigns:
        total = campaign.records_count
        done = total - campaign.open_count
        data.append(
            {
                "id": campaign.campaign_id,
                "records_count": total,
                "completion_percent": round(100 * done / total, 2) if total else 0.0,
            }
        )
    return JsonResponse(data, safe=False)


@endpoint("GET")
def statuses(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    data = [
        {
            "system_status": status.system_status,
            "status_id": status.status_id,
            "dictionary_status_id": status.dictionary_status_id,
            "name": status.name,
        }
        for status in campaign.statuses.order_by("id")
    ]
    return JsonResponse(data, safe=False)


@endpoint("GET")
def agents(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    data = [
        {
            "login": agent.login,
            "number": agent.number,
            "active": agent.active,
            "active_in_outbound": agent.active_in_outbound,
            "agent_id": agent.agent_id,
        }
        for agent in campaign.agents.order_by("agent_id")
    ]
    return JsonResponse(data, safe=False)


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


@endpoint("GET", "POST")
def records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """GET: one page of a campaign's records; POST: add one record (see `_record_create`)."""
    if request.method == "POST":
        return _record_create(request, campaign_id)
    return _records_page(request, campaign_id)


def _records_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """One page of a campaign's records in the order they were added, and `count`, the number
    of records matching the filters.

    Every problem with the query is reported at once; `limit` above 100 is refused, not
    silently capped. The ids matching the filters come from `records_index` (kept between
    requests while the campaign's records do not change), so a page deep into the campaign is
    a slice of them and 100 lookups by id, and `count` is their number: no OFFSET walk, no
    COUNT over the campaign. See bench/sandbox_records.py and bench/snapshot.py.
    """
    campaign = _campaign(campaign_id)
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
    no_status = ("", "", "")
    zone = timezone.get_current_timezone()

    def out(value: datetime | None) -> str:
        return value.astimezone(zone).strftime(DATE_OUT_FORMAT) if value else ""

    result = []
    for (
        record_id,
        phone_number,
        status_pk,
        call_date,
        create_date,
        next_call_date,
        agent_login,
        last_note,
        identifier,
        order,
    ) in rows:
        system_status, status_name, status_id = statuses.get(status_pk, no_status)
        result.append(
            {
                "record_id": record_id,
                "phone_number": phone_number,
                "system_status": system_status,
                "status": status_name,
                "status_id": status_id,
                "call_date": out(call_date),
                "create_date": out(create_date),
                "next_call_date": out(next_call_date),
                "agent_name": agent_names.get(agent_login, "") if agent_login else "",
                "agent_login": agent_login,
                "last_note": last_note,
                "identifier": identifier,
                "order": order,
            }
        )
    return JsonResponse({"count": len(matching), "result": result})


@endpoint("GET")
def customer(request: HttpRequest, customer_id: str) -> HttpResponse:
    found = (
        Customer.objects.filter(pk=int(customer_id)).first()
        if CUSTOMER_ID_RE.fullmatch(customer_id)
        else None
    )
    if found is None:
        return error_response(request, "customer_not_found")
    return JsonResponse(
        {
            "customer_id": found.customer_id,
            "name": found.name,
            "surname": found.surname,
            "phone_number": found.phone_number,
            "phone_numbers": found.phone_numbers,
            "email": found.email,
            "company_id": found.company_id,
            "company_name": found.company_name,
            "identifier": found.identifier,
        }
    )


# --- one record --------------------------------------------------------------------------------


def _validate_update(
    body: dict[str, Any], record: Record, campaign: Campaign
) -> tuple[list[ErrorItem], dict[str, Any]]:
    """Check a PUT body against the campaign; return (errors, changes to apply).

    Every problem is reported at once (the error body holds a list), so a supervisor fixing a
    request sees all of them. The MY_RECORD / CALL_NO_SOONER_THAN rules apply when a request sets
    such a status: the agent and date must then come in this very request. A request that only
    touches, say, the record's fields leaves the status (and its agent and date) as they are.
    """
    errors: list[ErrorItem] = []
    changes: dict[str, Any] = {}
    errors.extend(("unknown_field", {"field": field}) for field in sorted(set(body) - PUT_FIELDS))

    status: Status | None = record.status
    status_ok = True
    if "status_id" in body:
        value = body["status_id"]
        if isinstance(value, bool) or not isinstance(value, str | int):
            errors.append("invalid_status_id")
            status_ok = False
        else:
            status = campaign.statuses.filter(status_id=str(value).strip()).first()
            if status is None:
                errors.append("status_not_found")
                status_ok = False
            else:
                changes["status"] = status

    if "dictionary_status_id" in body:
        value = body["dictionary_status_id"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            errors.append("invalid_dictionary_status_id")
        else:
            changes["dictionary_status_id"] = value

    if "agent_login" in body:
        value = body["agent_login"]
        if isinstance(value, str) and campaign.agents.filter(login=value).exists():
            changes["agent_login"] = value
        else:
            errors.append("agent_not_found")

    if "record_fields" in body:
        value = body["record_fields"]
        if isinstance(value, dict) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
        ):
            changes["record_fields"] = {**record.record_fields, **value}
        else:
            errors.append("invalid_record_fields")

    if "next_call_date" in body:
        value = body["next_call_date"]
        parsed = None
        if isinstance(value, str) and NEXT_CALL_DATE_RE.fullmatch(value):
            try:
                parsed = datetime.strptime(value, NEXT_CALL_DATE_FORMAT)
            except ValueError:
                parsed = None
        if parsed is None:
            errors.append("wrong_date_format")
        else:
            changes["next_call_date"] = timezone.make_aware(parsed)

    if status_ok and status is not None and "status_id" in body:
        system_status = status.system_status
        if system_status == SystemStatus.MY_RECORD and "agent_login" not in body:
            errors.append(("agent_required", {"status": system_status}))
        if (
            system_status in {SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN}
            and "next_call_date" not in body
        ):
            errors.append(("next_call_date_required", {"status": system_status}))
    return errors, changes


def _update_record(request: HttpRequest, campaign: Campaign, record: Record) -> HttpResponse:
    body = _json_object(request)
    if isinstance(body, HttpResponse):
        return body
    errors, changes = _validate_update(body, record, campaign)
    if errors:
        return error_response(request, *errors)
    for field, value in changes.items():
        setattr(record, field, value)
    if changes:
        record.save(update_fields=list(changes))
    return _empty_ok()


@endpoint("PUT", "DELETE")
def record_by_identifier(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Edit (PUT) or delete (DELETE) one record; a record in a call is never deleted (409)."""
    with transaction.atomic(using=_sandbox_connection().alias):
        campaign = _campaign(campaign_id)
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
            return _update_record(request, campaign, record)
        if record.in_call:
            return error_response(request, "record_in_call")
        record.delete()
        return _empty_ok()


def _phone_number_field(body: dict[str, Any], errors: list[ErrorItem]) -> str:
    """The body's `phone_number` (text or, loosely, an integer), or "" with an error added."""
    value = body.get("phone_number")
    if value is None or value == "":
        errors.append(("field_required", {"field": "phone_number"}))
        return ""
    text = "" if isinstance(value, bool) or not isinstance(value, str | int) else str(value).strip()
    if not PHONE_NUMBER_RE.fullmatch(text):
        errors.append("invalid_phone_number")
        return ""
    return text


# --- adding a record ---------------------------------------------------------------------------


def _validate_create(
    body: dict[str, Any], campaign: Campaign
) -> tuple[list[ErrorItem], dict[str, Any]]:
    """Check a POST body; return (errors, the new record's fields).

    The fields the PUT also takes are checked by the PUT's rules, on a blank record (so
    MY_RECORD needs `agent_login` and `next_call_date`, CALL_NO_SOONER_THAN `next_call_date`).
    """
    errors: list[ErrorItem] = [
        ("unknown_field", {"field": field}) for field in sorted(set(body) - POST_RECORD_FIELDS)
    ]
    fields: dict[str, Any] = {}
    phone_number = _phone_number_field(body, errors)
    if phone_number:
        fields["phone_number"] = phone_number

    if body.get("identifier") not in (None, ""):
        value = body["identifier"]
        text = str(value).strip() if isinstance(value, str | int) else ""
        if (
            isinstance(value, bool)
            or not text
            or len(text) > MAX_IDENTIFIER_LENGTH
            or text in {".", ".."}
            or "/" in text
            or "\\" in text
            or not text.isprintable()
        ):
            errors.append("invalid_identifier")
        else:
            fields["identifier"] = text

    if "order" in body:
        value = body["order"]
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
            errors.append("invalid_order")
        else:
            fields["order"] = value

    blank = Record(campaign=campaign, status=None, record_fields={})
    shared = {key: value for key, value in body.items() if key in PUT_FIELDS}
    update_errors, changes = _validate_update(shared, blank, campaign)
    errors.extend(update_errors)
    fields.update(changes)
    return errors, fields


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
    body = _json_object(request)
    if isinstance(body, HttpResponse):
        return body
    with transaction.atomic(using=_sandbox_connection().alias):
        campaign = Campaign.objects.select_for_update().filter(campaign_id=campaign_id).first()
        if campaign is None:
            return error_response(request, "campaign_not_found")
        errors, fields = _validate_create(body, campaign)
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
    return JsonResponse(
        {"record_id": record.record_id, "identifier": record.identifier}, status=201
    )


def _new_identifier(campaign: Campaign) -> str:
    while True:
        identifier = str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
        if not Record.objects.filter(campaign=campaign, identifier=identifier).exists():
            return identifier


# --- every campaign at once --------------------------------------------------------------------


def _validate_status_by_phone(body: dict[str, Any]) -> tuple[list[ErrorItem], str, int | None]:
    """Check the body of `status_by_phone_number`; return (errors, phone number, dictionary id).

    Types are loose as in Thulium's answers: the number and the id may come as text or integer.
    """
    errors: list[ErrorItem] = [
        ("unknown_field", {"field": field}) for field in sorted(set(body) - STATUS_BY_PHONE_FIELDS)
    ]
    phone_number = _phone_number_field(body, errors)
    dictionary_status_id = None
    value = body.get("status_id")
    if value is None or value == "":
        errors.append(("field_required", {"field": "status_id"}))
    elif (
        isinstance(value, bool)
        or not isinstance(value, str | int)
        or not DICTIONARY_STATUS_ID_RE.fullmatch(str(value).strip())
    ):
        errors.append("invalid_status_id")
    else:
        dictionary_status_id = int(str(value).strip())
    return errors, phone_number, dictionary_status_id


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
    body = _json_object(request)
    if isinstance(body, HttpResponse):
        return body
    errors, phone_number, dictionary_status_id = _validate_status_by_phone(body)
    with transaction.atomic(using=_sandbox_connection().alias):
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
    return JsonResponse({"outbound_id": updated})


# --- batch endpoints ---------------------------------------------------------------------------


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
    with transaction.atomic(using=_sandbox_connection().alias):
        campaign = _campaign(campaign_id)
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
            for record_id, phone_number, in_call in _records_with_numbers(campaign, numbers):
                found[phone_number].append((record_id, in_call))

        for entries in found.values():
            entries.sort(reverse=True)  # newest record first
        removed: set[int] = set()
        to_delete: list[int] = []
        result: dict[str, list[dict[str, Any]]] = {}
        for number in numbers:
            entries: list[dict[str, Any]] = []
            for record_id, in_call in found.get(number, ()):
                if record_id in removed:
                    continue
                if in_call:
                    entries.append(
                        {"http_status": 409, "record_id": record_id, "status": "CALL_IN_PROGRESS"}
                    )
                else:
                    removed.add(record_id)
                    to_delete.append(record_id)
                    entries.append(
                        {"http_status": 200, "record_id": record_id, "status": "REMOVED"}
                    )
            result[number] = entries or [{"http_status": 404, "status": "NOT_EXIST"}]
        _records_delete(to_delete)
    return JsonResponse(result)


# A batch request carries a few hundred numbers, and for `phone_number__in` / `pk__in` with that
# many values the ORM's per-value work costs the sandbox more than the database does; these two
# statements are the sandbox's hottest, so they are written in SQL. Only the quoted table name
# and `%s` placeholders are formatted into them; every value is a parameter.


def _records_with_numbers(campaign: Campaign, numbers: list[str]) -> list[tuple[int, str, bool]]:
    """(record_id, phone_number, in_call) of the campaign's records with one of these numbers.

    No ORDER BY: with one, SQLite walks every record of the campaign in id order instead of
    looking the numbers up in the (campaign, phone_number) index.
    """
    connection = _sandbox_connection()
    table = connection.ops.quote_name(Record._meta.db_table)
    # Locked like select_for_update() would: a concurrent batch waits, then finds them gone.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows: list[tuple[int, str, bool]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(numbers, DELETE_CHUNK):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT record_id, phone_number, in_call FROM {table} "  # noqa: S608
                f"WHERE campaign_id = %s AND phone_number IN ({placeholders}){lock}",
                [campaign.pk, *chunk],
            )
            rows.extend(
                (record_id, phone_number, bool(in_call))
                for record_id, phone_number, in_call in cursor.fetchall()
            )
    return rows


def _records_delete(record_ids: list[int]) -> None:
    connection = _sandbox_connection()
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in _chunks(record_ids, DELETE_CHUNK):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {table} WHERE record_id IN ({placeholders})",  # noqa: S608
                chunk,
            )


def _sandbox_connection() -> BaseDatabaseWrapper:
    """The connection the sandbox's data lives on (a database of its own, if it has one)."""
    return connections[router.db_for_write(Record)]


@endpoint("DELETE")
def batch_customers(request: HttpRequest) -> HttpResponse:
    """Delete customers by id; each id (as sent) gets its own outcome, the request itself is 200."""
    raw_ids = list(dict.fromkeys(request.GET.getlist("customer_id[]")))
    if not raw_ids:
        return error_response(request, "customer_id_required")
    parsed = {raw: int(raw) for raw in raw_ids if CUSTOMER_ID_RE.fullmatch(raw)}
    result: dict[str, dict[str, Any]] = {}
    with transaction.atomic(using=_sandbox_connection().alias):
        existing = set(
            Customer.objects.select_for_update()
            .filter(pk__in=set(parsed.values()))
            .values_list("pk", flat=True)
        )
        deleted: set[int] = set()
        for raw in raw_ids:
            customer_id = parsed.get(raw)
            if customer_id is None:
                result[raw] = {
                    "http_status": 400,
                    "message": message(request, "invalid_customer_id"),
                }
            elif customer_id in existing and customer_id not in deleted:
                deleted.add(customer_id)
                result[raw] = {"http_status": 204}
            else:
                result[raw] = {
                    "http_status": 404,
                    "message": message(request, "customer_not_found"),
                }
        for chunk in _chunks(sorted(deleted), DELETE_CHUNK):
            Customer.objects.filter(pk__in=chunk).delete()
    return JsonResponse(result)


@endpoint()
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under the sandbox: a JSON 404, as an API gives, not Django's HTML page."""
    return error_response(request, "not_found")

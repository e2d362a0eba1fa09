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
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
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
from thuladmin.sandbox import faults
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
PUT_FIELDS = frozenset(
    {"status_id", "dictionary_status_id", "agent_login", "record_fields", "next_call_date"}
)


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

    Order: URL length (a proxy refuses before anyone looks at credentials), the lockout of an
    address that failed to log in too often (429), Basic auth (a failure counts), base
    latency and injected 429/5xx (never applying the change), method check, the view itself,
    then the injected slowness (after the view committed its change).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _query_string_bytes(request) > MAX_QUERY_STRING_BYTES:
                return error_response(request, "uri_too_long")
            address = client_ip_address(request) or "unknown"
            if sandbox_login_locked(address=address):
                response = error_response(request, "too_many_failed_logins")
                response["Retry-After"] = str(cooloff_seconds())
                return response
            if not _authenticated(request):
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


def _date(value: datetime | None) -> str:
    return timezone.localtime(value).strftime(DATE_OUT_FORMAT) if value else ""


def _campaign(campaign_id: str) -> Campaign | None:
    return Campaign.objects.filter(campaign_id=campaign_id).first()


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
    request: HttpRequest, name: str, default: int, low: int, high: int
) -> int | HttpResponse:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if PAGING_INT_RE.fullmatch(raw) and low <= int(raw) <= high:
        return int(raw)
    return error_response(request, ("invalid_paging", {"param": name, "low": low, "high": high}))


@endpoint("GET")
def records(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """One page of a campaign's records; `limit` above 100 is refused, not silently capped."""
    campaign = _campaign(campaign_id)
    if campaign is None:
        return error_response(request, "campaign_not_found")
    limit = _paging_param(request, "limit", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if isinstance(limit, HttpResponse):
        return limit
    offset = _paging_param(request, "offset", 0, 0, 999_999_999)
    if isinstance(offset, HttpResponse):
        return offset
    queryset = campaign.records.all()
    page = list(queryset.select_related("status").order_by("record_id")[offset : offset + limit])
    agent_names = dict(campaign.agents.values_list("login", "name"))
    result = [
        {
            "record_id": record.record_id,
            "phone_number": record.phone_number,
            "system_status": record.status.system_status if record.status else "",
            "status": record.status.name if record.status else "",
            "status_id": record.status.status_id if record.status else "",
            "call_date": _date(record.call_date),
            "create_date": _date(record.create_date),
            "next_call_date": _date(record.next_call_date),
            "agent_name": agent_names.get(record.agent_login, "") if record.agent_login else "",
            "agent_login": record.agent_login,
            "last_note": record.last_note,
            "identifier": record.identifier,
            "order": record.order,
        }
        for record in page
    ]
    return JsonResponse({"count": queryset.count(), "result": result})


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
) -> tuple[list[str | tuple[str, dict[str, object]]], dict[str, Any]]:
    """Check a PUT body against the campaign; return (errors, changes to apply).

    Every problem is reported at once (the error body holds a list), so a supervisor fixing a
    request sees all of them. The MY_RECORD / CALL_NO_SOONER_THAN rules apply when a request sets
    such a status: the agent and date must then come in this very request. A request that only
    touches, say, the record's fields leaves the status (and its agent and date) as they are.
    """
    errors: list[str | tuple[str, dict[str, object]]] = []
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
    try:
        body = json.loads(request.body)
    except ValueError:
        return error_response(request, "invalid_json")
    if not isinstance(body, dict):
        return error_response(request, "body_not_object")
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

"""Checking request bodies: the JSON object itself, then each field the endpoint takes.

Every problem of a body is reported at once (Thulium's error body holds a list), so a
supervisor fixing a request sees all of them: each step appends its `ErrorItem`s to the
request's list and goes on, and the errors come in the order of the steps. Types are loose where
Thulium's own answers are (a status id or phone number may come as text or integer), strict
elsewhere (`true` is never a number).

The PUT of one record is the base: adding a record (POST) checks the fields they share by the
PUT's rules, on a blank record, and setting a status by phone number checks its number as the
POST does. Checks that need more than the campaign's statuses and agents (duplicates, which
campaigns have a dictionary status) are the endpoints' own.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from thuladmin.sandbox.errors import ErrorItem, error_response
from thuladmin.sandbox.models import Campaign, Record, Status, SystemStatus

PUT_FIELDS = frozenset(
    {"status_id", "dictionary_status_id", "agent_login", "record_fields", "next_call_date"}
)
POST_RECORD_FIELDS = PUT_FIELDS | {"phone_number", "identifier", "order"}
STATUS_BY_PHONE_FIELDS = frozenset({"phone_number", "status_id"})
NEXT_CALL_DATE_FORMAT = "%Y-%m-%d %H:%M"
NEXT_CALL_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
PHONE_NUMBER_RE = re.compile(r"\+?\d{3,20}")
DICTIONARY_STATUS_ID_RE = re.compile(r"\d{1,9}")
MAX_IDENTIFIER_LENGTH = 64


def json_object(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The request's JSON body as a dict, or the 400 Thulium gives for anything else."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return error_response(request, "invalid_json")
    if not isinstance(body, dict):
        return error_response(request, "body_not_object")
    return body


def unknown_fields(body: dict[str, Any], known: frozenset[str]) -> list[ErrorItem]:
    """One error per field the endpoint does not take, in alphabetical order."""
    return [("unknown_field", {"field": field}) for field in sorted(set(body) - known)]


def phone_number_field(body: dict[str, Any], errors: list[ErrorItem]) -> str:
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


# --- editing a record (PUT outbounds/:id/records_by_identifier/:identifier) ----------------------


def validate_update(
    body: dict[str, Any], record: Record, campaign: Campaign
) -> tuple[list[ErrorItem], dict[str, Any]]:
    """Check a PUT body against the campaign; return (errors, changes to apply).

    One step per field the body carries, each adding its change or its error; then the rules
    of the status being set. A request that only touches, say, the record's fields leaves the
    status (and its agent and date) as they are.
    """
    errors = unknown_fields(body, PUT_FIELDS)
    changes: dict[str, Any] = {}
    if "status_id" in body:
        changes |= _status_change(body["status_id"], campaign, errors)
    if "dictionary_status_id" in body:
        changes |= _dictionary_status_change(body["dictionary_status_id"], errors)
    if "agent_login" in body:
        changes |= _agent_change(body["agent_login"], campaign, errors)
    if "record_fields" in body:
        changes |= _record_fields_change(body["record_fields"], record, errors)
    if "next_call_date" in body:
        changes |= _next_call_date_change(body["next_call_date"], errors)
    if "status" in changes:
        errors.extend(_status_details_missing(changes["status"], body))
    return errors, changes


def _status_change(value: object, campaign: Campaign, errors: list[ErrorItem]) -> dict[str, Any]:
    """`status_id` names one of the campaign's statuses (text or integer, as Thulium's are)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append("invalid_status_id")
        return {}
    status = campaign.statuses.filter(status_id=str(value).strip()).first()
    if status is None:
        errors.append("status_not_found")
        return {}
    return {"status": status}


def _dictionary_status_change(value: object, errors: list[ErrorItem]) -> dict[str, Any]:
    """`dictionary_status_id` is stored as given: an integer, or null to clear it."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append("invalid_dictionary_status_id")
        return {}
    return {"dictionary_status_id": value}


def _agent_change(value: object, campaign: Campaign, errors: list[ErrorItem]) -> dict[str, Any]:
    """`agent_login` is the login of one of the campaign's agents."""
    if isinstance(value, str) and campaign.agents.filter(login=value).exists():
        return {"agent_login": value}
    errors.append("agent_not_found")
    return {}


def _record_fields_change(value: object, record: Record, errors: list[ErrorItem]) -> dict[str, Any]:
    """`record_fields` is an object of texts and numbers, merged into the record's own: the
    fields it does not name keep their values."""
    if isinstance(value, dict) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
    ):
        return {"record_fields": {**record.record_fields, **value}}
    errors.append("invalid_record_fields")
    return {}


def _next_call_date_change(value: object, errors: list[ErrorItem]) -> dict[str, Any]:
    """`next_call_date` is a real minute, `YYYY-MM-DD hh:mm`, in the sandbox's time zone."""
    parsed = None
    if isinstance(value, str) and NEXT_CALL_DATE_RE.fullmatch(value):
        try:
            parsed = datetime.strptime(value, NEXT_CALL_DATE_FORMAT)
        except ValueError:
            parsed = None
    if parsed is None:
        errors.append("wrong_date_format")
        return {}
    return {"next_call_date": timezone.make_aware(parsed)}


def _status_details_missing(status: Status, body: dict[str, Any]) -> list[ErrorItem]:
    """What setting this status needs from the same request and it lacks: MY_RECORD needs
    `agent_login` and `next_call_date`, CALL_NO_SOONER_THAN `next_call_date`.

    Asked only of a status the request sets: a record already in such a status may have its
    other fields changed without repeating them.
    """
    system_status = status.system_status
    missing: list[ErrorItem] = []
    if system_status == SystemStatus.MY_RECORD and "agent_login" not in body:
        missing.append(("agent_required", {"status": system_status}))
    if (
        system_status in {SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN}
        and "next_call_date" not in body
    ):
        missing.append(("next_call_date_required", {"status": system_status}))
    return missing


# --- adding a record (POST outbounds/:id/records) ------------------------------------------------


def validate_create(
    body: dict[str, Any], campaign: Campaign
) -> tuple[list[ErrorItem], dict[str, Any]]:
    """Check a POST body; return (errors, the new record's fields).

    The fields the PUT also takes are checked by the PUT's rules, on a blank record (so
    MY_RECORD needs `agent_login` and `next_call_date`, CALL_NO_SOONER_THAN `next_call_date`).
    """
    errors = unknown_fields(body, POST_RECORD_FIELDS)
    fields: dict[str, Any] = {}
    phone_number = phone_number_field(body, errors)
    if phone_number:
        fields["phone_number"] = phone_number
    if body.get("identifier") not in (None, ""):
        fields |= _identifier_field(body["identifier"], errors)
    if "order" in body:
        fields |= _order_field(body["order"], errors)

    blank = Record(campaign=campaign, status=None, record_fields={})
    shared = {key: value for key, value in body.items() if key in PUT_FIELDS}
    update_errors, changes = validate_update(shared, blank, campaign)
    errors.extend(update_errors)
    fields.update(changes)
    return errors, fields


def _identifier_field(value: object, errors: list[ErrorItem]) -> dict[str, Any]:
    """An identifier of the client's choosing (text or integer), one that can stand in the
    records_by_identifier URL as a single path segment."""
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
        return {}
    return {"identifier": text}


def _order_field(value: object, errors: list[ErrorItem]) -> dict[str, Any]:
    """`order` is an integer that fits the database's 32-bit column."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
        errors.append("invalid_order")
        return {}
    return {"order": value}


# --- setting a status by phone number (POST outbound_status_by_phone_number) ---------------------


def validate_status_by_phone(body: dict[str, Any]) -> tuple[list[ErrorItem], str, int | None]:
    """Check the body of `status_by_phone_number`; return (errors, phone number, dictionary id).

    Types are loose as in Thulium's answers: the number and the id may come as text or integer.
    """
    errors = unknown_fields(body, STATUS_BY_PHONE_FIELDS)
    phone_number = phone_number_field(body, errors)
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

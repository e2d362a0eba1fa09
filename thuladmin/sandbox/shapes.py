"""The bodies of the sandbox's successful answers, field by field as Thulium writes them.

One place for the wire format, to hold against the contract (`../shared/thulium-api.md`) and
Thulium's docs: key order as in the documented examples, `""` (not null) for an empty text or
date, dates as `YYYY-MM-DD hh:mm:ss` in the sandbox's time zone, and an empty body for a PUT or
a single DELETE. Error bodies are `thuladmin.sandbox.errors`'s. The views decide what to answer;
these functions only say how it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from thuladmin.sandbox.models import Agent, Campaign, Customer, Record, Status

DATE_OUT_FORMAT = "%Y-%m-%d %H:%M:%S"


def empty_ok() -> HttpResponse:
    """Thulium's success answer for PUT and single DELETE: status 200, nothing in the body."""
    return HttpResponse(b"", status=200, content_type="application/json")


def campaign_stats_json(campaign: Campaign) -> dict[str, Any]:
    """An active campaign with its size and completion, from the `records_count` and
    `open_count` (records still waiting for a call) its query annotated it with."""
    total = campaign.records_count
    done = total - campaign.open_count
    return {
        "id": campaign.campaign_id,
        "records_count": total,
        "completion_percent": round(100 * done / total, 2) if total else 0.0,
    }


def status_json(status: Status) -> dict[str, Any]:
    return {
        "system_status": status.system_status,
        "status_id": status.status_id,
        "dictionary_status_id": status.dictionary_status_id,
        "name": status.name,
    }


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "login": agent.login,
        "number": agent.number,
        "active": agent.active,
        "active_in_outbound": agent.active_in_outbound,
        "agent_id": agent.agent_id,
    }


def records_page_json(
    *,
    count: int,
    rows: Sequence[tuple],
    statuses: dict[int, tuple[str, str, str]],
    agent_names: dict[str, str],
) -> dict[str, Any]:
    """A page of the records list: `count` (every record matching the filters) and `result`.

    `rows`, `statuses` and `agent_names` are `records_index.page_rows` and `page_names`: the
    rows hold keys, and a record's status and agent are written out by name.
    """
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
    return {"count": count, "result": result}


def record_created_json(record: Record) -> dict[str, Any]:
    """The sandbox's answer to an added record; Thulium documents none (a client must cope
    with an empty body too)."""
    return {"record_id": record.record_id, "identifier": record.identifier}


def batch_record_removed_json(record_id: int) -> dict[str, Any]:
    return {"http_status": 200, "record_id": record_id, "status": "REMOVED"}


def batch_record_in_call_json(record_id: int) -> dict[str, Any]:
    return {"http_status": 409, "record_id": record_id, "status": "CALL_IN_PROGRESS"}


def batch_number_not_found_json() -> list[dict[str, Any]]:
    """A number of the batch with no record: one outcome in place of the list of records."""
    return [{"http_status": 404, "status": "NOT_EXIST"}]


def batch_customer_deleted_json() -> dict[str, Any]:
    return {"http_status": 204}


def batch_customer_refused_json(http_status: int, message: str) -> dict[str, Any]:
    """A customer id of the batch that was not deleted, with the message in the reader's
    language (`errors.message`)."""
    return {"http_status": http_status, "message": message}


def campaigns_set_json(campaign_ids: list[str]) -> dict[str, Any]:
    """The answer to a status set by phone number: the campaigns whose records were set."""
    return {"outbound_id": campaign_ids}


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "surname": customer.surname,
        "phone_number": customer.phone_number,
        "phone_numbers": customer.phone_numbers,
        "email": customer.email,
        "company_id": customer.company_id,
        "company_name": customer.company_name,
        "identifier": customer.identifier,
    }

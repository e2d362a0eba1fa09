"""HTML in any value — from Thulium or from the supervisor — is shown as text, never run.

Each value below carries a script or an attribute-breaking payload; every page that shows such a
value must render it escaped. A page passes when no payload appears raw and (where the value is
shown at all) its escaped form does.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import responses
from django.utils.html import escape

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from customers.bulk import CUSTOMERS
from tests.security.conftest import API
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

SCRIPT = "<script>alert('xss')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, ATTRIBUTE)


def assert_escaped(html: str, *, shown: tuple[str, ...] = PAYLOADS) -> None:
    for payload in PAYLOADS:
        assert payload not in html, f"raw {payload!r} on the page"
    for payload in shown:
        assert escape(payload) in html, f"{payload!r} not shown (escaped) at all"


STATUSES = [
    {"system_status": "CALL", "status_id": "3", "dictionary_status_id": 2, "name": SCRIPT},
    {"system_status": ATTRIBUTE, "status_id": "4", "dictionary_status_id": None, "name": "x"},
    {"system_status": "MY_RECORD", "status_id": "5", "dictionary_status_id": None, "name": "m"},
]


def edit_form(token: str) -> dict:
    """The record editor's form, sending status 3 (the management form of its field rows too)."""
    return {
        "action": "send",
        "token": token,
        "status_id": "3",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "1",
        "fields-0-key": "",
        "fields-0-value": "",
    }


AGENTS = [
    {"login": SCRIPT, "number": ATTRIBUTE, "active": True, "active_in_outbound": True},
    {"login": "j.doe", "number": "1", "active": True, "active_in_outbound": True},
]


@pytest.mark.django_db
def test_status_names_and_system_statuses_from_thulium(supervisor_client, thulium):
    thulium.add("GET", "outbounds/00001/statuses", json=STATUSES)
    assert_escaped(supervisor_client.get("/campaigns/00001/").content.decode())


@pytest.mark.django_db
def test_agent_logins_and_statuses_on_the_record_editor(supervisor_client, thulium):
    thulium.add("GET", "outbounds/00001/statuses", json=STATUSES)
    thulium.add("GET", "outbounds/00001/agents", json=AGENTS)
    page = supervisor_client.get("/campaigns/00001/records/42/edit/").content.decode()
    assert_escaped(page, shown=(SCRIPT,))


@pytest.mark.django_db
def test_thuliums_own_error_messages(supervisor_client, thulium):
    error = {"errors": [{"message": SCRIPT}, {"message": ATTRIBUTE}]}
    thulium.add("GET", "outbounds/00001/statuses", json=STATUSES[:1])
    thulium.add("GET", "outbounds/00001/agents", json=AGENTS[1:])
    thulium.add("PUT", "outbounds/00001/records_by_identifier/42", status=400, json=error)
    thulium.add("DELETE", "outbounds/00001/records_by_identifier/42", status=422, json=error)
    thulium.add("GET", "outbounds/stats", status=418, body=f"<html><title>{SCRIPT}</title>")

    edit = supervisor_client.get("/campaigns/00001/records/42/edit/")
    token = edit.context["form"]["token"].value()
    page = supervisor_client.post("/campaigns/00001/records/42/edit/", edit_form(token))
    assert_escaped(page.content.decode())
    page = supervisor_client.post("/campaigns/00001/records/42/delete/")
    assert_escaped(page.content.decode())
    assert SCRIPT not in supervisor_client.get("/campaigns/").content.decode()


@pytest.mark.django_db
def test_campaign_ids_from_thulium_in_the_picker(supervisor_client, thulium):
    """A campaign id is five letters or digits; anything else from Thulium is not linked (a
    slash in it would break the page) and never shown raw."""
    stats = [
        {"id": "00001", "records_count": 3, "completion_percent": 10},
        {"id": SCRIPT, "records_count": 1, "completion_percent": 0},
        {"id": ATTRIBUTE, "records_count": 1, "completion_percent": 0},
    ]
    thulium.add("GET", "outbounds/stats", json=stats)
    response = supervisor_client.get("/campaigns/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_escaped(html, shown=())
    assert "/campaigns/00001/" in html


@pytest.mark.django_db
def test_identifiers_and_campaign_ids_typed_into_the_address(supervisor_client, thulium):
    thulium.add("GET", "outbounds/00001/statuses", json=STATUSES)
    thulium.add("GET", "outbounds/00001/records", json={"count": 0, "result": []})
    for url in (
        "/campaigns/" + quote(SCRIPT.replace("/", ""), safe="") + "/",
        "/campaigns/" + quote(ATTRIBUTE, safe="") + "/",
        "/campaigns/00001/records/" + quote("..", safe="") + "/edit/",
        "/campaigns/00001/?identifier=" + quote(SCRIPT),
    ):
        html = supervisor_client.get(url).content.decode()
        for payload in PAYLOADS:
            assert payload.replace("/", "") not in html, url
    assert thulium.unexpected == []


@pytest.mark.django_db
def test_pasted_tokens_on_the_preview(supervisor, supervisor_client, thulium):
    paste = f"600100200\n{SCRIPT}\n{ATTRIBUTE}"
    response = supervisor_client.post("/campaigns/00001/remove-numbers/", {"text": paste})
    job_url = response["Location"]
    preview = supervisor_client.get(job_url).content.decode()
    # The tokens are split on spaces, so the payloads appear in pieces: none of them raw.
    assert "<script>" not in preview
    assert "<img" not in preview
    assert escape("<script>alert('xss')</script>") in preview
    export = supervisor_client.get(job_url + "export.csv")
    assert export["Content-Type"].startswith("text/csv")


@pytest.mark.django_db(transaction=True)
def test_per_item_messages_from_thulium_on_the_results_page(supervisor, client, settings):
    settings.BULK_URL_BUDGET_BYTES = 7000
    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("600100200\n600100201", options={}),
        campaign_id="00001",
    )
    bulk_job_start(job=job, user=supervisor)
    body = {
        "600100200": [{"http_status": 500, "status": SCRIPT}],
        "600100201": [{"http_status": 409, "status": "CALL_IN_PROGRESS", "record_id": ATTRIBUTE}],
    }
    with responses.RequestsMock() as mock:
        mock.add("DELETE", API + "batch/outbounds/00001/records", json=body)
        JobRunner(job.pk).run()
    client.force_login(supervisor)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert_escaped(html, shown=(SCRIPT,))
    assert BulkJob.objects.get(pk=job.pk).state == BulkJob.State.FINISHED
    audit = client.get("/audit/").content.decode()
    assert_escaped(audit, shown=())


@pytest.mark.django_db
def test_customer_names_from_thulium_on_the_preview(admin_member, client, thulium):
    customer = {
        "customer_id": 13,
        "name": SCRIPT,
        "surname": ATTRIBUTE,
        "company_name": SCRIPT,
        "phone_number": ATTRIBUTE,
    }
    thulium.add("GET", "customers/13", json=customer)
    thulium.add("GET", "customers/14", status=404, json={"errors": [{"message": SCRIPT}]})
    job = bulk_job_draft_create(
        user=admin_member, kind_name=CUSTOMERS.name, parsed=CUSTOMERS.parse("13 14", options={})
    )
    client.force_login(admin_member)
    assert_escaped(client.get(f"/jobs/{job.pk}/").content.decode())


@pytest.mark.django_db
def test_the_audit_log_shows_what_thulium_said_escaped(supervisor_client, thulium):
    error = {"errors": [{"message": SCRIPT}]}
    thulium.add("GET", "outbounds/00001/statuses", json=STATUSES[:1])
    thulium.add("GET", "outbounds/00001/agents", json=AGENTS[1:])
    thulium.add("PUT", "outbounds/00001/records_by_identifier/42", status=400, json=error)
    edit = supervisor_client.get("/campaigns/00001/records/42/edit/")
    token = edit.context["form"]["token"].value()
    supervisor_client.post("/campaigns/00001/records/42/edit/", edit_form(token))
    from thuladmin.audit.models import AuditEntry

    entry = AuditEntry.objects.latest("pk")
    assert SCRIPT in json.dumps(entry.api_message) or SCRIPT in entry.api_message
    assert_escaped(supervisor_client.get("/audit/").content.decode(), shown=())
    assert_escaped(supervisor_client.get(f"/audit/{entry.pk}/").content.decode(), shown=(SCRIPT,))

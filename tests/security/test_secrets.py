"""The Thulium password never appears in pages, logs, audit entries or error reports.

The password is set to a unique string; then every flow that talks to Thulium is driven through
the dashboard, failures included (refused credentials, 5xx, timeouts, resets, an unexpected
exception deep in the HTTP stack). Every page body, CSV export, log record (with its traceback),
audit entry, bulk item and chunk, login-attempt record and Django's own error report is then
searched for the password and for the Basic credentials built from it.
"""

from __future__ import annotations

import base64
import logging
import sys
import traceback
import uuid

import pytest
import requests
import responses
from axes.models import AccessAttempt, AccessLog
from django.core import serializers
from django.test import Client
from django.views.debug import ExceptionReporter

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from customers.bulk import CUSTOMERS
from tests.security.conftest import API
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkChunk, BulkItem
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.thulium import reset_client

SECRET = "pw-" + uuid.uuid4().hex
TOKEN = base64.b64encode(f"api_user:{SECRET}".encode()).decode()
FORBIDDEN = (SECRET, TOKEN, SECRET.encode().hex())

STATUSES = [{"system_status": "CALL", "status_id": "3", "dictionary_status_id": None, "name": "x"}]
EDIT_FORM = {
    "action": "send",
    "status_id": "3",
    "fields-TOTAL_FORMS": "1",
    "fields-INITIAL_FORMS": "1",
    "fields-0-key": "",
    "fields-0-value": "",
}


def assert_clean(text: str, where: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, f"the Thulium password leaked into {where}"


@pytest.fixture
def secret_password(settings):
    settings.THULIUM_PASSWORD = SECRET
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_CHUNK_MAX_ATTEMPTS = 1
    reset_client()


def _boom(request):
    raise RuntimeError("something unexpected deep in the HTTP stack")


@pytest.mark.django_db(transaction=True)
def test_the_password_appears_nowhere(secret_password, supervisor, admin_member, caplog):
    caplog.set_level(logging.DEBUG)
    bodies: list[tuple[str, str]] = []
    supervisor_client = Client(raise_request_exception=False)
    supervisor_client.force_login(supervisor)
    admin_client = Client(raise_request_exception=False)
    admin_client.force_login(admin_member)

    def visit(client, method, url, data=None):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append((f"{method} {url} ({response.status_code})", content.decode()))
        return response

    unauthorised = {"errors": [{"message": "Invalid credentials.", "code": 1001}]}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as thulium:
        thulium.get(API + "outbounds/stats", status=401, json=unauthorised)
        thulium.get(API + "outbounds/00001/statuses", json=STATUSES)
        thulium.get(API + "outbounds/00002/statuses", status=500, body="<h1>Oops</h1>")
        thulium.add_callback("GET", API + "outbounds/00003/statuses", callback=_boom)
        thulium.get(API + "outbounds/00001/agents", body=requests.exceptions.ReadTimeout())
        thulium.put(API + "outbounds/00001/records_by_identifier/42", status=401)
        thulium.put(
            API + "outbounds/00001/records_by_identifier/43",
            body=requests.exceptions.ConnectionError("Connection reset by peer"),
        )
        thulium.delete(API + "outbounds/00001/records_by_identifier/42", status=503)
        thulium.delete(API + "batch/outbounds/00001/records", status=401, json=unauthorised)
        thulium.get(API + "customers/13", status=403, body="Forbidden")
        thulium.delete(API + "batch/customers", body=requests.exceptions.ReadTimeout())

        visit(supervisor_client, "get", "/campaigns/")
        visit(supervisor_client, "get", "/campaigns/00002/")
        visit(supervisor_client, "get", "/campaigns/00003/")  # an unexpected exception: a 500
        for identifier in ("42", "43"):
            edit = f"/campaigns/00001/records/{identifier}/edit/"
            visit(supervisor_client, "get", edit)
            visit(supervisor_client, "post", edit, {**EDIT_FORM, "token": str(uuid.uuid4())})
        visit(supervisor_client, "post", "/campaigns/00001/records/42/delete/", {})

        phones = bulk_job_draft_create(
            user=supervisor,
            kind_name=PHONE_NUMBERS.name,
            parsed=PHONE_NUMBERS.parse("600100200\n600100201", options={}),
            campaign_id="00001",
        )
        bulk_job_start(job=phones, user=supervisor)
        JobRunner(phones.pk).run()
        customers = bulk_job_draft_create(
            user=admin_member, kind_name=CUSTOMERS.name, parsed=CUSTOMERS.parse("13", options={})
        )
        visit(admin_client, "get", f"/jobs/{customers.pk}/")  # the preview looks 13 up: 403
        bulk_job_start(job=customers, user=admin_member)
        JobRunner(customers.pk).run()

    for job in (phones, customers):
        visit(admin_client, "get", f"/jobs/{job.pk}/")
        visit(admin_client, "get", f"/jobs/{job.pk}/export.csv")
    visit(admin_client, "get", "/audit/")
    visit(admin_client, "get", "/audit/export.csv")
    for entry in AuditEntry.objects.all():
        visit(admin_client, "get", f"/audit/{entry.pk}/")
    # Someone types the API password into the login form: it must not be stored either.
    for _ in range(2):
        visit(Client(), "post", "/accounts/login/", {"username": "anna", "password": SECRET})

    assert len(bodies) > 15
    assert AuditEntry.objects.count() >= 4
    assert any(status.endswith("(500)") for status, _body in bodies)
    for where, body in bodies:
        assert_clean(body, where)

    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        assert_clean(text, f"the log record {record.name}: {record.getMessage()[:80]}")
    assert_clean(caplog.text, "the captured log")

    for model in (AuditEntry, BulkItem, BulkChunk, AccessAttempt, AccessLog):
        assert_clean(serializers.serialize("json", model.objects.all()), model.__name__)


@pytest.mark.django_db
def test_djangos_error_report_of_a_failure_in_the_client_holds_no_password(
    secret_password, supervisor, rf
):
    """What an error e-mail (text) or a DEBUG page (HTML) would show, locals of every frame
    included, for an exception raised deep inside a request to Thulium."""
    from thuladmin.thulium import get_client

    request = rf.get("/campaigns/00003/")
    request.user = supervisor
    with responses.RequestsMock() as thulium:
        thulium.add_callback("GET", API + "outbounds/00003/statuses", callback=_boom)
        try:
            get_client().campaign_statuses("00003")
        except RuntimeError:
            reporter = ExceptionReporter(request, *sys.exc_info())
        else:
            pytest.fail("the exception did not come through")
    assert_clean(reporter.get_traceback_text(), "the error report (text)")
    assert_clean(reporter.get_traceback_html(), "the error report (HTML)")

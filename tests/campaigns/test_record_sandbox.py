"""End to end: the record pages drive the real sandbox over HTTP, and its state shows the result."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from thuladmin.audit.models import AuditEntry
from thuladmin.sandbox.models import Record
from thuladmin.thulium import reset_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CAMPAIGN = "00001"
IN_A_CALL = (
    "This record is in a call right now, so Thulium did not delete it. "
    "Try again when the call ends."
)


@pytest.fixture
def sandbox(live_server, settings):
    """The sandbox, seeded, served by a live server, with the client pointed at it."""
    call_command("sandbox_seed", "--records", "300", stdout=io.StringIO())
    settings.THULIUM_URL = ""  # undo the fake host of tests/campaigns/conftest.py
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_SLOW_RATE = 0.0
    reset_client()
    yield live_server
    reset_client()


def record(identifier: str) -> Record:
    return Record.objects.select_related("status").get(campaign_id=CAMPAIGN, identifier=identifier)


def edit_url(identifier: str) -> str:
    return reverse("campaigns:record_edit", args=[CAMPAIGN, identifier])


def delete_url(identifier: str) -> str:
    return reverse("campaigns:record_delete", args=[CAMPAIGN, identifier])


def form_data(token: str, **values) -> dict[str, str]:
    return {
        "token": token,
        "status_id": "",
        "dictionary_status_id": "",
        "dictionary_prefill": "",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "1",
        "fields-0-key": "",
        "fields-0-value": "",
        "action": "send",
        **values,
    }


def test_edit_a_record_in_the_sandbox(sandbox, client, supervisor):
    client.force_login(supervisor)
    before = record("1234567890")
    assert before.status.system_status == "TO_CALL"

    page = client.get(edit_url("1234567890"))
    html = page.content.decode()
    assert "Mój rekord · My record</option>" in html
    assert '<option value="a.nowak"' in html
    token = page.context["form"].initial["token"]

    # Choosing MY_RECORD re-renders the form with its suggestion and required markers.
    fragment = client.post(
        edit_url("1234567890"),
        form_data(token, status_id="5", action="status"),
        headers={"hx-request": "true"},
    )
    assert fragment.context["form"].initial["dictionary_prefill"] == "5"
    assert fragment.context["form"].dictionary_from_status == 5
    assert fragment.content.decode().count('class="required-marker"') == 2

    # Thulium's own check (an agent outside the campaign) comes back with its message.
    refused = client.post(
        edit_url("1234567890"),
        form_data(token, status_id="5", agent_login="nobody", next_call_date="2099-05-24T12:24"),
    )
    assert "Agent not found." in refused.content.decode()
    assert record("1234567890").status.status_id == before.status.status_id

    response = client.post(
        edit_url("1234567890"),
        form_data(
            token,
            status_id="5",
            dictionary_status_id="",
            dictionary_prefill="5",
            agent_login="a.nowak",
            next_call_date="2099-05-24T12:24",
            **{"fields-0-key": "miasto", "fields-0-value": "Kraków <b>&</b>"},
        ),
    )

    assert response.status_code == 302
    changed = record("1234567890")
    assert changed.status.status_id == "5"
    assert changed.dictionary_status_id == 5
    assert changed.agent_login == "a.nowak"
    local = timezone.localtime(changed.next_call_date)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2099, 5, 24, 12, 24)
    assert changed.record_fields["miasto"] == "Kraków <b>&</b>"
    shown = client.get(response["Location"]).content.decode()
    assert "&quot;miasto&quot;: &quot;Kraków &lt;b&gt;&amp;&lt;/b&gt;&quot;" in shown

    # The same form sent again is not sent again.
    again = client.post(edit_url("1234567890"), form_data(token, status_id="3"))
    assert again.status_code == 302
    assert record("1234567890").status.status_id == "5"

    outcomes = list(
        AuditEntry.objects.filter(action="record.update")
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [AuditEntry.Outcome.FAILURE, AuditEntry.Outcome.SUCCESS]


def test_delete_records_in_the_sandbox(sandbox, client, supervisor):
    client.force_login(supervisor)
    assert not record("1234567800").in_call
    assert record("1234567891").in_call

    confirm = client.get(delete_url("1234567800"))
    assert "1234567800" in confirm.content.decode()
    assert Record.objects.filter(identifier="1234567800").exists()

    deleted = client.post(delete_url("1234567800"))
    assert deleted.status_code == 302
    assert deleted["Location"] == reverse("campaigns:detail", args=[CAMPAIGN])
    assert not Record.objects.filter(campaign_id=CAMPAIGN, identifier="1234567800").exists()

    in_call = client.post(delete_url("1234567891"), headers={"hx-request": "true"})
    assert IN_A_CALL in in_call.content.decode()
    assert "Record is in a call and cannot be deleted." in in_call.content.decode()
    assert Record.objects.filter(campaign_id=CAMPAIGN, identifier="1234567891").exists()

    gone = client.post(delete_url("1234567800"))
    assert "Not found: Thulium has no record" in gone.content.decode()

    outcomes = list(
        AuditEntry.objects.filter(action="record.delete")
        .order_by("id")
        .values_list("outcome", "http_status")
    )
    assert outcomes == [
        (AuditEntry.Outcome.SUCCESS, None),
        (AuditEntry.Outcome.FAILURE, 409),
        (AuditEntry.Outcome.FAILURE, 404),
    ]


def test_a_new_token_per_form_in_the_sandbox(sandbox, client, supervisor):
    """Two different visits are two different changes: both reach Thulium."""
    client.force_login(supervisor)

    first = client.post(edit_url("1234567890"), form_data(str(uuid.uuid4()), status_id="3"))
    second = client.post(edit_url("1234567890"), form_data(str(uuid.uuid4()), status_id="4"))

    assert first.status_code == second.status_code == 302
    assert record("1234567890").status.status_id == "4"
    assert AuditEntry.objects.filter(action="record.update").count() == 2

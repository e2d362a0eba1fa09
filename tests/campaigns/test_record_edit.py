"""Editing one record: the form, Thulium's rules checked before sending, the PUT, the audit."""

from __future__ import annotations

import html as html_lib
import json
import re
import uuid
from datetime import timedelta

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from campaigns.models import CampaignSnapshot, SnapshotRecord
from campaigns.records.page import SENT_SESSION_KEY
from tests.campaigns.conftest import THULIUM_PASSWORD, THULIUM_URL
from thuladmin.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CAMPAIGN = "00001"
IDENTIFIER = "1234567890"
PUT_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/records_by_identifier/{IDENTIFIER}"
STATUSES_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/statuses"
AGENTS_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/agents"
FUTURE = "2099-05-24T12:24"
FUTURE_SENT = "2099-05-24 12:24"

STATUSES = [
    {"system_status": "TO_CALL", "status_id": "1", "dictionary_status_id": None, "name": "New"},
    {
        "system_status": "CALL",
        "status_id": "3",
        "dictionary_status_id": 2,
        "name": "Contact needed",
    },
    {"system_status": "MY_RECORD", "status_id": "5", "dictionary_status_id": 5, "name": "Mine"},
    {
        "system_status": "CALL_NO_SOONER_THAN",
        "status_id": "7",
        "dictionary_status_id": 7,
        "name": "Later",
    },
]
AGENTS = [
    {"login": "z.gone", "number": "3100", "active": False, "active_in_outbound": False},
    {"login": "k.half", "number": "3105", "active": True, "active_in_outbound": False},
    {"login": "j.doe", "number": "3113", "active": True, "active_in_outbound": True},
    {"login": "a.nowak", "number": "3102", "active": True, "active_in_outbound": True},
]


def edit_url(campaign_id: str = CAMPAIGN, identifier: str = IDENTIFIER) -> str:
    return reverse("campaigns:record_edit", args=[campaign_id, identifier])


@pytest.fixture
def lookups(thulium):
    """Thulium's statuses and agents for campaign 00001."""
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(AGENTS_URL, json=AGENTS)
    return thulium


def expect_put(thulium, body: dict, **answer):
    """A PUT that only matches this exact JSON body (no other keys, no missing ones)."""
    answer = {"status": 200, "body": "", **answer}
    return thulium.put(PUT_URL, match=[matchers.json_params_matcher(body)], **answer)


def form_data(*, rows=(("", ""),), token: str | None = None, action="send", **values) -> dict:
    data = {
        "token": token or str(uuid.uuid4()),
        "status_id": "",
        "dictionary_status_id": "",
        "dictionary_prefill": "",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": str(len(rows)),
        "action": action,
    }
    for index, (key, value) in enumerate(rows):
        data[f"fields-{index}-key"] = key
        data[f"fields-{index}-value"] = value
    data.update(values)
    return data


def put_calls(thulium) -> list:
    return [call for call in thulium.calls if call.request.method == "PUT"]


def post(client, data: dict, *, htmx: bool = False, url: str | None = None):
    headers = {"hx-request": "true"} if htmx else {}
    return client.post(url or edit_url(), data, headers=headers)


def field_error(html: str, field: str) -> str:
    match = re.search(
        rf'<small class="field-error" id="id_{re.escape(field)}_error">(.*?)</small>', html
    )
    return html_lib.unescape(match[1]) if match else ""


def warsaw_local(delta: timedelta) -> str:
    """A datetime-local value: now plus `delta`, as a clock in Warsaw shows it."""
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


# --- the page -----------------------------------------------------------------------------------


def test_the_record_page_links_its_history_in_the_audit_log(supervisor_client, lookups):
    html = supervisor_client.get(edit_url()).content.decode()

    assert f'href="/audit/?q={IDENTIFIER}&amp;campaign={CAMPAIGN}"' in html
    assert "History of this record" in html


def test_form_offers_statuses_agents_and_a_way_to_delete(supervisor_client, lookups):
    response = supervisor_client.get(edit_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="5">Mine · My record</option>' in html
    assert '<option value="3">Contact needed · Call</option>' in html
    assert 'type="datetime-local" name="next_call_date"' in html
    assert 'list="record-agents"' in html
    # Active agents first, then active but not in outbound, then inactive.
    logins = re.findall(r'<option value="([^"]+)" label=', html)
    assert logins == ["a.nowak", "j.doe", "k.half", "z.gone"]
    assert f'href="{reverse("campaigns:record_delete", args=[CAMPAIGN, IDENTIFIER])}"' in html
    assert 'name="token"' in html
    assert 'name="fields-0-key"' in html
    assert "required-marker" not in html  # no status chosen, nothing is required
    assert f'hx-post="{edit_url()}"' in html
    assert 'hx-disabled-elt="find button"' in html
    assert f'action="{edit_url()}"' in html


def test_each_visit_gets_a_new_token(supervisor_client, lookups):
    first = supervisor_client.get(edit_url()).context["form"].initial["token"]
    second = supervisor_client.get(edit_url()).context["form"].initial["token"]

    assert uuid.UUID(first) != uuid.UUID(second)


def test_lookups_are_cached_across_re_renders(supervisor_client, thulium):
    statuses = thulium.get(STATUSES_URL, json=STATUSES)
    agents = thulium.get(AGENTS_URL, json=AGENTS)

    supervisor_client.get(edit_url())
    post(supervisor_client, form_data(action="add_field"), htmx=True)
    post(supervisor_client, form_data(status_id="5", action="status"), htmx=True)

    assert statuses.call_count == 1
    assert agents.call_count == 1


# --- what is sent -------------------------------------------------------------------------------


def test_my_record_with_agent_and_date_sends_exactly_those(supervisor_client, lookups):
    body = {
        "status_id": "5",
        "dictionary_status_id": 5,
        "agent_login": "j.doe",
        "next_call_date": FUTURE_SENT,
    }
    put = expect_put(lookups, body)

    response = post(
        supervisor_client,
        form_data(
            status_id="5",
            dictionary_status_id="5",
            agent_login="j.doe",
            next_call_date=FUTURE,
        ),
    )

    assert put.call_count == 1
    assert response.status_code == 302
    assert response["Location"] == edit_url()
    page = supervisor_client.get(response["Location"]).content.decode()
    assert f"Thulium accepted the change to record “{IDENTIFIER}”." in page
    assert "What was sent to Thulium" in page
    shown = re.search(r'<pre class="sent-json"><code>(.*?)</code></pre>', page, re.DOTALL)[1]
    assert json.loads(html_lib.unescape(shown)) == body
    # Shown once: a reload does not show it again.
    assert "What was sent to Thulium" not in supervisor_client.get(edit_url()).content.decode()


def test_call_no_sooner_than_with_a_date(supervisor_client, lookups):
    body = {"status_id": "7", "next_call_date": "2099-01-02 08:05"}
    put = expect_put(lookups, body)

    response = post(
        supervisor_client,
        form_data(status_id="7", next_call_date="2099-01-02T08:05"),
        htmx=True,
    )

    assert put.call_count == 1
    html = response.content.decode()
    assert response.status_code == 200
    assert "Thulium accepted the change" in html
    assert "&quot;next_call_date&quot;: &quot;2099-01-02 08:05&quot;" in html
    # A fresh form follows, with a new token.
    assert response.context["form"].initial["token"] != response.wsgi_request.POST["token"]


def test_status_only(supervisor_client, lookups):
    put = expect_put(lookups, {"status_id": "3"})

    response = post(supervisor_client, form_data(status_id="3"))

    assert put.call_count == 1
    assert response.status_code == 302


def test_record_fields_only_skip_empty_rows(supervisor_client, lookups):
    put = expect_put(lookups, {"record_fields": {"city": "Kraków", "amount": "120.50"}})

    response = post(
        supervisor_client,
        form_data(rows=[("city", " Kraków "), ("", ""), ("amount", "120.50")]),
    )

    assert put.call_count == 1
    assert response.status_code == 302


def test_a_field_name_with_an_empty_value_is_sent_to_clear_it(supervisor_client, lookups):
    put = expect_put(lookups, {"record_fields": {"note": ""}})

    post(supervisor_client, form_data(rows=[("note", "")]))

    assert put.call_count == 1


def test_agent_and_date_without_a_status_are_sent(supervisor_client, lookups):
    put = expect_put(lookups, {"agent_login": "j.doe", "next_call_date": FUTURE_SENT})

    post(supervisor_client, form_data(agent_login="j.doe", next_call_date=FUTURE))

    assert put.call_count == 1


def test_date_is_read_in_the_supervisors_time_zone(supervisor_client, lookups, settings):
    assert settings.TIME_ZONE == "Europe/Warsaw"
    soon = warsaw_local(timedelta(minutes=30))
    put = expect_put(lookups, {"next_call_date": soon.replace("T", " ")})

    post(supervisor_client, form_data(next_call_date=soon))

    assert put.call_count == 1


def test_a_time_just_gone_in_warsaw_is_in_the_past(supervisor_client, lookups):
    # Read as UTC it would still lie ahead (Warsaw is ahead of UTC): it must be read as Warsaw.
    gone = warsaw_local(-timedelta(minutes=30))

    response = post(supervisor_client, form_data(next_call_date=gone))

    assert "in the past" in field_error(response.content.decode(), "next_call_date")
    assert put_calls(lookups) == []


# --- checked before sending ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"status_id": "5", "next_call_date": FUTURE},
            "agent_login",
            "Status “Mine” (My record) reserves the record for one agent",
        ),
        (
            {"status_id": "5", "agent_login": "j.doe"},
            "next_call_date",
            "Status “Mine” (My record) needs the next call date.",
        ),
        (
            {"status_id": "7"},
            "next_call_date",
            "Status “Later” (Contact no sooner than) needs the next call date.",
        ),
        ({"next_call_date": "2001-01-01T10:00"}, "next_call_date", "This date is in the past."),
        ({"next_call_date": "2099-13-45T10:00"}, "next_call_date", "Enter a date and a time"),
        ({"next_call_date": "2099-02-30T10:00"}, "next_call_date", "Enter a date and a time"),
        ({"next_call_date": "tomorrow"}, "next_call_date", "Enter a date and a time"),
        ({"next_call_date": "2099-03-29T02:30"}, "next_call_date", "the clocks skip it"),
        ({"status_id": "99"}, "status_id", "“99” is not one of this campaign's statuses."),
        (
            {"dictionary_status_id": "abc"},
            "dictionary_status_id",
            "Choose a dictionary status from the list.",
        ),
        ({"agent_login": "j doe"}, "agent_login", "no spaces or control characters"),
    ],
    ids=[
        "my-record-no-agent",
        "my-record-no-date",
        "no-sooner-no-date",
        "past",
        "malformed",
        "no-such-day",
        "words",
        "dst-gap",
        "unknown-status",
        "dictionary-not-a-number",
        "login-with-space",
    ],
)
def test_rule_breaks_are_shown_next_to_their_field(
    supervisor_client, lookups, values, field, message
):
    response = post(supervisor_client, form_data(**values))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_error(html, field)
    assert 'aria-invalid="true"' in html
    assert "Nothing was sent. Correct the fields marked below." in html
    assert put_calls(lookups) == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ([("city", "a"), ("city", "b")], "fields-1-key", "“city” is already filled in above"),
        ([("", "orphan value")], "fields-0-key", "Name the field this value goes in."),
        ([("city", "x" * 5001)], "fields-0-value", "at most 5000 characters"),
        ([("k" * 101, "x")], "fields-0-key", "at most 100 characters"),
    ],
    ids=["duplicate-key", "empty-key", "value-too-long", "key-too-long"],
)
def test_field_row_problems_are_shown_on_their_row(
    supervisor_client, lookups, rows, field, message
):
    response = post(supervisor_client, form_data(rows=rows))

    assert message in field_error(response.content.decode(), field)
    assert put_calls(lookups) == []


def test_nothing_filled_is_a_form_error(supervisor_client, lookups):
    response = post(supervisor_client, form_data(rows=[("", ""), ("  ", "  ")]))

    html = response.content.decode()
    assert "Nothing to send: fill in at least one field." in html
    assert 'class="notice notice-error form-errors" role="alert"' in html
    assert put_calls(lookups) == []


@pytest.mark.parametrize("token", ["", "not-a-uuid"])
def test_a_missing_token_asks_for_a_reload(supervisor_client, lookups, token):
    data = form_data(status_id="3")
    data["token"] = token

    response = post(supervisor_client, data)

    assert "This form has expired." in response.content.decode()
    assert put_calls(lookups) == []


def test_errors_keep_everything_typed(supervisor_client, lookups):
    response = post(
        supervisor_client,
        form_data(
            status_id="5",
            dictionary_status_id="42",
            agent_login="j.doe",
            next_call_date="2001-01-01T10:00",
            rows=[("city", "Łódź"), ("city", "Gdańsk")],
        ),
    )

    html = response.content.decode()
    assert '<option value="5" selected>' in html
    assert 'value="42"' in html
    assert 'value="j.doe"' in html
    assert 'value="2001-01-01T10:00"' in html
    assert 'value="Łódź"' in html
    assert 'value="Gdańsk"' in html


# --- Thulium's answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (
            {"status": 401, "json": {"errors": [{"message": "Authentication failed."}]}},
            ["Thulium refused the API credentials", "Authentication failed."],
        ),
        (
            {"status": 404, "json": {"errors": [{"message": "Record not found.", "code": 4042}]}},
            [
                "Not found: Thulium has no record “1234567890” in campaign 00001",
                "Record not found.",
            ],
        ),
        (
            {
                "status": 400,
                "json": {
                    "request_id": "53678450401cf",
                    "errors": [
                        {"message": "Agent not found.", "code": 4007},
                        {"message": "next_call_date is required for system status X.", "code": 1},
                    ],
                },
            },
            [
                "Thulium refused the change.",
                '<li dir="auto">Agent not found.</li>',
                '<li dir="auto">next_call_date is required for system status X.</li>',
            ],
        ),
        (
            {"status": 409, "json": {"errors": [{"message": "Record is locked.", "code": 1}]}},
            ["Thulium refused the change.", "Record is locked."],
        ),
        (
            {"status": 503, "body": "<html><title>Service Unavailable</title></html>"},
            ["Thulium is unavailable right now, try again.", "Service Unavailable"],
        ),
        (
            {"body": requests.exceptions.ReadTimeout()},
            ["Thulium did not confirm the change, and it may have been applied anyway."],
        ),
    ],
    ids=["401", "404", "400", "409", "503", "timeout"],
)
def test_api_errors_are_shown_with_the_input_kept(supervisor_client, lookups, answer, shown):
    lookups.put(PUT_URL, **answer)

    response = post(
        supervisor_client,
        form_data(status_id="5", agent_login="j.doe", next_call_date=FUTURE, rows=[("city", "Ł")]),
    )

    assert response.status_code == 200
    html = response.content.decode()
    for text in shown:
        assert text in html
    assert 'class="notice notice-error api-failure" role="alert"' in html
    assert 'value="j.doe"' in html
    assert f'value="{FUTURE}"' in html
    assert 'value="Ł"' in html
    assert '<option value="5" selected>' in html
    assert THULIUM_PASSWORD not in html
    assert "Traceback" not in html


def test_api_error_in_an_htmx_request_stays_in_the_fragment(supervisor_client, lookups):
    lookups.put(PUT_URL, status=400, json={"errors": [{"message": "Status not found."}]})

    response = post(supervisor_client, form_data(status_id="3"), htmx=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Status not found." in html


def test_statuses_unavailable_means_nothing_is_sent(supervisor_client, thulium):
    thulium.get(STATUSES_URL, status=503)
    thulium.get(AGENTS_URL, json=AGENTS)

    page = supervisor_client.get(edit_url()).content.decode()
    response = post(supervisor_client, form_data(status_id="3", rows=[("city", "Kraków")]))

    assert "The campaign's statuses could not be loaded:" in page
    html = response.content.decode()
    assert "could not be loaded from Thulium, so the form cannot be checked" in html
    assert (
        '<option value="3" selected title="Status id 3">'
        "A status that could not be checked (id 3)</option>"
    ) in html
    assert 'value="Kraków"' in html
    assert put_calls(thulium) == []


def test_agents_unavailable_still_allows_typing_a_login(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(AGENTS_URL, status=400, json={"errors": [{"message": "<b>No agents</b>"}]})
    put = expect_put(thulium, {"agent_login": "j.doe"})

    page = supervisor_client.get(edit_url()).content.decode()
    post(supervisor_client, form_data(agent_login="j.doe"))

    assert "The agent list could not be loaded (&lt;b&gt;No agents&lt;/b&gt;)" in page
    assert put.call_count == 1


# --- double submission --------------------------------------------------------------------------


def test_the_same_form_is_sent_only_once(supervisor_client, lookups):
    put = expect_put(lookups, {"status_id": "3"})
    data = form_data(status_id="3")

    first = post(supervisor_client, data)
    second = post(supervisor_client, data)

    assert put.call_count == 1
    assert first.status_code == second.status_code == 302
    page = supervisor_client.get(second["Location"]).content.decode()
    assert "This form was already sent, so it was not sent again." in page


def test_the_same_form_is_sent_only_once_with_htmx(supervisor_client, lookups):
    put = expect_put(lookups, {"status_id": "3"})
    data = form_data(status_id="3")

    post(supervisor_client, data, htmx=True)
    second = post(supervisor_client, data, htmx=True)

    assert put.call_count == 1
    html = second.content.decode()
    assert "This form was already sent, so it was not sent again." in html
    assert "<html" not in html
    assert AuditEntry.objects.count() == 1


def test_a_failed_send_can_be_sent_again(supervisor_client, lookups):
    failing = lookups.put(PUT_URL, status=503)
    data = form_data(status_id="3")
    post(supervisor_client, data)
    lookups.remove(failing)
    working = expect_put(lookups, {"status_id": "3"})

    response = post(supervisor_client, data)

    assert working.call_count == 1
    assert response.status_code == 302


def test_tokens_are_per_user(client, django_user_model, lookups):
    from django.contrib.auth.models import Group

    from thuladmin.accounts.roles import Role

    put = expect_put(lookups, {"status_id": "3"})
    data = form_data(status_id="3")
    group, _ = Group.objects.get_or_create(name=Role.SUPERVISORS)
    for name in ("first", "second"):
        user = django_user_model.objects.create_user(username=name)
        user.groups.add(group)
        client.force_login(user)
        post(client, data)

    assert put.call_count == 2


# --- htmx: the fragment, rows, status changes ---------------------------------------------------


def test_htmx_request_gets_only_the_form_fragment(supervisor_client, lookups):
    response = post(supervisor_client, form_data(status_id="5"), htmx=True)

    html = response.content.decode().strip()
    assert html.startswith('<section id="record-editor"')
    assert html.endswith("</section>")
    assert "<html" not in html
    assert "<nav" not in html
    assert "<h1" not in html
    assert "HX-Request" in response["Vary"]


def test_adding_a_row_keeps_what_was_typed(supervisor_client, lookups):
    response = post(
        supervisor_client,
        form_data(
            action="add_field",
            status_id="5",
            agent_login="j.doe",
            next_call_date=FUTURE,
            rows=[("city", "Kraków"), ("", "half-typed")],
        ),
        htmx=True,
    )

    html = response.content.decode()
    assert 'name="fields-TOTAL_FORMS" value="3"' in html
    assert 'name="fields-0-key" value="city"' in html
    assert 'value="Kraków"' in html
    assert 'value="half-typed"' in html
    assert 'name="fields-2-key"' in html
    assert 'value="j.doe"' in html
    assert f'value="{FUTURE}"' in html
    assert 'aria-invalid="true"' not in html  # re-rendering is not validating
    assert "field-error" not in html
    assert put_calls(lookups) == []


def test_removing_a_row_keeps_the_others(supervisor_client, lookups):
    response = post(
        supervisor_client,
        form_data(action="remove_field-1", rows=[("a", "1"), ("b", "2"), ("c", "3")]),
        htmx=True,
    )

    html = response.content.decode()
    assert 'name="fields-TOTAL_FORMS" value="2"' in html
    assert 'name="fields-0-key" value="a"' in html
    assert 'name="fields-1-key" value="c"' in html
    assert 'value="b"' not in html
    assert put_calls(lookups) == []


def test_removing_the_last_row_offers_to_add_one(supervisor_client, lookups):
    response = post(supervisor_client, form_data(action="remove_field-0"), htmx=True)

    html = response.content.decode()
    assert 'name="fields-TOTAL_FORMS" value="0"' in html
    assert "No record fields" in html
    assert 'value="add_field"' in html


def test_rows_work_without_javascript_too(supervisor_client, lookups):
    response = post(supervisor_client, form_data(action="add_field", rows=[("city", "Kraków")]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'name="fields-1-key"' in html
    assert 'value="Kraków"' in html


def test_the_form_then_sends_the_rows_it_grew(supervisor_client, lookups):
    put = expect_put(lookups, {"record_fields": {"a": "1", "b": "2"}})
    grown = post(supervisor_client, form_data(action="add_field", rows=[("a", "1")]), htmx=True)
    token = grown.context["form"].initial["token"]

    post(supervisor_client, form_data(token=token, rows=[("a", "1"), ("b", "2")]))

    assert put.call_count == 1


@pytest.mark.parametrize(
    ("status_id", "required", "dictionary"),
    [
        ("5", ["agent_login", "next_call_date"], "5"),
        ("7", ["next_call_date"], "7"),
        ("3", [], "2"),
        ("1", [], ""),
        ("", [], ""),
    ],
)
def test_status_change_moves_the_required_markers(
    supervisor_client, lookups, status_id, required, dictionary
):
    response = post(supervisor_client, form_data(action="status", status_id=status_id), htmx=True)

    html = response.content.decode()
    marked = re.findall(r'<label for="id_(\w+)">[^<]*<span class="required-marker">', html)
    assert marked == required
    for field in required:
        assert re.search(rf'name="{field}"[^>]*\srequired[\s>]', html)
    # The select stays on "from the chosen status", which now gives the status's own.
    assert response.context["form"].initial["dictionary_status_id"] == ""
    assert response.context["form"].initial["dictionary_prefill"] == dictionary
    assert "field-error" not in html
    assert put_calls(lookups) == []


def test_status_change_keeps_a_dictionary_status_the_supervisor_typed(supervisor_client, lookups):
    response = post(
        supervisor_client,
        form_data(
            action="status", status_id="7", dictionary_status_id="42", dictionary_prefill="5"
        ),
        htmx=True,
    )

    assert response.context["form"].initial["dictionary_status_id"] == "42"


def test_status_change_replaces_its_own_suggestion(supervisor_client, lookups):
    response = post(
        supervisor_client,
        form_data(action="status", status_id="7", dictionary_status_id="5", dictionary_prefill="5"),
        htmx=True,
    )

    assert response.context["form"].initial["dictionary_status_id"] == ""
    html = response.content.decode()
    assert 'name="dictionary_prefill" value="7"' in html
    assert '<option value="" selected>— from the chosen status: Later —</option>' in html


def test_status_select_re_renders_the_form_on_change(supervisor_client, lookups):
    html = supervisor_client.get(edit_url()).content.decode()

    picker = re.search(r'<div class="status-picker"[^>]*>', html)[0]
    assert f'hx-post="{edit_url()}"' in picker
    assert 'hx-trigger="change"' in picker
    assert 'hx-target="#record-editor"' in picker
    assert 'hx-vals=\'{"action": "status"}\'' in picker
    # Without JavaScript, a button does the same.
    assert "<noscript>" in html
    assert 'name="action" value="status"' in html


def test_enter_sends_rather_than_removing_a_row(supervisor_client, lookups):
    html = supervisor_client.get(edit_url()).content.decode()

    buttons = re.findall(r'<button type="submit" name="action" value="([^"]+)"', html)
    assert buttons[0] == "send"


# --- hostile input ------------------------------------------------------------------------------

HOSTILE_STATUSES = [
    {
        "system_status": "CALL",
        "status_id": "3",
        "dictionary_status_id": None,
        "name": '<script>alert("status")</script>',
    },
    {"system_status": "<b>MY_RECORD</b>", "status_id": '"><i>4', "name": "<img src=x onerror=1>"},
]


def test_html_in_statuses_from_the_api_is_escaped(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=HOSTILE_STATUSES)
    thulium.get(AGENTS_URL, json=[{"login": '"><script>x</script>', "number": "<b>1</b>"}])

    html = supervisor_client.get(edit_url()).content.decode()
    fragment = post(
        supervisor_client, form_data(action="status", status_id="3"), htmx=True
    ).content.decode()

    for page in (html, fragment):
        assert "<script>" not in page
        assert "<img src=x" not in page
        assert "<b>" not in page
        assert "<i>4" not in page
    assert "&lt;script&gt;alert(&quot;status&quot;)&lt;/script&gt; · Call" in html


def test_html_and_odd_unicode_in_values_are_sent_as_typed_and_shown_escaped(
    supervisor_client, lookups
):
    # HTML, quotes, a right-to-left override, an emoji, a right-to-left mark and Hebrew.
    hostile = "<script>alert(1)</script>\"' & \u202etxt.exe \U0001f600 "
    hostile += "\u200f\u05e9\u05dc\u05d5\u05dd"
    long_value = "ż" * 4999 + "<"
    body = {"record_fields": {"note<b>": hostile, "long": long_value}}
    put = expect_put(lookups, body)

    response = post(
        supervisor_client, form_data(rows=[("note<b>", hostile), ("long", long_value)]), htmx=True
    )

    assert put.call_count == 1
    sent = json.loads(put_calls(lookups)[0].request.body)
    assert sent == body
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "note<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = re.search(r'<pre class="sent-json"><code>(.*?)</code></pre>', html, re.DOTALL)[1]
    assert json.loads(html_lib.unescape(shown)) == body


def test_hostile_values_survive_a_failed_send_escaped(supervisor_client, lookups):
    lookups.put(PUT_URL, status=400, json={"errors": [{"message": "<img src=x onerror=alert(1)>"}]})
    hostile = '"><script>alert(1)</script>'

    html = post(
        supervisor_client, form_data(agent_login="x", rows=[("a", hostile)])
    ).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- identifiers in the URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/campaigns/00001/records/../edit/", "cannot contain control characters"),
        ("/campaigns/00001/records/%07bell/edit/", "cannot contain control characters"),
        (f"/campaigns/00001/records/{'9' * 201}/edit/", "at most 200 characters"),
        ("/campaigns/00001/records/a%5Cb/edit/", "cannot contain slashes"),
        ("/campaigns/0000%3C/records/123/edit/", "is not a campaign id"),
    ],
    ids=["dot-dot", "control", "too-long", "backslash", "bad-campaign"],
)
def test_impossible_identifiers_are_explained_and_never_sent(
    supervisor_client, thulium, path, message
):
    response = supervisor_client.get(path)
    posted = supervisor_client.post(path, form_data(status_id="3"))

    assert response.status_code == posted.status_code == 404
    assert message in html_lib.unescape(response.content.decode())
    assert "0000<" not in response.content.decode()
    assert len(thulium.calls) == 0


def test_identifier_with_spaces_redirects_to_its_clean_address(supervisor_client, thulium):
    response = supervisor_client.get("/campaigns/00001/records/%20123%20/edit/")

    assert response.status_code == 302
    assert response["Location"] == edit_url(identifier="123")


def test_identifiers_with_url_characters_are_quoted(supervisor_client, thulium):
    identifier = "a?b#c%d ż"
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(AGENTS_URL, json=AGENTS)
    put = thulium.put(
        f"{THULIUM_URL}outbounds/00001/records_by_identifier/a%3Fb%23c%25d%20%C5%BC",
        match=[matchers.json_params_matcher({"status_id": "3"})],
    )
    url = edit_url(identifier=identifier)

    assert supervisor_client.get(url).status_code == 200
    response = post(supervisor_client, form_data(status_id="3"), url=url)

    assert response.status_code == 302
    assert put.call_count == 1


# --- audit --------------------------------------------------------------------------------------


def test_success_is_audited_with_the_body_sent(supervisor_client, supervisor, lookups):
    body = {"status_id": "5", "agent_login": "j.doe", "next_call_date": FUTURE_SENT}
    expect_put(lookups, body)

    post(supervisor_client, form_data(status_id="5", agent_login="j.doe", next_call_date=FUTURE))

    entry = AuditEntry.objects.get()
    assert entry.action == "record.update"
    assert entry.outcome == AuditEntry.Outcome.SUCCESS
    assert entry.actor == supervisor
    assert entry.campaign_id == CAMPAIGN
    assert entry.target == IDENTIFIER
    assert entry.request == body
    assert entry.duration_ms is not None


def test_failure_is_audited_with_the_body_and_thuliums_message(supervisor_client, lookups):
    lookups.put(
        PUT_URL,
        status=400,
        json={"request_id": "53678450401cf", "errors": [{"message": "Agent not found."}]},
    )

    post(supervisor_client, form_data(agent_login="nobody", rows=[("city", "Kraków")]))

    entry = AuditEntry.objects.get()
    assert entry.action == "record.update"
    assert entry.outcome == AuditEntry.Outcome.FAILURE
    assert entry.request == {"agent_login": "nobody", "record_fields": {"city": "Kraków"}}
    assert entry.http_status == 400
    assert entry.api_message == "Agent not found."
    assert entry.response["request_id"] == "53678450401cf"
    assert THULIUM_PASSWORD not in json.dumps(entry.request)


def _snapshot_with_the_record(**values) -> SnapshotRecord:
    snapshot = CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN,
        state=CampaignSnapshot.State.READY,
        is_current=True,
        finished_at=timezone.now(),
    )
    fields = {
        "record_id": "77",
        "identifier": IDENTIFIER,
        "phone_number": "600100200",
        "phone_normalised": "600100200",
        "status_id": "3",
        "status_name": "Contact needed",
        "system_status": "CALL",
        "agent_login": "a.nowak",
        "agent_name": "Anna Nowak",
        "next_call_date": "2099-01-02 08:30:00",
        **values,
    }
    return SnapshotRecord.objects.create(snapshot=snapshot, **fields)


def test_an_edit_keeps_the_values_before_it_from_the_snapshot(supervisor_client, lookups):
    _snapshot_with_the_record()
    body = {"status_id": "5", "agent_login": "j.doe", "next_call_date": FUTURE_SENT}
    expect_put(lookups, body)

    post(supervisor_client, form_data(status_id="5", agent_login="j.doe", next_call_date=FUTURE))

    entry = AuditEntry.objects.get()
    assert entry.request == body  # what Thulium received, unchanged
    assert entry.before["source"] == "snapshot"
    assert entry.before["values"] == {
        "status_id": "3",
        "status_name": "Contact needed",
        "system_status": "CALL",
        "agent_login": "a.nowak",
        "agent_name": "Anna Nowak",
        "next_call_date": "2099-01-02 08:30:00",
    }
    assert entry.before["sent_status_name"] == "Mine"
    assert entry.before["sent_system_status"] == "MY_RECORD"
    # The snapshot now holds what was sent; the entry still says what was there before.
    assert SnapshotRecord.objects.get().status_id == "5"


def test_the_values_before_are_read_before_sending(supervisor_client, lookups, monkeypatch):
    """Even when the send fails, the entry says what the record held."""
    _snapshot_with_the_record()
    lookups.put(PUT_URL, status=400, json={"errors": [{"message": "Agent not found."}]})

    post(supervisor_client, form_data(agent_login="nobody"))

    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.Outcome.FAILURE
    assert entry.before["values"]["agent_login"] == "a.nowak"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("none", "no_snapshot"),
        ("other", "not_in_snapshot"),
        ("removed", "removed"),
    ],
)
def test_without_the_record_in_a_snapshot_the_entry_says_why(
    supervisor_client, lookups, setup, reason
):
    if setup == "other":
        _snapshot_with_the_record(identifier="someone-else")
    elif setup == "removed":
        _snapshot_with_the_record(deleted=True)
    expect_put(lookups, {"status_id": "3"})

    post(supervisor_client, form_data(status_id="3"))

    assert AuditEntry.objects.get().before == {
        "source": "none",
        "reason": reason,
        "sent_status_name": "Contact needed",
        "sent_system_status": "CALL",
    }


def test_the_entry_page_shows_before_and_sent_in_words(
    supervisor_client, lookups, django_assert_num_queries
):
    _snapshot_with_the_record()
    body = {"status_id": "7", "agent_login": "j.doe", "next_call_date": "2099-05-24 12:24"}
    expect_put(lookups, body)
    post(
        supervisor_client,
        form_data(status_id="7", agent_login="j.doe", next_call_date="2099-05-24T12:24"),
    )
    entry = AuditEntry.objects.get()

    # session, user, groups, the entry, the header's count of the user's jobs needing attention
    # (and the campaigns' names (its campaign's label))
    with django_assert_num_queries(6):
        response = supervisor_client.get(reverse("audit:detail", args=[entry.pk]))

    html = response.content.decode()
    table = html.split('<table class="striped compact audit-change-table">', 1)[1]
    table = html_lib.unescape(table.split("</table>", 1)[0])
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<t[hd](?:\s[^>]*)?>(.*?)</t[hd]>", table, re.S)
    ]
    # A status in words: its name, then its kind; its id only in the title.
    assert '<span class="status" title="Status id 3">Contact needed <small' in table
    assert '<span class="status" title="Status id 7">Later <small' in table
    assert "(status" not in table
    assert cells == [
        "Field",
        "Before",
        "Sent",
        "Status",
        "Contact needed Call",
        "Later Contact no sooner than",
        "Agent",
        "Anna Nowak (a.nowak)",
        "j.doe",
        "Next call",
        "Jan. 2, 2099, 8:30 a.m.",
        "May 24, 2099, 12:24 p.m.",
    ]
    # The raw data is there for auditors, folded away.
    assert '<details class="audit-raw">' in html

    supervisor_client.cookies["django_language"] = "pl"
    polish = html_lib.unescape(
        supervisor_client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    )
    assert "Przed" in polish
    assert "2 stycznia 2099 08:30" in polish
    assert "Następne połączenie" in polish
    assert "Next call" not in polish


def test_the_entry_page_says_why_the_values_before_are_not_known(supervisor_client, lookups):
    expect_put(lookups, {"status_id": "3"})
    post(supervisor_client, form_data(status_id="3"))
    entry = AuditEntry.objects.get()

    html = html_lib.unescape(
        supervisor_client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    )

    assert (
        "not known, because the campaign's records had not been read when the record was changed"
        in html
    )


def test_plain_success_leaves_nothing_in_the_session_after_it_is_shown(supervisor_client, lookups):
    expect_put(lookups, {"status_id": "3"})

    post(supervisor_client, form_data(status_id="3"))
    assert SENT_SESSION_KEY in supervisor_client.session
    supervisor_client.get(edit_url())

    assert SENT_SESSION_KEY not in supervisor_client.session


# --- access -------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, thulium):
    response = client.get(edit_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert len(thulium.calls) == 0


def test_users_without_a_role_are_refused(user_without_role_client, thulium):
    assert user_without_role_client.get(edit_url()).status_code == 403
    assert user_without_role_client.post(edit_url(), form_data(status_id="3")).status_code == 403
    assert len(thulium.calls) == 0


def test_other_methods_are_refused(supervisor_client, thulium):
    assert supervisor_client.put(edit_url()).status_code == 405
    assert supervisor_client.delete(edit_url()).status_code == 405


# --- opening a record from the campaign page ----------------------------------------------------


def detail_url() -> str:
    return reverse("campaigns:detail", args=[CAMPAIGN])


def test_campaign_page_offers_an_identifier_box(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)

    html = supervisor_client.get(detail_url()).content.decode()

    assert f'<form method="get" action="{detail_url()}" class="record-open-form"' in html
    assert 'name="identifier"' in html
    assert "Open the record" in html


def test_a_valid_identifier_opens_the_edit_page(supervisor_client, thulium):
    response = supervisor_client.get(detail_url(), {"identifier": " 1234567890 "})

    assert response.status_code == 302
    assert response["Location"] == edit_url()
    assert len(thulium.calls) == 0


def test_an_identifier_with_url_characters_opens_its_own_page(supervisor_client, thulium):
    response = supervisor_client.get(detail_url(), {"identifier": "a?b#c"})

    assert response["Location"] == edit_url(identifier="a?b#c")
    assert "%3F" in response["Location"]
    assert "%23" in response["Location"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the record's identifier."),
        ("   ", "Enter the record's identifier."),
        ("12/34", "An identifier cannot contain slashes."),
        ("1" * 201, "An identifier is at most 200 characters long."),
        ("..", "cannot contain control characters, nor be “.” or “..”."),
        ("ab\u200fc", "cannot contain control characters"),
    ],
    ids=["empty", "blank", "slash", "too-long", "dot-dot", "rtl-mark"],
)
def test_a_bad_identifier_is_explained_on_the_campaign_page(
    supervisor_client, thulium, typed, message
):
    thulium.get(STATUSES_URL, json=STATUSES)

    response = supervisor_client.get(detail_url(), {"identifier": typed})

    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_error(html, "identifier")
    assert 'aria-invalid="true"' in html
    assert "Contact needed" in html  # the statuses are still shown


def test_an_edit_keeps_the_record_s_phone_so_a_search_by_the_number_finds_it(
    supervisor_client, lookups
):
    _snapshot_with_the_record(phone_number="516 659 233", phone_normalised="516659233")
    expect_put(lookups, {"agent_login": "j.doe"})

    post(supervisor_client, form_data(agent_login="j.doe"))

    entry = AuditEntry.objects.get()
    assert entry.phone == "516659233"
    assert list(AuditEntry.objects.filtered(item="516 659 233")) == [entry]


def test_an_edit_of_a_record_the_snapshot_does_not_hold_keeps_no_phone(supervisor_client, lookups):
    expect_put(lookups, {"status_id": "3"})

    post(supervisor_client, form_data(status_id="3"))

    assert AuditEntry.objects.get().phone == ""


@pytest.mark.parametrize(
    ("name", "said"),
    [("My record", "Status “My record” "), ("Mine", "Status “Mine” (My record) ")],
)
def test_a_status_named_after_its_kind_is_not_named_twice(name, said):
    from campaigns.forms import RecordEditForm
    from thuladmin.thulium.types import CampaignStatus

    status = CampaignStatus(
        status_id="5", name=name, system_status="MY_RECORD", dictionary_status_id=None
    )
    form = RecordEditForm({"status_id": "5"}, statuses=[status])

    assert form.fields["agent_login"].error_messages["required"] == (
        f"{said}reserves the record for one agent: enter the agent's login."
    )
    assert form.fields["next_call_date"].error_messages["required"] == (
        f"{said}needs the next call date."
    )


def test_the_entry_page_names_the_dictionary_status_sent(supervisor_client, lookups):
    """ "Dictionary status: 2" made an auditor look up Thulium's numbering: the name the
    campaign's statuses give it, its id in the title."""
    body = {"status_id": "3", "dictionary_status_id": 2}
    expect_put(lookups, body)
    post(supervisor_client, form_data(status_id="3", dictionary_prefill="2"))
    entry = AuditEntry.objects.get()
    assert entry.request == body
    assert entry.before["sent_dictionary_status_name"] == "Contact needed"

    html = supervisor_client.get(reverse("audit:detail", args=[entry.pk])).content.decode()

    table = html.split('<table class="striped compact audit-change-table">', 1)[1]
    table = table.split("</table>", 1)[0]
    assert '<span class="status" title="Dictionary status id 2">Contact needed</span>' in table
    assert not re.search(r"<td>\s*2\s*</td>", table)


def test_an_older_entry_names_the_dictionary_status_from_the_cached_statuses(
    supervisor_client, lookups
):
    expect_put(lookups, {"dictionary_status_id": 5})
    post(supervisor_client, form_data(dictionary_status_id="5"))
    entry = AuditEntry.objects.get()
    entry.before.pop("sent_dictionary_status_name")
    entry.save()
    supervisor_client.get(edit_url())  # the statuses are in the cache

    html = supervisor_client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    assert '<span class="status" title="Dictionary status id 5">Mine</span>' in html

    cache.clear()
    html = supervisor_client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    assert (
        '<span class="status" title="Dictionary status id 5">'
        "a dictionary status the campaign&#x27;s statuses do not name</span>"
    ) in html

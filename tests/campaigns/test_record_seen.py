"""The record page keeps to what the campaign's copy knows (issue 23): it waits for the first
read and for the refresh it asked for, its values updating in place; and an edit whose record
changed since the form was opened (an agent's call, another supervisor) is not sent: the page
shows what changed and asks to look again (campaigns/records/seen.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from responses import matchers

from campaigns.models import CampaignCopy, CampaignSnapshot, SnapshotRecord
from tests.campaigns.test_record_edit import (
    AGENTS,
    AGENTS_URL,
    CAMPAIGN,
    IDENTIFIER,
    STATUSES,
    STATUSES_URL,
    edit_url,
    expect_put,
    form_data,
    post,
    put_calls,
)
from tests.campaigns.test_snapshot import RECORDS_URL, api_record

pytestmark = pytest.mark.django_db

POLLS = 'hx-trigger="every 1s"'
HTMX_POLL = {"HX-Request": "true", "HX-Target": "record-current"}


@pytest.fixture
def lookups(thulium):
    """Thulium's statuses and agents for campaign 00001."""
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(AGENTS_URL, json=AGENTS)
    return thulium


def reverse_record() -> str:
    return f"/campaigns/{CAMPAIGN}/records/{IDENTIFIER}/"


def copy_with_record(*, as_of_ago: timedelta = timedelta(seconds=10), **values) -> None:
    """A complete copy holding the record (status New, no agent), true as of `as_of_ago`."""
    current = CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN,
        state=CampaignSnapshot.State.READY,
        is_current=True,
        fetched_count=1,
        expected_count=1,
        finished_at=timezone.now() - as_of_ago,
    )
    SnapshotRecord.objects.create(
        snapshot=current,
        record_id="7",
        identifier=IDENTIFIER,
        phone_number="600100013",
        phone_normalised="600100013",
        **{"status_id": "1", "status_name": "New", "system_status": "TO_CALL", **values},
    )
    CampaignCopy.objects.update_or_create(
        campaign_id=CAMPAIGN,
        defaults={
            "refreshed_at": timezone.now() - as_of_ago,
            "opened_at": timezone.now(),
            "refresh_token": "chain",
            "refresh_due_at": timezone.now() + timedelta(seconds=50),
        },
    )


def first_read(*, read: int, expected: int | None) -> CampaignSnapshot:
    return CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN, fetched_count=read, expected_count=expected
    )


def refreshed(thulium, *records: dict) -> None:
    """Thulium's answer to the refresh before sending: today's calls, then today's additions."""
    day = timezone.localdate().isoformat()
    thulium.get(
        RECORDS_URL,
        json={"count": len(records), "result": list(records)},
        match=[
            matchers.query_param_matcher({"limit": "100", "offset": "0", "call_date_from": day})
        ],
    )
    thulium.get(
        RECORDS_URL,
        json={"count": 0, "result": []},
        match=[
            matchers.query_param_matcher({"limit": "100", "offset": "0", "create_date_from": day})
        ],
    )


def called(**values) -> dict:
    """The record as Thulium lists it after an agent's call."""
    return api_record(7, identifier=IDENTIFIER, phone_number="600100013", **values)


def opened_form(client) -> dict:
    """The form's values as the page renders them (what a browser would post back)."""
    form = client.get(edit_url()).context["form"]
    data = form_data(token=form.initial["token"])
    data.update({name: value for name, value in form.initial.items() if name != "token"})
    return data


# --- waiting ------------------------------------------------------------------------------------


def test_during_the_first_read_the_page_waits_for_the_record(supervisor_client, lookups):
    first_read(read=40_000, expected=100_000)

    html = supervisor_client.get(edit_url()).content.decode()

    region = html[
        html.index('id="record-current"') : html.index(
            "</section>", html.index('id="record-current"')
        )
    ]
    assert POLLS in region
    assert f'hx-get="{reverse_record()}?wait=record"' in region
    assert "hx-include=" in region  # the form's fields: an untouched form is replaced
    assert "Searched 40,000 of 100,000 records, still reading." in region
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html


def test_the_record_read_appears_in_place_with_its_form_prefilled(supervisor_client, lookups):
    reading = first_read(read=60_000, expected=100_000)
    SnapshotRecord.objects.create(
        snapshot=reading,
        record_id="7",
        identifier=IDENTIFIER,
        phone_number="600100013",
        phone_normalised="600100013",
        status_id="3",
        status_name="Contact needed",
        system_status="CALL",
    )

    untouched = supervisor_client.get(
        reverse_record(), {"wait": "record", "status_id": "", "agent_login": ""}, headers=HTMX_POLL
    ).content.decode()
    begun = supervisor_client.get(
        reverse_record(), {"wait": "record", "agent_login": "j.doe"}, headers=HTMX_POLL
    ).content.decode()

    assert "<html" not in untouched
    assert '<dd class="record-phone">600100013</dd>' in untouched
    assert POLLS not in untouched
    assert 'id="record-editor" class="record-editor"' in untouched
    assert 'hx-swap-oob="true"' in untouched
    assert '<option value="3" selected>' in untouched
    assert 'name="seen_status_id" value="3"' in untouched
    assert '<dd class="record-phone">600100013</dd>' in begun
    assert 'id="record-editor"' not in begun  # what the supervisor typed stays


def test_a_copy_older_than_a_minute_is_refreshed_and_the_page_waits_for_it(
    supervisor_client, lookups
):
    copy_with_record(as_of_ago=timedelta(minutes=5))

    html = supervisor_client.get(edit_url()).content.decode()
    CampaignCopy.objects.update(refreshed_at=timezone.now())  # the worker's refresh landed
    after = supervisor_client.get(
        reverse_record(), {"wait": "refresh"}, headers=HTMX_POLL
    ).content.decode()

    assert CampaignCopy.objects.get().refresh_token != "chain"  # a refresh queued now
    assert f'hx-get="{reverse_record()}?wait=refresh"' in html
    assert "Checking for newer values…" in html
    assert "<noscript><meta" not in html  # a reload would lose what is typed
    assert POLLS not in after
    assert f"As of {timezone.localtime().strftime('%H:%M')}." in after


def test_a_recent_copy_does_not_poll_and_the_form_carries_what_it_was_opened_with(
    supervisor_client, lookups
):
    copy_with_record(agent_login="a.nowak")

    html = supervisor_client.get(edit_url()).content.decode()

    assert POLLS not in html
    assert 'name="seen_status_id" value="1"' in html
    assert 'name="seen_agent_login" value="a.nowak"' in html
    assert re.search(r'name="seen_as_of" value="\d{4}-\d\d-\d\dT', html)
    assert "snapshot" not in re.sub(r"<[^>]+>", " ", html[html.index("<body") :]).lower()


# --- the check before sending -------------------------------------------------------------------


def test_a_record_changed_by_a_call_since_the_form_was_opened_is_not_overwritten(
    supervisor_client, lookups
):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["agent_login"] = "j.doe"  # the supervisor's change; the status left as it was
    refreshed(lookups, called(status_id="3", status="Contact needed", system_status="CALL"))

    response = post(supervisor_client, data)

    html = response.content.decode()
    assert put_calls(lookups) == []
    assert "Nothing was sent: this record changed since you opened this page" in html
    assert re.search(r"<th scope=\"row\">Status</th><td>New</td><td>→ Contact needed</td>", html)
    assert "Send my change anyway" in html
    form = response.context["form"]
    assert form.initial["seen_status_id"] == "3"  # the new values, seen now
    assert form.initial["status_id"] == "3"  # left as it was: follows the record
    assert form.initial["agent_login"] == "j.doe"  # changed: kept
    assert '<dd class="record-status">Contact needed' in html


def test_sent_anyway_after_looking_again_it_goes_through(supervisor_client, lookups):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["agent_login"] = "j.doe"
    refreshed(lookups, called(status_id="3", status="Contact needed", system_status="CALL"))
    looked_again = post(supervisor_client, data).context["form"].initial
    expect_put(lookups, {"agent_login": "j.doe"})

    again = {**data, **{key: str(value) for key, value in looked_again.items()}}
    response = post(supervisor_client, again)

    assert response.status_code == 302
    assert len(put_calls(lookups)) == 1


def test_an_unchanged_record_is_sent_after_the_check(supervisor_client, lookups):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["status_id"] = "3"
    refreshed(lookups)  # no call today
    expect_put(lookups, {"status_id": "3"})

    response = post(supervisor_client, data, htmx=True)

    assert "Thulium accepted the change" in response.content.decode()
    assert len(put_calls(lookups)) == 1


def test_a_check_thulium_could_not_answer_does_not_block_the_edit(supervisor_client, lookups):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["status_id"] = "3"
    lookups.get(RECORDS_URL, body=requests.ConnectionError("down"))
    expect_put(lookups, {"status_id": "3"})

    response = post(supervisor_client, data, htmx=True)

    html = response.content.decode()
    assert len(put_calls(lookups)) == 1
    assert "Thulium accepted the change" in html
    assert "could not be checked, so it was sent without that check" in html


def test_the_htmx_answer_brings_the_new_values_along(supervisor_client, lookups):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["agent_login"] = "j.doe"
    refreshed(lookups, called(status_id="3", status="Contact needed", system_status="CALL"))

    html = post(supervisor_client, data, htmx=True).content.decode()

    assert "<html" not in html
    assert re.search(r'<section id="record-current"[^>]*hx-swap-oob="true"', html)
    assert "Send my change anyway" in html
    assert put_calls(lookups) == []


def test_a_polish_supervisor_reads_the_change_in_polish(supervisor_client, lookups):
    copy_with_record()
    data = opened_form(supervisor_client)
    data["agent_login"] = "j.doe"
    refreshed(lookups, called(status_id="3", status="Contact needed", system_status="CALL"))

    html = supervisor_client.post(edit_url(), data, headers={"Accept-Language": "pl"})
    text = html.content.decode()

    assert "Nic nie zostało wysłane: ten rekord zmienił się od otwarcia tej strony" in text
    assert "Mimo to wyślij moją zmianę" in text

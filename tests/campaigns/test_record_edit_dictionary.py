"""The record form's dictionary status and status in words: a choice of names, ids in titles."""

from __future__ import annotations

import uuid

from campaigns.bulk.change_records import RecordChangesForm, change_rows, changes_in_words
from campaigns.dictionary_statuses import dictionary_statuses_of
from campaigns.forms import RecordEditForm, record_edit_form_redisplay
from thuladmin.thulium.types import CampaignStatus

STATUSES = [
    CampaignStatus(status_id="1", name="New", system_status="TO_CALL", dictionary_status_id=None),
    CampaignStatus(
        status_id="3", name="Contact needed", system_status="CALL", dictionary_status_id=2
    ),
    CampaignStatus(status_id="4", name="Call back", system_status="CALL", dictionary_status_id=2),
    CampaignStatus(status_id="5", name="Mine", system_status="MY_RECORD", dictionary_status_id=5),
]


def posted(**values) -> dict:
    return {
        "token": str(uuid.uuid4()),
        "status_id": "",
        "dictionary_status_id": "",
        "dictionary_prefill": "",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "1",
        "fields-0-key": "",
        "fields-0-value": "",
        **values,
    }


def test_dictionary_statuses_are_named_by_the_statuses_built_on_them():
    assert dictionary_statuses_of(STATUSES) == {2: "Contact needed / Call back", 5: "Mine"}


def test_the_dictionary_status_is_a_select_of_names_with_ids_in_titles():
    html = str(RecordEditForm(statuses=STATUSES)["dictionary_status_id"])

    assert html.startswith("<select")
    assert '<option value="" selected>— from the chosen status —</option>' in html
    assert (
        '<option value="2" title="Dictionary status id 2">Contact needed / Call back</option>'
        in html
    )
    assert '<option value="5" title="Dictionary status id 5">Mine</option>' in html
    assert 'type="number"' not in html


def test_after_a_status_change_from_the_chosen_status_names_and_sends_its_own():
    form = record_edit_form_redisplay(posted(status_id="3"), statuses=STATUSES, status_changed=True)
    assert "— from the chosen status: Contact needed / Call back —" in str(
        form["dictionary_status_id"]
    )

    sent = RecordEditForm(posted(status_id="3", dictionary_prefill="2"), statuses=STATUSES)
    assert sent.is_valid(), sent.errors
    assert sent.changes() == {"status_id": "3", "dictionary_status_id": 2}


def test_without_a_status_change_nothing_follows_the_status():
    form = RecordEditForm(posted(status_id="3"), statuses=STATUSES)

    assert form.is_valid(), form.errors
    assert form.changes() == {"status_id": "3"}


def test_a_chosen_dictionary_status_is_sent_and_kept_across_a_status_change():
    form = RecordEditForm(
        posted(status_id="3", dictionary_status_id="5", dictionary_prefill="2"), statuses=STATUSES
    )
    assert form.is_valid(), form.errors
    assert form.changes() == {"status_id": "3", "dictionary_status_id": 5}

    again = record_edit_form_redisplay(
        posted(status_id="1", dictionary_status_id="5", dictionary_prefill="2"),
        statuses=STATUSES,
        status_changed=True,
    )
    assert again.initial["dictionary_status_id"] == "5"


def test_an_id_the_campaign_does_not_carry_stays_selectable_and_is_said_to_be_one():
    form = RecordEditForm(posted(dictionary_status_id="42"), statuses=STATUSES)

    html = str(form["dictionary_status_id"])
    assert (
        '<option value="42" selected title="Dictionary status id 42">'
        "Dictionary status 42 (not in this campaign&#x27;s statuses)</option>"
    ) in html
    assert form.is_valid(), form.errors
    assert form.changes() == {"dictionary_status_id": 42}


def test_a_status_that_cannot_be_checked_is_named_from_the_copy():
    mine = CampaignStatus(
        status_id="5", name="Mine", system_status="MY_RECORD", dictionary_status_id=None
    )
    form = RecordEditForm(initial={"status_id": "5"}, statuses=None, named_statuses=[mine])

    assert "Mine · My record (not checked)</option>" in str(form["status_id"])


def test_a_status_that_cannot_be_checked_nor_named_is_said_to_be_unknown():
    form = RecordEditForm(initial={"status_id": "5"}, statuses=None)

    assert (
        '<option value="5" selected title="Status id 5">'
        "A status that could not be checked (id 5)</option>"
    ) in str(form["status_id"])


def test_the_change_records_form_keeps_each_records_dictionary_status_by_default():
    form = RecordChangesForm(statuses=STATUSES)

    html = str(form["dictionary_status_id"])
    assert "— keep each record&#x27;s dictionary status —" in html
    assert "Contact needed / Call back</option>" in html


def test_a_change_records_job_names_the_dictionary_status_it_sets():
    statuses = {status.status_id: status for status in STATUSES}

    words = dict(changes_in_words({"dictionary_status_id": 2}, statuses))
    rows = change_rows({"before": {}}, {"dictionary_status_id": 42}, statuses)

    assert words["Dictionary status"] == (
        '<span class="status" title="Dictionary status id 2">Contact needed / Call back</span>'
    )
    assert rows[0].after == (
        '<span class="status" title="Dictionary status id 42">'
        "a dictionary status the campaign&#x27;s statuses do not name</span>"
    )

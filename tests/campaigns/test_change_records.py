"""Change these records: the form and its rules, the ways of choosing records, the preview's
before → after, the PUTs, the audit entry, the copy's updates, putting values back, and who
may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from campaigns.bulk.change_records import CHANGE_RECORDS, ChangeOutcome
from campaigns.bulk.chosen_records import NO_IDENTIFIER, NUMBER_NOT_IN_COPY
from campaigns.models import CampaignSnapshot, SnapshotRecord
from tests.campaigns.conftest import THULIUM_URL
from tests.campaigns.test_snapshot import AGENTS_URL, RECORDS_URL, STATUSES_URL, api_record
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_retry, bulk_job_start

CAMPAIGN = "00001"
FORM_URL = reverse("campaigns:change_records", args=[CAMPAIGN])
STATUSES = [
    {"system_status": "TO_CALL", "status_id": "1", "dictionary_status_id": None, "name": "New"},
    {"system_status": "CALL", "status_id": "3", "dictionary_status_id": 2, "name": "Call"},
    {"system_status": "MY_RECORD", "status_id": "5", "dictionary_status_id": 8, "name": "Mine"},
    {
        "system_status": "CALL_NO_SOONER_THAN",
        "status_id": "6",
        "dictionary_status_id": None,
        "name": "Later",
    },
]
AGENTS = [{"login": "j.doe", "number": "3113", "active": True, "active_in_outbound": True}]
FUTURE = (timezone.localtime() + timedelta(days=3)).replace(hour=9, minute=30)
FUTURE_FORM = FUTURE.strftime("%Y-%m-%dT%H:%M")
FUTURE_SENT = FUTURE.strftime("%Y-%m-%d %H:%M")


def put_url(identifier: str) -> str:
    return f"{THULIUM_URL}outbounds/{CAMPAIGN}/records_by_identifier/{identifier}"


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_PARALLEL_REQUESTS = 3
    settings.BULK_TYPED_CONFIRMATION_THRESHOLD = 5


@pytest.fixture
def lookups(thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(AGENTS_URL, json=AGENTS)
    return thulium


def copy_with(*records: dict) -> CampaignSnapshot:
    """A complete copy of the campaign holding `records` (SnapshotRecord fields)."""
    snapshot = CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN,
        state=CampaignSnapshot.State.READY,
        is_current=True,
        finished_at=timezone.now(),
        started_at=timezone.now(),
    )
    for number, values in enumerate(records, start=1):
        fields = {
            "record_id": str(number),
            "identifier": f"id-{number}",
            "phone_number": f"60010020{number}",
            "phone_normalised": f"60010020{number}",
            "status_id": "3",
            "status_name": "Call",
            "system_status": "CALL",
            "agent_login": "a.nowak",
            "next_call_date": "2099-01-02 08:30:00",
            **values,
        }
        SnapshotRecord.objects.create(snapshot=snapshot, **fields)
    return snapshot


def fields(**values) -> dict:
    data = {
        "status_id": "",
        "dictionary_status_id": "",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "50",
    }
    data.update(values)
    return data


def chosen(*rows: tuple[str, str], **values) -> dict:
    return fields(
        scope="selected",
        chosen_identifier=[identifier for identifier, _number in rows],
        chosen_number=[number for _identifier, number in rows],
        **values,
    )


def run(job: BulkJob) -> BulkJob:
    JobRunner(job.pk).run()
    job.refresh_from_db()
    return job


# --- choosing records ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_posts_the_chosen_rows_and_the_form_carries_them(supervisor_client, lookups):
    copy_with({}, {})

    response = supervisor_client.post(
        FORM_URL,
        {
            "from_list": "1",
            "scope": "selected",
            "number": ["600100201", "600100209"],
            "row_identifier": ["id-1", "id-2", ""],
            "row_number": ["600100201", "600100202", "600100209"],
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="chosen_identifier" value="id-1"' in html
    assert 'name="chosen_identifier" value="id-2"' not in html  # not ticked
    assert "The 2 records chosen on the list." in html
    assert 'list="record-agents"' in html
    assert '<option value="j.doe"' in html
    assert not BulkJob.objects.exists()  # nothing checked, nothing drafted


@pytest.mark.django_db
def test_nothing_chosen_goes_back_to_the_list(supervisor_client, lookups):
    response = supervisor_client.post(
        FORM_URL, {"from_list": "1", "scope": "selected", "row_identifier": ["id-1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:records", args=[CAMPAIGN])


@pytest.mark.django_db
def test_chosen_rows_become_a_draft_with_their_values_before_from_the_copy(
    supervisor_client, lookups
):
    copy_with({}, {"status_id": "1", "status_name": "New", "agent_login": ""})

    response = supervisor_client.post(
        FORM_URL,
        chosen(
            ("id-1", "600100201"),
            ("id-2", "600100202"),
            ("", "600100209"),
            status_id="5",
            agent_login="j.doe",
            next_call_date=FUTURE_FORM,
        ),
    )

    job = BulkJob.objects.get()
    assert response["Location"] == reverse("bulk:detail", args=[job.pk])
    assert job.kind == CHANGE_RECORDS.name
    assert job.campaign_id == CAMPAIGN
    assert job.options["changes"] == {
        "status_id": "5",
        "agent_login": "j.doe",
        "next_call_date": FUTURE_SENT,
    }
    assert job.item_count == 2
    first, second = job.items.to_send()
    assert first.value == "id-1"
    assert first.preview["before"]["status_id"] == "3"
    assert first.preview["before"]["agent_login"] == "a.nowak"
    assert first.preview["as_of"]
    assert second.preview["before"]["status_name"] == "New"
    # A record without an identifier cannot be changed through the API: listed, never sent.
    (refused,) = job.items.invalid()
    assert refused.raw == "600100209"
    assert refused.detail_code == NO_IDENTIFIER


@pytest.mark.django_db
def test_a_chosen_record_the_copy_does_not_hold_is_sent_with_nothing_known_before(
    supervisor_client, lookups
):
    response = supervisor_client.post(FORM_URL, chosen(("id-7", "600100207"), status_id="3"))

    job = BulkJob.objects.get()
    assert response.status_code == 302
    (item,) = job.items.to_send()
    assert item.preview == {"phone_number": "600100207"}
    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    assert "not known" in html


@pytest.mark.django_db
def test_a_pasted_list_is_found_in_the_copy(supervisor_client, lookups):
    copy_with({}, {}, {"phone_number": "600100201", "phone_normalised": "600100201"})

    supervisor_client.post(
        FORM_URL,
        fields(
            scope="pasted", text="id-2\n+48 600 100 201\n600 999 999\nnew-record", status_id="3"
        ),
    )

    job = BulkJob.objects.get()
    sent = {item.value: item for item in job.items.to_send()}
    # A number with several records gives each of them.
    assert list(sent) == ["id-2", "id-1", "id-3", "new-record"]
    assert sent["id-3"].raw == "+48 600 100 201"
    assert sent["new-record"].preview == {"phone_number": ""}  # an identifier the copy lacks
    (refused,) = job.items.invalid()
    assert refused.raw == "600 999 999"
    assert refused.detail_code == NUMBER_NOT_IN_COPY


@pytest.mark.django_db
def test_all_matching_records_are_read_through_thulium_with_their_identifiers(
    supervisor_client, lookups
):
    lookups.get(
        RECORDS_URL,
        json={
            "count": 3,
            "result": [
                api_record(1, status_id="3", status="Call", system_status="CALL"),
                api_record(2),
                api_record(3, identifier=None),
            ],
        },
        match=[matchers.query_param_matcher({"limit": "100", "offset": "0", "status_id[]": "3"})],
    )

    supervisor_client.post(FORM_URL, fields(scope="all", status="3", status_id="1"))

    job = BulkJob.objects.get()
    assert job.options["source"] == "all"
    assert job.options["filters"] == [["status", "3"]]
    assert [item.value for item in job.items.to_send()] == ["id-1", "id-2"]
    assert job.items.to_send()[0].preview["before"]["status_name"] == "Call"
    assert job.invalid_count == 1
    # Shown as the records they are: no lines, nothing "as pasted".
    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    assert "As pasted" not in html
    assert "<bdi>id-1</bdi>" in html


@pytest.mark.django_db
def test_all_matching_records_over_the_limit_are_refused_after_one_page(
    supervisor_client, lookups, settings
):
    settings.BULK_MAX_ITEMS = 2
    first = lookups.get(RECORDS_URL, json={"count": 3, "result": [api_record(1), api_record(2)]})

    response = supervisor_client.post(FORM_URL, fields(scope="all", status_id="1"))

    assert "More than 2 records: narrow the filters first." in response.content.decode()
    assert first.call_count == 1
    assert not BulkJob.objects.exists()


# --- the rules -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status_id": "5", "next_call_date": FUTURE_FORM}, "reserves the record for one agent"),
        ({"status_id": "5", "agent_login": "j.doe"}, "needs the next call date"),
        ({"status_id": "6"}, "needs the next call date"),
        ({}, "Nothing to send: fill in at least one field."),
        ({"next_call_date": "2001-01-01T10:00"}, "This date is in the past."),
    ],
)
def test_thuliums_rules_are_checked_before_anything_is_drafted(
    supervisor_client, lookups, values, message
):
    copy_with({})

    response = supervisor_client.post(FORM_URL, chosen(("id-1", "600100201"), **values))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_only_filled_in_fields_are_sent_and_a_named_field_without_value_is_emptied(
    supervisor_client, lookups
):
    supervisor_client.post(
        FORM_URL,
        chosen(
            ("id-1", "600100201"),
            **{"fields-0-key": "city", "fields-0-value": "Kraków", "fields-1-key": "note"},
        ),
    )

    assert BulkJob.objects.get().options["changes"] == {
        "record_fields": {"city": "Kraków", "note": ""}
    }


# --- the preview -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_shows_each_record_before_and_after(supervisor_client, lookups):
    copy_with({})
    supervisor_client.post(
        FORM_URL,
        chosen(
            ("id-1", "600100201"), status_id="5", agent_login="j.doe", next_call_date=FUTURE_FORM
        ),
    )
    job = BulkJob.objects.get()

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    # Statuses in words (name, then kind when the name does not say it), the id in a title.
    assert '<span class="status" title="Status id 3">Call</span>' in html
    assert (
        '<span class="status" title="Status id 5">Mine <small class="system-status">My record'
        "</small></span>" in html
    )
    assert "(status " not in html
    assert "a.nowak" in html
    assert "j.doe" in html
    assert "from the campaign's copy, as of" in html
    assert "Change 1 record in campaign 00001" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dictionary_status_id", "words"),
    [
        # Named by the campaign's status built on it, as the "do not call" picker names it.
        ("8", "Mine"),
        # No status of the campaign is built on it: no name to give, the id in the title only.
        ("42", "a dictionary status the campaign&#x27;s statuses do not name"),
    ],
)
def test_a_dictionary_status_is_shown_in_words_its_id_in_a_title(
    supervisor_client, lookups, dictionary_status_id, words
):
    copy_with({})
    supervisor_client.post(
        FORM_URL,
        chosen(("id-1", "600100201"), status_id="3", dictionary_status_id=dictionary_status_id),
    )
    job = BulkJob.objects.get()
    assert job.options["changes"] == {
        "status_id": "3",
        "dictionary_status_id": int(dictionary_status_id),
    }

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    shown = (
        f'<span class="status" title="Dictionary status id {dictionary_status_id}">{words}</span>'
    )
    summary = html.split("change-records-summary", 1)[1].split("</ul>", 1)[0]
    assert f"Dictionary status: <strong>{shown}</strong>" in summary
    (row,) = _preview_rows(html)
    assert f'<strong class="change-after">{shown}</strong>' in row
    assert f">{dictionary_status_id}<" not in html


def _preview_rows(html: str) -> list[str]:
    body = html.split('id="preview-items"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("</tr>") if "<td" in row]


@pytest.mark.django_db
def test_chosen_rows_preview_as_the_records_they_are(supervisor_client, lookups):
    copy_with({}, {}, {})
    supervisor_client.post(
        FORM_URL,
        chosen(
            ("id-1", "600100201"),
            ("id-2", "600100202"),
            ("id-3", "600100203"),
            status_id="5",
            agent_login="j.doe",
            next_call_date=FUTURE_FORM,
        ),
    )
    job = BulkJob.objects.get()

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    # No lines nor text as pasted: nothing was pasted.
    assert "As pasted" not in html
    assert "item-line" not in html
    assert '<th scope="col">Identifier</th>' in html
    rows = _preview_rows(html)
    assert len(rows) == 3
    assert "row-not-found" not in html  # values before are not a lookup that failed
    first = rows[0]
    assert f'<a href="/campaigns/{CAMPAIGN}/records/id-1/"><bdi>id-1</bdi></a>' in first
    assert '<td class="record-phone" data-label="Phone number">600100201</td>' in first
    assert 'title="Status id 3">Call</span>' in first
    assert 'title="Status id 5">Mine' in first
    assert "a.nowak" in first
    assert "j.doe" in first
    assert '<small class="muted record-as-of">before: as of ' in first


@pytest.mark.django_db
def test_a_pasted_list_previews_with_its_lines_beside_the_records(supervisor_client, lookups):
    copy_with({}, {"phone_number": "600100201", "phone_normalised": "600100201"})
    supervisor_client.post(
        FORM_URL, fields(scope="pasted", text="600 100 201\nid-9", status_id="3")
    )
    job = BulkJob.objects.get()

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    # What was typed, and on which line, is what the supervisor recognises of a paste.
    assert "As pasted" in html
    rows = _preview_rows(html)
    assert [("item-line" in row, "600 100 201" in row) for row in rows] == [
        (True, True),
        (True, True),
        (True, False),
    ]
    assert "<bdi>id-1</bdi>" in rows[0]
    assert "<bdi>id-2</bdi>" in rows[1]
    assert "Not in the campaign's copy" in rows[2]


@pytest.mark.django_db
def test_a_large_job_asks_for_the_count(supervisor_client, lookups):
    copy_with(*({} for _ in range(6)))
    rows = [(f"id-{n}", f"60010020{n}") for n in range(1, 7)]
    supervisor_client.post(FORM_URL, chosen(*rows, status_id="3"))
    job = BulkJob.objects.get()

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    response = supervisor_client.post(reverse("bulk:start", args=[job.pk]), {"confirmation": "5"})

    assert "type the number of records, 6, to confirm" in html
    assert "That is not the count: type 6 to start." in response.content.decode()
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT


# --- sending ---------------------------------------------------------------------------------


def _draft(client, *rows, **values) -> BulkJob:
    client.post(FORM_URL, chosen(*rows, **values))
    return BulkJob.objects.get()


@pytest.mark.django_db(transaction=True)
def test_one_put_a_record_with_outcomes_the_copy_and_the_audit_entry(
    supervisor_client, supervisor, lookups
):
    copy_with({}, {}, {})
    job = _draft(
        supervisor_client,
        ("id-1", "600100201"),
        ("id-2", "600100202"),
        ("id-3", "600100203"),
        status_id="5",
        agent_login="j.doe",
        next_call_date=FUTURE_FORM,
    )
    bulk_job_start(job=job, user=supervisor)
    body = {"status_id": "5", "agent_login": "j.doe", "next_call_date": FUTURE_SENT}
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), match=[matchers.json_params_matcher(body)], body="")
        thulium.put(
            put_url("id-2"),
            match=[matchers.json_params_matcher(body)],
            status=404,
            json={"errors": [{"message": "Record not found.", "code": 1}]},
        )
        thulium.put(
            put_url("id-3"),
            match=[matchers.json_params_matcher(body)],
            status=400,
            json={"errors": [{"message": "Agent not found.", "code": 2}]},
        )
        job = run(job)

    outcomes = dict(job.items.values_list("value", "outcome"))
    assert outcomes == {
        "id-1": ChangeOutcome.UPDATED,
        "id-2": ChangeOutcome.NOT_FOUND,
        "id-3": Outcome.ERROR,
    }
    assert job.items.get(value="id-2").thulium_message == "Record not found."
    # The copy shows what was sent, for the record updated only.
    changed = SnapshotRecord.objects.get(identifier="id-1")
    assert (changed.status_id, changed.status_name, changed.agent_login) == ("5", "Mine", "j.doe")
    assert changed.next_call_date == f"{FUTURE_SENT}:00"
    assert SnapshotRecord.objects.get(identifier="id-2").status_id == "3"
    # One entry for the job's start, with every record's values before.
    start = AuditEntry.objects.get(action="bulk.change_records.start")
    assert start.subject_kind == AUDIT_SUBJECT
    assert start.subject_id == job.pk
    assert start.request["options"]["changes"] == body
    assert start.before["records"]["id-1"]["agent_login"] == "a.nowak"
    assert set(start.before["records"]) == {"id-1", "id-2", "id-3"}
    finish = AuditEntry.objects.get(action="bulk.change_records.finish")
    assert finish.response["outcomes"] == {"UPDATED": 1, "NOT_FOUND": 1, "ERROR": 1}
    # The results show the chosen rows as records too: no lines, nothing "as pasted".
    results = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    assert "As pasted" not in results
    assert "item-line" not in results


@pytest.mark.django_db(transaction=True)
def test_putting_the_previous_values_back(supervisor_client, supervisor, lookups):
    copy_with({}, {"status_id": "1", "status_name": "New", "system_status": "TO_CALL"})
    job = _draft(
        supervisor_client,
        ("id-1", "600100201"),
        ("id-2", "600100202"),
        status_id="3",
        agent_login="j.doe",
    )
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), body="")
        thulium.put(put_url("id-2"), body="")
        job = run(job)
    results = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    put_back_url = reverse("campaigns:change_records_put_back", args=[CAMPAIGN, job.pk])
    assert "Put the previous values back" in results
    assert put_back_url in results

    response = supervisor_client.post(put_back_url)
    again = supervisor_client.post(put_back_url)

    follow_up = BulkJob.objects.exclude(pk=job.pk).get()  # asking twice makes one draft
    assert response["Location"] == again["Location"] == reverse("bulk:detail", args=[follow_up.pk])
    assert follow_up.options["reverts"] == job.pk
    preview = supervisor_client.get(response["Location"]).content.decode()
    assert 'title="Status id 3">Call</span>' in preview
    assert 'title="Status id 1">New <small class="system-status">To call</small>' in preview
    assert "As pasted" not in preview  # the records the job updated, not a paste
    assert reverse("bulk:detail", args=[job.pk]) in preview
    bulk_job_start(job=follow_up, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(
            put_url("id-1"),
            match=[matchers.json_params_matcher({"status_id": "3", "agent_login": "a.nowak"})],
            body="",
        )
        thulium.put(
            put_url("id-2"),
            match=[matchers.json_params_matcher({"status_id": "1", "agent_login": "a.nowak"})],
            body="",
        )
        follow_up = run(follow_up)
    assert follow_up.outcome_counts == {"UPDATED": 2}
    assert SnapshotRecord.objects.get(identifier="id-2").status_name == "New"
    # The first job links to the job that put its values back.
    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    assert reverse("bulk:detail", args=[follow_up.pk]) in html


@pytest.mark.django_db(transaction=True)
def test_a_retry_of_a_put_back_sends_each_record_its_own_values(
    supervisor_client, supervisor, lookups
):
    copy_with({"status_id": "1", "status_name": "New", "system_status": "TO_CALL"})
    job = _draft(supervisor_client, ("id-1", "600100201"), status_id="3")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), body="")
        job = run(job)
    supervisor_client.post(reverse("campaigns:change_records_put_back", args=[CAMPAIGN, job.pk]))
    put_back = BulkJob.objects.get(options__reverts=job.pk)
    bulk_job_start(job=put_back, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), status=400, json={"errors": [{"message": "No."}]})
        put_back = run(put_back)

    retry = bulk_job_retry(job=put_back, user=supervisor).job
    bulk_job_start(job=retry, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(
            put_url("id-1"), match=[matchers.json_params_matcher({"status_id": "1"})], body=""
        )
        retry = run(retry)

    assert retry.outcome_counts == {"UPDATED": 1}


# --- who may --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_people_without_the_role_and_auditors_may_not_change_records(
    user_without_role_client, auditor_client, thulium
):
    for client in (user_without_role_client, auditor_client):
        assert client.get(FORM_URL).status_code == 403
        assert client.post(FORM_URL, chosen(("id-1", "1"), status_id="3")).status_code == 403
    assert not BulkJob.objects.exists()
    assert len(thulium.calls) == 0


@pytest.mark.django_db(transaction=True)
def test_auditors_read_the_job_and_its_entries_but_put_nothing_back(
    supervisor_client, supervisor, auditor, lookups
):
    auditor_client = Client()
    auditor_client.force_login(auditor)
    copy_with({})
    job = _draft(supervisor_client, ("id-1", "600100201"), status_id="3")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), body="")
        job = run(job)

    page = auditor_client.get(reverse("bulk:detail", args=[job.pk]))
    entries = auditor_client.get(reverse("audit:index"), {"action": "bulk.change_records.start"})
    put_back = auditor_client.post(
        reverse("campaigns:change_records_put_back", args=[CAMPAIGN, job.pk])
    )

    assert page.status_code == 200
    assert "Put the previous values back" not in page.content.decode()
    assert entries.status_code == 200
    assert f"job {job.pk}" in entries.content.decode()
    assert put_back.status_code == 403
    assert BulkJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_putting_back_sends_from_the_previews_the_runner_read_without_a_query(
    supervisor_client, supervisor, lookups, django_assert_num_queries
):
    """A put-back's values come with the chunk (`sends_previews`): `send` asks the database
    nothing while it holds a request slot."""
    copy_with({"status_id": "1", "status_name": "New", "system_status": "TO_CALL"})
    job = _draft(supervisor_client, ("id-1", "600100201"), status_id="3")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), body="")
        job = run(job)
    supervisor_client.post(reverse("campaigns:change_records_put_back", args=[CAMPAIGN, job.pk]))
    put_back = BulkJob.objects.get(options__reverts=job.pk)
    previews = dict(put_back.items.values_list("value", "preview"))
    from thuladmin.thulium import get_client

    client = get_client()
    with responses.RequestsMock() as thulium:
        thulium.put(
            put_url("id-1"), match=[matchers.json_params_matcher({"status_id": "1"})], body=""
        )
        with django_assert_num_queries(0):
            results = CHANGE_RECORDS.send(
                client, put_back, ["id-1"], uncertain=False, previews=previews
            )

    assert results["id-1"].outcome == ChangeOutcome.UPDATED


@pytest.mark.django_db(transaction=True)
def test_a_change_jobs_search_asks_for_an_identifier(supervisor_client, supervisor, lookups):
    copy_with({})
    job = _draft(supervisor_client, ("id-1", "600100201"), status_id="3")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.put(put_url("id-1"), body="")
        job = run(job)

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    assert '<small id="job-search-help" class="muted">A record&#x27;s identifier.</small>' in html

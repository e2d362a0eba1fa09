"""Removal in records and its restore: the removal's preview counts records from the copy, its
results name identifiers, a removed record's page says so, and the restore kind adds the
records back (POST outbounds/:id/records, against `responses`)."""

from __future__ import annotations

import re

import pytest
import responses
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from responses import matchers

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, removal_in_records
from campaigns.bulk.restore_records import (
    RESTORE_RECORDS,
    RestoreOutcome,
    is_duplicate_refusal,
    records_of_removal,
    restore_body,
    restore_parsed,
)
from campaigns.models import CampaignSnapshot, SnapshotRecord
from campaigns.services import RECORD_DELETE_ACTION, RECORD_UPDATE_ACTION
from tests.campaigns.conftest import THULIUM_URL
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.thulium import errors

CAMPAIGN = "00001"
RECORDS_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/records"
STATUSES_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/statuses"
DELETE_URL = f"{THULIUM_URL}batch/outbounds/{CAMPAIGN}/records"
STATUSES = [
    {"system_status": "CALL", "status_id": "3", "dictionary_status_id": 2, "name": "Call back"},
    {"system_status": "MY_RECORD", "status_id": "5", "dictionary_status_id": 7, "name": "Mine"},
]


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_PARALLEL_REQUESTS = 2
    settings.BULK_TYPED_CONFIRMATION_THRESHOLD = 50


def _copy(*records: dict) -> CampaignSnapshot:
    """Campaign 00001's copy, read, holding `records` (a few columns each, defaults below)."""
    snapshot = CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN,
        state=CampaignSnapshot.State.READY,
        is_current=True,
        finished_at=timezone.now(),
        fetched_count=len(records),
        expected_count=len(records),
    )
    for record in records:
        defaults = {"status_id": "3", "status_name": "Call back", "system_status": "CALL"}
        SnapshotRecord.objects.create(
            snapshot=snapshot, phone_normalised=record["phone_number"], **(defaults | record)
        )
    return snapshot


def _seeded_copy() -> CampaignSnapshot:
    """600100200 has two records, 600100201 one (no identifier), 600100202 one reserved."""
    return _copy(
        {
            "record_id": "11",
            "identifier": "ID-A",
            "phone_number": "600100200",
            "agent_login": "ala",
        },
        {"record_id": "12", "identifier": "ID-B", "phone_number": "600100200"},
        {"record_id": "13", "identifier": "", "phone_number": "600100201"},
        {
            "record_id": "14",
            "identifier": "ID-D",
            "phone_number": "600100202",
            "status_id": "5",
            "status_name": "Mine",
            "system_status": "MY_RECORD",
            "agent_login": "olek",
            "next_call_date": "2099-05-01 09:30:00",
        },
    )


def _removal(user, text: str) -> BulkJob:
    parsed, copy = removal_in_records(
        campaign_id=CAMPAIGN, parsed=PHONE_NUMBERS.parse(text, options={})
    )
    return bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=parsed,
        campaign_id=CAMPAIGN,
        options={"number_format": "national", "copy": copy, "from_records": False},
    )


def _client_of(user) -> Client:
    """A client of its own: the `client` fixture is the supervisor's here."""
    other = Client()
    other.force_login(user)
    return other


def _run(job: BulkJob) -> BulkJob:
    JobRunner(job.pk).run()
    job.refresh_from_db()
    return job


def _removed(number: str, *record_ids: str) -> list[dict]:
    return [
        {"status": "REMOVED", "record_id": record_id, "http_status": 200}
        for record_id in record_ids
    ]


def _run_removal(user, text: str, removed: dict[str, list[str]]) -> BulkJob:
    with responses.RequestsMock() as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        job = _removal(user, text)
    bulk_job_start(job=job, user=user)
    with responses.RequestsMock() as thulium:
        thulium.delete(
            re.compile(re.escape(DELETE_URL) + ".*"),
            json={
                number: [
                    {"status": "REMOVED", "record_id": record_id, "http_status": 200}
                    for record_id in record_ids
                ]
                for number, record_ids in removed.items()
            },
        )
        return _run(job)


# --- the removal says what it will do, in records ----------------------------------------------


@pytest.mark.django_db
def test_the_removal_preview_counts_and_lists_the_records_of_the_copy(
    supervisor_client, supervisor
):
    _seeded_copy()
    with responses.RequestsMock() as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        job = _removal(supervisor, "600100200\n600100201\n600100202\n600100299")

    assert job.options["copy"] | {"as_of": ""} == {
        "read": True,
        "complete": True,
        "as_of": "",
        "numbers": 4,
        "records": 4,
        "several": {"2": 1},
        "not_in_copy": 1,
    }
    captured = job.items.get(value="600100202").preview
    assert captured["found"] is True
    assert captured["records"] == [
        {
            "record_id": "14",
            "identifier": "ID-D",
            "phone_number": "600100202",
            "status_id": "5",
            "status_name": "Mine",
            "system_status": "MY_RECORD",
            "agent_login": "olek",
            "agent_name": "",
            "next_call_date": "2099-05-01 09:30:00",
            "dictionary_status_id": 7,
        }
    ]
    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "4 numbers, 4 records (1 number has 2 records)" in html
    assert "1 of these numbers could be removed but not restored" in html
    assert "Not in the campaign copy: could be removed, but not restored." in html
    assert f'href="/campaigns/{CAMPAIGN}/records/ID-A/"' in html
    assert "no identifier" in html  # 600100201's record
    assert 'class="system-status"' in html or "Mine" in html
    assert "olek" in html


@pytest.mark.django_db
def test_a_removal_without_a_copy_says_nothing_could_be_restored(supervisor_client, supervisor):
    job = _removal(supervisor, "600100200\n600100201\n600100202")

    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()

    assert all(item.preview == {} for item in job.items.all())
    # Said once, above the list, in words: not a column of dashes, one a number.
    assert html.count("The campaign copy has not been read yet") == 1
    assert "none of them could be restored once removed" in html
    assert html.index("The campaign copy has not been read yet") < html.index('id="preview-items"')
    assert "Records in the campaign copy" not in html
    assert 'class="item-records"' not in html
    assert "<code>600100201</code>" in html


@pytest.mark.django_db
def test_a_removal_drafted_without_the_copy_s_account_says_so_once(supervisor_client, supervisor):
    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("600100200\n600100201", options={}),
        campaign_id=CAMPAIGN,
        options={"number_format": "national"},
    )

    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()

    assert html.count("the records it removes could not be restored") == 1
    assert "Records in the campaign copy" not in html


@pytest.mark.django_db
def test_rows_chosen_on_the_records_list_preview_as_records_not_lines(
    supervisor_client, supervisor
):
    _seeded_copy()
    with responses.RequestsMock() as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        response = supervisor_client.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/from-records/",
            {"number": ["600100200", "600100202"]},
        )
    job = BulkJob.objects.get()
    assert job.options["from_records"] is True

    html = supervisor_client.get(response["Location"]).content.decode()

    assert "As pasted" not in html
    assert 'class="number item-line"' not in html
    assert "2 numbers, 3 records" in html


# --- the results name identifiers; the removal offers a restore --------------------------------


@pytest.mark.django_db(transaction=True)
def test_results_show_identifiers_and_offer_a_restore(supervisor_client, supervisor, auditor):
    auditor_client = _client_of(auditor)
    _seeded_copy()
    job = _run_removal(
        supervisor, "600100200\n600100202", {"600100200": ["11", "12"], "600100202": ["14"]}
    )

    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()

    # Identifiers, not Thulium's record ids; as text, not links: their pages would only say
    # "removed".
    assert '<bdi class="removed-identifier">ID-A</bdi>' in html
    assert '<bdi class="removed-identifier">ID-D</bdi>' in html
    assert f'href="/campaigns/{CAMPAIGN}/records/ID-A/"' not in html
    assert "(11, 12)" not in html
    assert "Restore the removed records…" in html
    assert f'action="/campaigns/restore-removal/{job.pk}/"' in html
    # Auditors read the job but are offered nothing, and may not draft a restore.
    assert (
        "Restore the removed records" not in auditor_client.get(f"/jobs/{job.pk}/").content.decode()
    )
    assert auditor_client.post(f"/campaigns/restore-removal/{job.pk}/").status_code == 403
    assert not BulkJob.objects.filter(kind="restore_records").exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_drafts_each_removed_record_as_the_copy_held_it(supervisor_client, supervisor):
    _seeded_copy()
    AuditEntry.objects.create(
        action=RECORD_UPDATE_ACTION,
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id=CAMPAIGN,
        target="ID-D",
        request={"record_fields": {"city": "Kraków"}},
    )
    removal = _run_removal(
        supervisor,
        "600100200\n600100201\n600100202",
        {"600100200": ["11", "12"], "600100201": ["13"], "600100202": ["14", "99"]},
    )
    assert SnapshotRecord.objects.filter(deleted=True).count() == 4

    with responses.RequestsMock(assert_all_requests_are_fired=False) as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        response = supervisor_client.post(f"/campaigns/restore-removal/{removal.pk}/")

    restore = BulkJob.objects.get(kind="restore_records")
    assert response["Location"] == f"/jobs/{restore.pk}/"
    assert restore.options == {"restores_job": removal.pk, "not_in_copy": 1}
    assert restore.campaign_id == CAMPAIGN
    assert list(restore.items.to_send().values_list("value", flat=True)) == [
        "600100200",
        "600100201",
        "600100202",
    ]
    # The second record of 600100200, and record 99 the copy never held, are not sent; the
    # latter is named by its number (a record id is Thulium's own, never seen by supervisors).
    refused = list(restore.items.invalid().values_list("raw", "detail_code"))
    assert refused == [
        ("ID-B", "restore_records.another_of_number"),
        ("600100202", "restore_records.not_in_copy"),
    ]
    reserved = restore.items.get(value="600100202").preview
    assert reserved["identifier"] == "ID-D"
    assert reserved["record_fields"] == {"city": "Kraków"}
    assert restore.items.get(value="600100201").preview["identifier"] == ""

    html = supervisor_client.get(f"/jobs/{restore.pk}/").content.decode()
    assert "Restore 3 records to campaign 00001" in html
    assert f'href="/jobs/{removal.pk}/"' in html  # to the removal
    assert "Custom fields" in html
    assert "Any other custom field" in html
    assert "none: Thulium gives it a new one" in html
    assert "May 1, 2099, 9:30 a.m." in html  # ID-D's next call, in the reader's format
    assert 'class="number item-line"' not in html  # records, not pasted lines
    assert "As pasted" not in html
    # Why a record cannot be restored is said once, above the list; each row says only which.
    assert html.count("the campaign copy did not hold it when it was removed") == 1
    assert html.index("restore-not-in-copy") < html.index('id="preview-items"')
    assert html.count("Not restorable: not in the campaign copy.") == 1
    assert "another record of 600100200 is restored" in html
    assert "restore_records." not in html  # reasons in words, never their codes
    assert '<th scope="col">Record</th>' in html
    # The removal links to its restore; asking again leads to the same draft.
    assert (
        f'href="/jobs/{restore.pk}/"'
        in supervisor_client.get(f"/jobs/{removal.pk}/").content.decode()
    )
    again = supervisor_client.post(f"/campaigns/restore-removal/{removal.pk}/")
    assert again["Location"] == f"/jobs/{restore.pk}/"
    assert BulkJob.objects.filter(kind="restore_records").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_restore_posts_each_record_and_puts_it_back_in_the_copy(supervisor, supervisor_client):
    _seeded_copy()
    removal = _run_removal(
        supervisor,
        "600100200\n600100201\n600100202",
        {"600100200": ["11", "12"], "600100201": ["13"], "600100202": ["14"]},
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        restore = bulk_job_draft_create(
            user=supervisor,
            kind_name=RESTORE_RECORDS.name,
            parsed=restore_parsed(records_of_removal(removal)),
            campaign_id=CAMPAIGN,
            options={"restores_job": removal.pk},
        )
    bulk_job_start(job=restore, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.post(
            RECORDS_URL,
            match=[
                matchers.json_params_matcher(
                    {
                        "phone_number": "600100200",
                        "identifier": "ID-A",
                        "status_id": "3",
                        "agent_login": "ala",
                    }
                )
            ],
            status=201,
            json={"record_id": 501, "identifier": "ID-A"},
        )
        # No identifier: none is sent, Thulium gives it one.
        thulium.post(
            RECORDS_URL,
            match=[matchers.json_params_matcher({"phone_number": "600100201", "status_id": "3"})],
            status=201,
            json={"record_id": 502, "identifier": "7000000001"},
        )
        # Someone added the number back meanwhile: already back, not an error.
        thulium.post(
            RECORDS_URL,
            match=[
                matchers.json_params_matcher(
                    {
                        "phone_number": "600100202",
                        "identifier": "ID-D",
                        "status_id": "5",
                        "agent_login": "olek",
                        "next_call_date": "2099-05-01 09:30",
                    }
                )
            ],
            status=400,
            json={
                "errors": [{"message": "Phone number 600100202 already exists in this campaign."}]
            },
        )
        restore = _run(restore)

    outcomes = dict(restore.items.to_send().values_list("value", "outcome"))
    assert outcomes == {
        "600100200": RestoreOutcome.RESTORED,
        "600100201": RestoreOutcome.RESTORED,
        "600100202": RestoreOutcome.ALREADY_BACK,
    }
    restored = restore.items.with_record_ids().get(value="600100200")
    assert restored.record_ids == ["501"]
    # Said without Thulium's record id, which a supervisor never sees elsewhere: it is kept
    # for the identifier's title.
    assert restored.detail_text == "Added back as it was before the removal."
    assert restored.detail_params == {"record_id": "501", "identifier": "ID-A"}
    back = restore.items.get(value="600100202")
    assert back.detail_code == "restore_records.already_back"
    assert "already exists" in back.thulium_message
    # The copy holds the restored records again, under their new ids.
    live = dict(SnapshotRecord.objects.live().values_list("record_id", "identifier"))
    assert live == {"501": "ID-A", "502": "7000000001"}
    assert SnapshotRecord.objects.get(record_id="501").agent_login == "ala"
    # Audited: the job's start and finish, with its origin and outcomes.
    start = AuditEntry.objects.get(action="bulk.restore_records.start")
    assert start.request["options"] == {"restores_job": removal.pk}
    finish = AuditEntry.objects.get(action="bulk.restore_records.finish")
    # The second record of 600100200 was not sent: Thulium takes a number once.
    assert finish.response["outcomes"] == {"RESTORED": 2, "ALREADY_BACK": 1, "INVALID": 1}

    # The restored record's page shows it again: both jobs link it. The others stay text: ID-B
    # was not restored, and the copy does not hold ID-D again (Thulium had the number already).
    record_a = f'<a href="/campaigns/{CAMPAIGN}/records/ID-A/"'
    removal_page = supervisor_client.get(f"/jobs/{removal.pk}/").content.decode()
    assert record_a in removal_page
    assert '<bdi class="removed-identifier">ID-B</bdi>' in removal_page
    assert '<bdi class="removed-identifier">ID-D</bdi>' in removal_page
    assert f'href="/campaigns/{CAMPAIGN}/records/ID-B/"' not in removal_page
    restore_page = supervisor_client.get(f"/jobs/{restore.pk}/").content.decode()
    assert "As pasted" not in restore_page  # records, not lines, in the results too
    assert f"{record_a}><bdi>ID-A</bdi></a>" in restore_page
    assert f'href="/campaigns/{CAMPAIGN}/records/ID-D/"' not in restore_page
    assert "<bdi>ID-D</bdi>" in restore_page
    # Each restored record by its identifier (the one Thulium gave a record restored without
    # one too), linked, and its number; Thulium's record id only in the identifier's title.
    rows = {
        row.split("<code>", 1)[1].split("</code>", 1)[0]: row
        for row in restore_page.split('id="job-results"', 1)[1].split("</tr>")
        if "<code>" in row
    }
    assert 'title="Record id in Thulium: 501"' in rows["600100200"]
    assert (
        '<td class="item-value" data-label="Phone number"><code>600100200</code>'
        in (rows["600100200"])
    )
    assert (
        f'<a href="/campaigns/{CAMPAIGN}/records/7000000001/"><bdi>7000000001</bdi></a>'
        in (rows["600100201"])
    )
    assert "Added back as it was before the removal." in rows["600100201"]
    assert "as record" not in restore_page
    assert ">501<" not in restore_page
    assert ">502<" not in restore_page


# --- the kind's parts --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_goes_as_the_runner_read_it_without_a_query(supervisor, django_assert_num_queries):
    """The runner reads each record with its chunk, before it waits for a request slot: the
    kind's `send` holds the slot only for the POST."""
    record = {"record_id": "1", "phone_number": "600100200", "identifier": "X", "status_id": "3"}
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed([record]),
        campaign_id=CAMPAIGN,
    )
    from thuladmin.thulium import get_client

    client = get_client()
    previews = {"600100200": {"found": True, **record}}
    with responses.RequestsMock() as thulium:
        thulium.post(
            RECORDS_URL,
            match=[
                matchers.json_params_matcher(
                    {"phone_number": "600100200", "identifier": "X", "status_id": "3"}
                )
            ],
            status=201,
            json={"record_id": 9, "identifier": "X"},
        )
        with django_assert_num_queries(0):
            results = RESTORE_RECORDS.send(
                client, restore, ["600100200"], uncertain=False, previews=previews
            )

    result = results["600100200"]
    assert result.outcome == RestoreOutcome.RESTORED
    assert result.record_ids == ("9",)
    assert result.detail.params == {"record_id": "9", "identifier": "X"}


@pytest.mark.django_db(transaction=True)
def test_the_runner_passes_the_records_and_the_copy_gets_them_with_their_outcomes(
    supervisor, monkeypatch
):
    """Nothing read or written per item inside `send`: the runner passes each record (the
    kind's fallback query is never used), and the copy gets the records back in `recorded`,
    in the transaction that writes their outcomes: every item ends with one outcome."""
    from campaigns.bulk import restore_records

    def no_query(job, phone_number):
        raise AssertionError("the runner passes the records")

    monkeypatch.setattr(restore_records, "_captured", no_query)
    written = []
    restored = restore_records.snapshot_records_restored

    def counted(**kwargs):
        written.append([record.values["phone_number"] for record in kwargs["records"]])
        return restored(**kwargs)

    monkeypatch.setattr(restore_records, "snapshot_records_restored", counted)
    _copy(
        {"record_id": "11", "identifier": "ID-A", "phone_number": "600100200", "deleted": True},
        {"record_id": "12", "identifier": "ID-B", "phone_number": "600100201", "deleted": True},
    )
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed(
            [
                {"record_id": "11", "identifier": "ID-A", "phone_number": "600100200"},
                {"record_id": "12", "identifier": "ID-B", "phone_number": "600100201"},
            ]
        ),
        campaign_id=CAMPAIGN,
    )
    bulk_job_start(job=restore, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.post(
            RECORDS_URL,
            match=[
                matchers.json_params_matcher({"phone_number": "600100200", "identifier": "ID-A"})
            ],
            status=201,
            json={"record_id": 601, "identifier": "ID-A"},
        )
        thulium.post(
            RECORDS_URL,
            match=[
                matchers.json_params_matcher({"phone_number": "600100201", "identifier": "ID-B"})
            ],
            status=400,
            json={"errors": [{"message": "Agent not found."}]},
        )
        restore = _run(restore)

    outcomes = dict(restore.items.to_send().values_list("value", "outcome"))
    assert outcomes == {"600100200": RestoreOutcome.RESTORED, "600100201": Outcome.ERROR}
    # Once, for the record restored; never for the one that failed.
    assert written == [["600100200"]]
    live = dict(SnapshotRecord.objects.live().values_list("record_id", "identifier"))
    assert live == {"601": "ID-A"}


@pytest.mark.django_db
def test_the_copy_gets_a_chunk_s_restored_records_in_one_read(
    supervisor, django_assert_num_queries
):
    """`recorded` reads the records of every result at once, whatever their number, or none
    when the runner passes them."""
    from thuladmin.bulk.details import Detail
    from thuladmin.bulk.kinds import ItemResult

    records = [
        {"record_id": str(index), "identifier": f"ID-{index}", "phone_number": f"60010020{index}"}
        for index in range(3)
    ]
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed(records),
        campaign_id=CAMPAIGN,
    )
    results = {
        record["phone_number"]: ItemResult(
            outcome=RestoreOutcome.RESTORED,
            detail=Detail("restore_records.restored_as", {"record_id": f"9{index}"}),
            record_ids=(f"9{index}",),
        )
        for index, record in enumerate(records)
    }
    # The records' previews (1) and the copy's generations (1): none, nothing written.
    with django_assert_num_queries(2):
        RESTORE_RECORDS.recorded(restore, results)
    # As the runner calls it, with the records it read for `send`: the generations only.
    previews = {record["phone_number"]: record for record in records}
    with django_assert_num_queries(1):
        RESTORE_RECORDS.recorded(restore, results, previews=previews)


def test_the_body_holds_only_what_the_copy_held():
    assert restore_body({"phone_number": "600100200", "identifier": "", "status_id": ""}) == {
        "phone_number": "600100200"
    }
    assert restore_body(
        {"phone_number": "600100200", "dictionary_status_id": 7, "record_fields": {"a": "b"}}
    ) == {"phone_number": "600100200", "dictionary_status_id": 7, "record_fields": {"a": "b"}}


@pytest.mark.parametrize(
    ("error", "duplicate"),
    [
        (
            errors.Rejected("Phone number 600100200 already exists in this campaign.", status=400),
            True,
        ),
        (
            errors.Rejected("Numer telefonu 600100200 już istnieje w tej kampanii.", status=400),
            True,
        ),
        (errors.Rejected("Duplicated phone number", status=422), True),
        (
            errors.Rejected("Rekord o zduplikowanym numerze nie może zostać dodany.", status=400),
            True,
        ),
        # Several errors in one body: any of them may say it.
        (
            errors.Rejected(
                status=400, messages=("Agent not found.", "Phone number already exists.")
            ),
            True,
        ),
        # The guess kept as a fallback: a conflict, whatever its words.
        (errors.Rejected("", status=409), True),
        (errors.Rejected("Conflict", status=409), True),
        (errors.Rejected("Agent not found.", status=400), False),
        (errors.NotFound("already exists"), False),
    ],
)
def test_which_refusals_mean_already_back(error, duplicate):
    assert is_duplicate_refusal(error) is duplicate


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "status", "body"),
    [
        # The documented error shape, in each language the client asks for.
        (
            "en",
            400,
            {
                "request_id": "53678450401cf",
                "errors": [
                    {
                        "message": "Phone number 600100200 already exists in this campaign.",
                        "code": 4022,
                    }
                ],
            },
        ),
        (
            "pl",
            400,
            {
                "request_id": "53678450401cf",
                "errors": [
                    {"message": "Numer telefonu 600100200 już istnieje w tej kampanii.", "code": 1}
                ],
            },
        ),
        # The fallback: a 409 with a body in no documented shape.
        ("en", 409, None),
    ],
)
def test_a_duplicate_refusal_is_already_back(supervisor, language, status, body):
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed([{"record_id": "1", "phone_number": "600100200", "identifier": "X"}]),
        campaign_id=CAMPAIGN,
    )
    from thuladmin.thulium import get_client

    with responses.RequestsMock() as thulium:
        thulium.post(
            RECORDS_URL,
            status=status,
            match=[
                matchers.json_params_matcher({"phone_number": "600100200", "identifier": "X"}),
                matchers.header_matcher({"Accept-Language": language}),
            ],
            **({"json": body} if body is not None else {"body": "Conflict"}),
        )
        results = RESTORE_RECORDS.send(
            get_client(language=language), restore, ["600100200"], uncertain=False
        )

    result = results["600100200"]
    assert result.outcome == RestoreOutcome.ALREADY_BACK
    assert result.detail.code == "restore_records.already_back"


@pytest.mark.django_db
def test_a_duplicate_after_an_unanswered_attempt_is_already_back_by_that_attempt(supervisor):
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed([{"record_id": "1", "phone_number": "600100200", "identifier": "X"}]),
        campaign_id=CAMPAIGN,
    )
    from thuladmin.thulium import get_client

    with responses.RequestsMock() as thulium:
        thulium.post(RECORDS_URL, status=400, json={"errors": [{"message": "already exists"}]})
        results = RESTORE_RECORDS.send(get_client(), restore, ["600100200"], uncertain=True)

    result = results["600100200"]
    assert result.outcome == RestoreOutcome.ALREADY_BACK
    assert result.detail.code == "restore_records.already_back_earlier"


@pytest.mark.django_db
def test_another_refusal_is_an_error_for_the_engine(supervisor):
    restore = bulk_job_draft_create(
        user=supervisor,
        kind_name=RESTORE_RECORDS.name,
        parsed=restore_parsed([{"record_id": "1", "phone_number": "600100200"}]),
        campaign_id=CAMPAIGN,
    )
    from thuladmin.thulium import get_client

    with responses.RequestsMock() as thulium:
        thulium.post(RECORDS_URL, status=400, json={"errors": [{"message": "Agent not found."}]})
        with pytest.raises(errors.Rejected):
            RESTORE_RECORDS.send(get_client(), restore, ["600100200"], uncertain=False)
    assert Outcome.ERROR in RESTORE_RECORDS.retryable_outcomes
    assert RESTORE_RECORDS.resend_is_safe is False


# --- one record deleted on its page ------------------------------------------------------------


@pytest.mark.django_db
def test_a_deleted_record_s_page_and_audit_entry_offer_its_restore(supervisor_client, auditor):
    auditor_client = _client_of(auditor)
    _seeded_copy()
    with responses.RequestsMock() as thulium:
        thulium.delete(f"{THULIUM_URL}outbounds/{CAMPAIGN}/records_by_identifier/ID-D", status=204)
        supervisor_client.post(f"/campaigns/{CAMPAIGN}/records/ID-D/delete/")
    entry = AuditEntry.objects.get(action=RECORD_DELETE_ACTION)
    assert entry.before["values"]["phone_number"] == "600100202"
    assert entry.before["values"]["record_id"] == "14"

    with responses.RequestsMock(assert_all_requests_are_fired=False) as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        thulium.get(f"{THULIUM_URL}outbounds/{CAMPAIGN}/agents", json=[])
        page = supervisor_client.get(f"/campaigns/{CAMPAIGN}/records/ID-D/").content.decode()
    assert "This record was removed" in page
    assert f'href="/audit/{entry.pk}/"' in page
    assert "Send to Thulium" not in page  # no edit form
    assert "Delete this record" not in page
    assert f'action="/campaigns/{CAMPAIGN}/records/ID-D/restore/"' in page

    entry_page = supervisor_client.get(f"/audit/{entry.pk}/").content.decode()
    assert "Restore this record" in entry_page
    assert "Restore this record" not in auditor_client.get(f"/audit/{entry.pk}/").content.decode()
    assert auditor_client.post(f"/campaigns/{CAMPAIGN}/records/ID-D/restore/").status_code == 403

    with responses.RequestsMock(assert_all_requests_are_fired=False) as thulium:
        thulium.get(STATUSES_URL, json=STATUSES)
        response = supervisor_client.post(f"/campaigns/{CAMPAIGN}/records/ID-D/restore/")
    restore = BulkJob.objects.get(kind="restore_records")
    assert response["Location"] == f"/jobs/{restore.pk}/"
    assert restore.options == {"identifier": "ID-D", "restores_entry": entry.pk}
    assert restore.items.get().preview["agent_login"] == "olek"


@pytest.mark.django_db(transaction=True)
def test_whether_removed_records_are_back_costs_the_same_queries_for_any_page(
    supervisor_client, supervisor
):
    """The results ask the copy once for the page on screen, not once a record."""
    _seeded_copy()
    one = _run_removal(supervisor, "600100202", {"600100202": ["14"]})
    cache.clear()  # the campaign's statuses, cached by the first removal, are asked for again
    three = _run_removal(
        supervisor,
        "600100200\n600100201\n600100202",
        {"600100200": ["11", "12"], "600100201": ["13"], "600100202": ["14"]},
    )

    with CaptureQueriesContext(connection) as small:
        supervisor_client.get(f"/jobs/{one.pk}/")
    with CaptureQueriesContext(connection) as large:
        html = supervisor_client.get(f"/jobs/{three.pk}/").content.decode()

    assert '<bdi class="removed-identifier">ID-B</bdi>' in html
    assert len(large.captured_queries) == len(small.captured_queries)

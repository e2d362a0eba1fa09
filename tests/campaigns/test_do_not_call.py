"""Do not call, in any campaign: the paste page, the preview, and the job against `responses`."""

from __future__ import annotations

import csv
import io
import json

import pytest
import responses
from django.urls import reverse
from responses import matchers

from campaigns.bulk.do_not_call import DO_NOT_CALL, DoNotCallOutcome
from campaigns.models import CampaignName
from tests.campaigns.conftest import THULIUM_URL
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

STATUS_URL = THULIUM_URL + "outbound_status_by_phone_number"
PAGE = "/campaigns/do-not-call/"


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_PARALLEL_REQUESTS = 3
    settings.BULK_TYPED_CONFIRMATION_THRESHOLD = 5


def _status(system_status: str, status_id: str, dictionary_status_id, name: str) -> dict:
    return {
        "system_status": system_status,
        "status_id": status_id,
        "dictionary_status_id": dictionary_status_id,
        "name": name,
    }


def _campaigns(thulium) -> None:
    """Two active campaigns; dictionary status 9 ("Do not call") is in both, 2 only in 00001."""
    thulium.get(THULIUM_URL + "outbounds/stats", json=[{"id": "00001"}, {"id": "00002"}])
    thulium.get(
        THULIUM_URL + "outbounds/00001/statuses",
        json=[
            _status("NO_CALL", "4", 9, "Do not call"),
            _status("CALL", "3", 2, "Call"),
            _status("TO_CALL", "1", None, "New"),
        ],
    )
    thulium.get(
        THULIUM_URL + "outbounds/00002/statuses", json=[_status("NO_CALL", "7", 9, "Nie dzwonić")]
    )


def _draft(user, text: str, dictionary_status_id: int = 9) -> BulkJob:
    return bulk_job_draft_create(
        user=user,
        kind_name=DO_NOT_CALL.name,
        parsed=DO_NOT_CALL.parse(text, options={}),
        options={"dictionary_status_id": dictionary_status_id, "dictionary_status_name": "DNC"},
    )


# --- the paste page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_offers_the_campaigns_dictionary_statuses_by_name(supervisor_client, thulium):
    _campaigns(thulium)

    html = supervisor_client.get(PAGE).content.decode()

    # Named as the campaigns name it, chosen already; no ids, no list of active campaigns.
    assert '<option value="9" selected>Do not call / Nie dzwonić</option>' in html
    assert "dictionary status 9" not in html
    assert "active or not" in html
    # Only statuses that stop calls: "Call" would put the person back in the queue.
    assert 'value="2"' not in html
    assert "New" not in html  # no dictionary status: nothing to set by it


@pytest.mark.django_db
def test_a_status_that_does_not_stop_calls_is_refused(supervisor_client, thulium):
    _campaigns(thulium)

    response = supervisor_client.post(PAGE, {"dictionary_status": "2", "text": "600100200"})

    assert response.status_code == 200
    assert "Choose one of the statuses in the list" in response.content.decode()
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_a_valid_list_becomes_a_draft_with_the_chosen_status(
    supervisor_client, supervisor, thulium
):
    _campaigns(thulium)

    response = supervisor_client.post(
        PAGE, {"dictionary_status": "9", "text": "+48 600 100 200\n600100200\nabc"}
    )

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bulk:detail", args=[job.pk])
    assert job.kind == "do_not_call"
    assert job.campaign_id == ""
    assert job.options["dictionary_status_id"] == 9
    assert job.options["dictionary_status_name"] == "Do not call / Nie dzwonić"
    assert (job.item_count, job.duplicate_count, job.invalid_count) == (1, 1, 1)
    # One number a request.
    assert BulkChunk.objects.filter(job=job).count() == 1


@pytest.mark.django_db
def test_a_status_must_be_chosen_and_the_error_sits_next_to_it(supervisor_client, thulium):
    _campaigns(thulium)

    response = supervisor_client.post(PAGE, {"dictionary_status": "", "text": "600100200"})

    assert response.status_code == 200
    assert not BulkJob.objects.exists()
    assert 'id="id_dictionary_status_error"' in response.content.decode()


@pytest.mark.django_db
def test_when_the_statuses_cannot_be_read_the_page_says_so(supervisor_client, thulium):
    thulium.get(THULIUM_URL + "outbounds/stats", status=503)

    html = supervisor_client.get(PAGE).content.decode()

    assert "Thulium is unavailable right now" in html
    assert "<textarea" not in html


@pytest.mark.django_db
def test_auditors_and_people_without_a_role_may_not_open_it(auditor_client):
    assert auditor_client.get(PAGE).status_code == 403


# --- preview and confirmation --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_names_the_status_and_what_will_be_sent(supervisor_client, supervisor):
    job = _draft(supervisor, "+48 600 100 200")

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    assert "Preview: do not call, in any campaign" in html
    assert "DNC" in html
    assert "Stop calling 1 number in every campaign" in html
    assert "<code>600100200</code>" in html
    assert 'name="confirmation"' not in html  # a small job starts with a click


@pytest.mark.django_db
def test_a_large_job_asks_for_the_count(supervisor_client, supervisor):
    job = _draft(supervisor, "\n".join(f"60010020{index}" for index in range(6)))
    url = reverse("bulk:start", args=[job.pk])

    wrong = supervisor_client.post(url, {"confirmation": "5"})
    right = supervisor_client.post(url, {"confirmation": "6"})

    assert "That is not the count: type 6 to start." in wrong.content.decode()
    assert right.status_code == 302
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED


# --- the job -----------------------------------------------------------------------------------


def _run(job: BulkJob) -> BulkJob:
    JobRunner(job.pk).run()
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_each_number_is_sent_once_with_the_dictionary_status(supervisor):
    job = _draft(supervisor, "600100200\n600100201\n600100202")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        for number in ("600100200", "600100201", "600100202"):
            thulium.post(
                STATUS_URL,
                match=[matchers.json_params_matcher({"phone_number": number, "status_id": "9"})],
                json={"outbound_id": ["00001", "00002"] if number == "600100200" else []},
            )
        job = _run(job)

    outcomes = dict(job.items.values_list("value", "outcome"))
    assert outcomes == {
        "600100200": DoNotCallOutcome.UPDATED,
        "600100201": DoNotCallOutcome.IN_NO_CAMPAIGN,
        "600100202": DoNotCallOutcome.IN_NO_CAMPAIGN,
    }
    updated = job.items.get(value="600100200")
    assert (updated.detail_code, updated.detail_params) == (
        "do_not_call.updated_in",
        {"campaigns": "00001, 00002"},
    )
    assert updated.detail_text == "in 00001, 00002"
    assert job.state == BulkJob.State.FINISHED
    finish = AuditEntry.objects.get(action="bulk.do_not_call.finish")
    assert finish.response["outcomes"] == {"UPDATED": 1, "IN_NO_CAMPAIGN": 2}


@pytest.mark.django_db(transaction=True)
def test_an_unanswered_attempt_is_sent_again_and_never_uncertain(supervisor, settings):
    settings.THULIUM_MAX_RETRIES = 0
    job = _draft(supervisor, "600100200\n600100201")
    bulk_job_start(job=job, user=supervisor)
    calls: dict[str, int] = {}

    def flaky(request):
        number = json.loads(request.body)["phone_number"]
        calls[number] = calls.get(number, 0) + 1
        if number == "600100200" and calls[number] == 1:
            return 502, {}, "Bad gateway"  # may have been applied
        if number == "600100201":
            return 504, {}, "Gateway timeout"  # every attempt
        return 200, {}, json.dumps({"outbound_id": ["00001"]})

    with responses.RequestsMock() as thulium:
        thulium.add_callback(responses.POST, STATUS_URL, callback=flaky)
        job = _run(job)

    outcomes = dict(job.items.values_list("value", "outcome"))
    assert outcomes == {"600100200": DoNotCallOutcome.UPDATED, "600100201": Outcome.ERROR}
    assert not job.items.filter(outcome=Outcome.UNCERTAIN).exists()
    assert calls["600100200"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_refused_number_fails_alone_and_the_others_go_on(supervisor):
    job = _draft(supervisor, "600100200\n600100201")
    bulk_job_start(job=job, user=supervisor)
    error = {"request_id": "x", "errors": [{"message": "Wrong format of phone number.", "code": 1}]}
    with responses.RequestsMock() as thulium:
        thulium.post(
            STATUS_URL,
            match=[matchers.json_params_matcher({"phone_number": "600100200", "status_id": "9"})],
            status=404,
            json=error,
        )
        thulium.post(
            STATUS_URL,
            match=[matchers.json_params_matcher({"phone_number": "600100201", "status_id": "9"})],
            json={"outbound_id": ["00002"]},
        )
        job = _run(job)

    refused = job.items.get(value="600100200")
    assert (refused.outcome, refused.detail_text, refused.thulium_message) == (
        Outcome.ERROR,
        "Not found in Thulium (HTTP 404).",
        "Wrong format of phone number.",
    )
    assert job.items.get(value="600100201").outcome == DoNotCallOutcome.UPDATED


@pytest.mark.django_db(transaction=True)
def test_results_page_export_and_retry(supervisor_client, supervisor):
    job = _draft(supervisor, "600100200\n600100201\nabc")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.add_callback(
            responses.POST,
            STATUS_URL,
            callback=lambda request: (
                (200, {}, json.dumps({"outbound_id": ["00001", "00002"]}))
                if json.loads(request.body)["phone_number"] == "600100200"
                else (400, {}, json.dumps({"errors": [{"message": "No."}]}))
            ),
        )
        job = _run(job)

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()
    assert "in 00001, 00002" in html
    assert "Retry 1 failed<" in html
    export = supervisor_client.get(reverse("bulk:export", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[1][4:6] == ["UPDATED", "updated"]
    assert rows[1][8:] == ["do_not_call.updated_in", "in 00001, 00002", ""]
    assert rows[2][4:6] == ["ERROR", "error"]

    response = supervisor_client.post(reverse("bulk:retry", args=[job.pk]))

    follow_up = BulkJob.objects.get(retry_of=job)
    assert response["Location"] == reverse("bulk:detail", args=[follow_up.pk])
    assert list(follow_up.items.values_list("value", flat=True)) == ["600100201"]
    assert follow_up.options == job.options


@pytest.mark.django_db
def test_the_audit_search_finds_the_job_by_a_number_typed_any_way(auditor_client, supervisor):
    job = _draft(supervisor, "600100200")
    bulk_job_start(job=job, user=supervisor)

    response = auditor_client.get(reverse("audit:index"), {"q": "+48 600-100-200"})

    entries = response.context["entries"]
    assert [(entry.subject_kind, entry.subject_id) for entry in entries] == [
        (AUDIT_SUBJECT, job.pk)
    ]
    assert "Do not call, in any campaign: started" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_results_name_each_campaign_a_number_reached(supervisor_client, supervisor):
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia umów — listopad")
    job = _draft(supervisor, "600100200")
    bulk_job_start(job=job, user=supervisor)
    with responses.RequestsMock() as thulium:
        thulium.post(STATUS_URL, json={"outbound_id": ["00001", "00002"]})
        job = _run(job)

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    assert "in 00001 · Odnowienia umów — listopad, 00002" in html


@pytest.mark.parametrize(
    ("names", "chosen"),
    [
        (("Nie dzwonić — sprzeciw klienta",), 13),
        (("Nie dzwoń",), 13),
        (("Do not call",), 13),
        (("Umowa przedłużona",), None),
    ],
)
def test_a_status_named_do_not_call_is_preselected_in_polish_too(names, chosen):
    from campaigns.bulk.do_not_call import status_named_do_not_call
    from campaigns.services import DictionaryStatus

    statuses = [
        DictionaryStatus(9, ("Błędny numer",), ("NO_CALL",), ("00001",)),
        DictionaryStatus(13, names, ("NO_CALL",), ("00001",)),
    ]

    found = status_named_do_not_call(statuses)

    assert (found.dictionary_status_id if found else None) == chosen

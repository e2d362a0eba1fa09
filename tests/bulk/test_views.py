"""The bulk deletion pages for phone numbers: paste, preview, confirm, results, export."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from campaigns.models import CampaignName
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkItem, BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

API = "https://acme.thulium.com/api/"
PHONES_URL = API + "batch/outbounds/00001/records"
PASTE_URL = "/campaigns/00001/remove-numbers/"


@pytest.fixture(autouse=True)
def _fast_engine(settings):
    settings.THULIUM_URL = API
    settings.THULIUM_MAX_RETRIES = 0
    settings.THULIUM_BACKOFF_SECONDS = 0.001
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 400  # ~14 numbers a chunk: many chunks from few numbers
    settings.BULK_PARALLEL_REQUESTS = 3
    settings.PHONE_NUMBER_FORMAT = "national"


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member)
    return client


def _numbers(count: int, start: int = 0) -> list[str]:
    return [f"6{index:08d}" for index in range(start, start + count)]


def _draft(user, text: str, **options) -> BulkJob:
    parsed = PHONE_NUMBERS.parse(text, options=options)
    return bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=parsed,
        campaign_id="00001",
        options=options,
    )


def _started(user, text: str) -> BulkJob:
    job = _draft(user, text)
    assert bulk_job_start(job=job, user=user)
    return job


class FakeThulium:
    """Answers batch deletions from a set of existing numbers, like the sandbox would."""

    def __init__(self, existing, in_call=frozenset()) -> None:
        self.existing = set(existing)
        self.in_call = frozenset(in_call)
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            body = {}
            for number in parse_qs(urlsplit(request.url).query).get("phone_number[]", []):
                if number in self.in_call:
                    body[number] = [
                        {"http_status": 409, "record_id": 1, "status": "CALL_IN_PROGRESS"}
                    ]
                elif number in self.existing:
                    self.existing.discard(number)
                    body[number] = [
                        {"http_status": 200, "record_id": int(number), "status": "REMOVED"},
                        {"http_status": 200, "record_id": int(number) + 1, "status": "REMOVED"},
                    ]
                else:
                    body[number] = [{"http_status": 404, "status": "NOT_EXIST"}]
            return 200, {}, json.dumps(body)


def _run(job: BulkJob, fake: FakeThulium) -> BulkJob:
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.DELETE, PHONES_URL, callback=fake)
        JobRunner(job.pk).run()
    job.refresh_from_db()
    return job


def _html(response) -> str:
    return response.content.decode()


# --- who may do what ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, supervisor):
    job = _draft(supervisor, "600100200")
    for url in (PASTE_URL, "/jobs/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/export.csv"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    response = client.post(f"/jobs/{job.pk}/start/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize(("user_fixture", "may_read"), [("auditor", True), ("outsider", False)])
def test_users_without_campaign_work_get_403_on_every_phone_page(
    request, client, supervisor, user_fixture, may_read
):
    draft = _draft(supervisor, "600100200")
    started = _started(supervisor, "600100201")
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(PASTE_URL).status_code == 403
    assert client.post(PASTE_URL, {"text": "600100202"}).status_code == 403
    assert client.get("/jobs/").status_code == 403
    # Auditors follow the audit log's links to a job's results, read-only.
    for job in (draft, started):
        page = client.get(f"/jobs/{job.pk}/")
        assert page.status_code == (200 if may_read else 403)
        if may_read:
            html = page.content.decode()
            for action in ("start", "discard", "cancel", "retry"):
                assert f"/jobs/{job.pk}/{action}/" not in html
        assert client.get(f"/jobs/{job.pk}/export.csv").status_code == (200 if may_read else 403)
    assert client.post(f"/jobs/{draft.pk}/start/").status_code == 403
    assert client.post(f"/jobs/{draft.pk}/discard/").status_code == 403
    assert client.post(f"/jobs/{started.pk}/cancel/").status_code == 403
    assert client.post(f"/jobs/{started.pk}/retry/").status_code == 403

    assert BulkJob.objects.count() == 2
    draft.refresh_from_db()
    started.refresh_from_db()
    assert (draft.state, started.state) == (BulkJob.State.DRAFT, BulkJob.State.QUEUED)


@pytest.mark.django_db
def test_post_only_endpoints_refuse_get(supervisor_client, supervisor):
    job = _draft(supervisor, "600100200")
    for action in ("start", "discard", "cancel", "retry"):
        assert supervisor_client.get(f"/jobs/{job.pk}/{action}/").status_code == 405


@pytest.mark.django_db
def test_a_malformed_campaign_id_is_a_404(supervisor_client):
    assert supervisor_client.get("/campaigns/0001/remove-numbers/").status_code == 404
    assert supervisor_client.post("/campaigns/0001/remove-numbers/", {"text": "1"}).status_code == (
        404
    )


# --- pasting -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_paste_page_shows_the_form_and_the_number_format(supervisor_client):
    response = supervisor_client.get(PASTE_URL)

    assert response.status_code == 200
    html = _html(response)
    assert 'enctype="multipart/form-data"' in html
    assert 'name="text"' in html
    assert 'name="upload"' in html
    assert 'accept=".txt,.csv,text/plain,text/csv"' in html
    assert 'name="search_in_additional_numbers"' in html
    assert "+48, 0048 or 48 before the number is dropped" in html


@pytest.mark.django_db
def test_paste_page_shows_the_as_typed_format_when_set(supervisor_client, settings):
    settings.PHONE_NUMBER_FORMAT = "as_typed"

    assert "As typed" in _html(supervisor_client.get(PASTE_URL))


@pytest.mark.django_db
def test_campaign_page_links_to_the_paste_page(supervisor_client):
    with responses.RequestsMock() as mock:
        mock.get(API + "outbounds/00001/statuses", json=[])
        html = _html(supervisor_client.get("/campaigns/00001/"))

    assert f'href="{PASTE_URL}"' in html
    assert "Remove phone numbers" in html


@pytest.mark.django_db
def test_pasting_creates_a_draft_and_leads_to_its_preview(supervisor_client, supervisor):
    text = "600 100 200\n+48 600-100-201, 600100200\nabc\n12"

    response = supervisor_client.post(
        PASTE_URL, {"text": text, "search_in_additional_numbers": "on"}
    )

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == BulkJob.State.DRAFT
    assert job.created_by == supervisor
    assert (job.kind, job.campaign_id) == ("phone_numbers", "00001")
    assert job.options["number_format"] == "national"
    assert job.options["search_in_additional_numbers"] is True
    assert job.options["from_records"] is False
    assert (job.item_count, job.duplicate_count, job.invalid_count) == (2, 1, 2)
    assert not AuditEntry.objects.exists()  # nothing is started, nothing sent


@pytest.mark.django_db
def test_empty_input_is_an_error_next_to_the_field(supervisor_client):
    response = supervisor_client.post(PASTE_URL, {"text": "  \n\n "})

    assert response.status_code == 200
    html = _html(response)
    assert 'id="id_text_error"' in html
    assert "Paste some phone numbers or upload a file of them." in html
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_nothing_valid_lists_every_refused_token_with_its_line(supervisor_client):
    response = supervisor_client.post(PASTE_URL, {"text": "\nabc\n12 <b>x</b>\n"})

    assert response.status_code == 200
    html = _html(response)
    assert "None of these is a phone number" in html
    assert "Invalid: 3 entries" in html
    rows = re.findall(
        r'<td class="number">(\d+)</td>\s*<td><code>(.*?)</code></td>\s*<td>(.*?)</td>', html
    )
    assert rows == [
        ("2", "abc", "contains letters or symbols"),
        ("3", "12", "too short"),
        ("3", "&lt;b&gt;x&lt;/b&gt;", "contains letters or symbols"),
    ]
    assert "<b>x</b>" not in html
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_more_than_the_limit_is_refused_with_a_clear_message(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 5

    response = supervisor_client.post(PASTE_URL, {"text": "\n".join(_numbers(6))})

    assert response.status_code == 200
    assert "More than 5 phone numbers: split the list into jobs of at most 5." in _html(response)
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_exactly_the_limit_is_accepted(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 5

    response = supervisor_client.post(PASTE_URL, {"text": "\n".join(_numbers(5))})

    assert response.status_code == 302
    assert BulkJob.objects.get().item_count == 5


@pytest.mark.django_db
def test_upload_of_a_txt_file(supervisor_client):
    upload = SimpleUploadedFile(
        "numbers.txt", b"600100200\n\nxyz\n600100201\n", content_type="text/plain"
    )

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert list(job.items.order_by("position").values_list("raw", "line", "outcome")) == [
        ("600100200", 1, "PENDING"),
        ("600100201", 4, "PENDING"),
        ("xyz", 3, "INVALID"),
    ]


@pytest.mark.django_db
def test_upload_of_a_csv_file_with_a_bom_header_and_quoted_cells(supervisor_client):
    content = '\ufeffphone;name\n"600 100 200";Anna\n600100201;"Bob"\n'.encode()
    upload = SimpleUploadedFile("export.CSV", content, content_type="text/csv")

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert list(job.items.to_send().values_list("value", "line")) == [
        ("600100200", 2),
        ("600100201", 3),
    ]
    assert set(job.items.invalid().values_list("raw", flat=True)) == {
        "phone",
        "name",
        "Anna",
        "Bob",
    }


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_clearly(supervisor_client):
    upload = SimpleUploadedFile("numbers.csv", "600100200;Łódź\n".encode("cp1250"))

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    assert response.status_code == 200
    html = _html(response)
    assert 'id="id_upload_error"' in html
    assert "The file is not UTF-8 text" in html
    assert "CSV UTF-8" in html
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_a_file_of_another_type_is_refused(supervisor_client):
    upload = SimpleUploadedFile("numbers.xlsx", b"PK\x03\x04")

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    assert "Upload a .txt or .csv file" in _html(response)
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_pasting_and_uploading_at_once_is_refused(supervisor_client):
    upload = SimpleUploadedFile("numbers.txt", b"600100200\n")

    response = supervisor_client.post(PASTE_URL, {"text": "600100201", "upload": upload})

    assert "not both" in _html(response)
    assert not BulkJob.objects.exists()


# --- the preview -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_shows_counts_the_list_as_sent_and_the_refused_tokens(
    supervisor_client, supervisor
):
    job = _draft(
        supervisor,
        "+48 600 100 200\n0048600100201\n600100200\nabc\n",
        number_format="national",
    )

    response = supervisor_client.get(f"/jobs/{job.pk}/")

    assert response.status_code == 200
    html = _html(response)
    stats = re.findall(
        r'<span class="stat-value">(\d+)</span>\s*<span class="stat-label">(.*?)</span>', html
    )
    assert stats == [
        ("2", "numbers to send"),
        ("1", "duplicate merged"),
        ("1", "invalid, not sent"),
    ]
    assert "<code>+48 600 100 200</code>" in html
    assert "<code>600100200</code>" in html
    assert "<code>600100201</code>" in html
    assert "Invalid, not sent: 1 entry" in html
    assert "contains letters or symbols" in html
    assert "Remove 2 numbers from campaign 00001" in html
    assert f'action="/jobs/{job.pk}/start/"' in html
    assert f'formaction="/jobs/{job.pk}/discard/"' in html
    assert 'name="confirmation"' not in html  # below the threshold
    assert "hx-trigger" not in html  # a draft does not refresh itself


@pytest.mark.django_db
def test_preview_list_is_paginated_and_htmx_gets_only_the_list(supervisor_client, supervisor):
    job = _draft(supervisor, "\n".join(_numbers(150)))

    page2 = supervisor_client.get(f"/jobs/{job.pk}/?page=2")
    fragment = supervisor_client.get(
        f"/jobs/{job.pk}/?page=2", headers={"HX-Request": "true", "HX-Target": "preview-items"}
    )

    html = _html(page2)
    assert "<code>600000100</code>" in html
    assert "<code>600000099</code>" not in html
    assert "101\u2013150 of 150" in html
    assert f'href="/jobs/{job.pk}/?page=1"' in html
    assert f'hx-get="/jobs/{job.pk}/?page=1"' in html
    part = _html(fragment)
    assert part.lstrip().startswith('<section id="preview-items"')
    assert "<html" not in part
    assert "<code>600000100</code>" in part
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.django_db
def test_a_large_job_asks_for_the_campaign_id(supervisor_client, supervisor, settings):
    settings.BULK_TYPED_CONFIRMATION_THRESHOLD = 3
    job = _draft(supervisor, "\n".join(_numbers(3)))

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    assert 'name="confirmation"' in html
    assert "type the campaign id, 00001, to confirm" in html

    for typed in ("", "00002", "0000"):
        response = supervisor_client.post(f"/jobs/{job.pk}/start/", {"confirmation": typed})
        assert response.status_code == 200
        assert 'id="id_confirmation_error"' in _html(response)
        job.refresh_from_db()
        assert job.state == BulkJob.State.DRAFT
    assert "That is not the campaign id: type 00001 to start." in _html(response)
    assert not AuditEntry.objects.exists()

    response = supervisor_client.post(f"/jobs/{job.pk}/start/", {"confirmation": " 00001 "})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED


@pytest.mark.django_db
def test_confirming_starts_the_job_once_however_often_it_is_posted(
    supervisor_client, supervisor, django_capture_on_commit_callbacks
):
    job = _draft(supervisor, "600100200\n600100201")

    with django_capture_on_commit_callbacks() as callbacks:
        first = supervisor_client.post(f"/jobs/{job.pk}/start/")
        second = supervisor_client.post(f"/jobs/{job.pk}/start/")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED
    assert AuditEntry.objects.filter(action="bulk.phone_numbers.start").count() == 1
    assert len(callbacks) == 1  # one task enqueued
    page = _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    assert "already started" in page


@pytest.mark.django_db
def test_discard_deletes_the_draft_and_goes_back_to_the_paste_page(supervisor_client, supervisor):
    job = _draft(supervisor, "600100200")

    response = supervisor_client.post(f"/jobs/{job.pk}/discard/")

    assert response.status_code == 302
    assert response["Location"] == PASTE_URL
    assert not BulkJob.objects.exists()
    assert supervisor_client.get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_started_job_cannot_be_discarded(supervisor_client, supervisor):
    job = _started(supervisor, "600100200")

    response = supervisor_client.post(f"/jobs/{job.pk}/discard/", follow=True)

    assert "cannot be discarded" in _html(response)
    assert BulkJob.objects.filter(pk=job.pk).exists()


# --- while the job runs ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_active_job_refreshes_its_results_every_two_seconds(supervisor_client, supervisor):
    job = _started(supervisor, "\n".join(_numbers(3)) + "\nabc")

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 2s"' in html
    assert '<progress value="0" max="3"' in html
    assert "Waiting for a worker" in html
    assert f'action="/jobs/{job.pk}/cancel/"' in html
    assert "waiting <span" in html
    assert "invalid, not sent <span" in html
    assert "Retry" not in html


@pytest.mark.django_db
def test_htmx_refresh_returns_only_the_results_region(supervisor_client, supervisor):
    job = _started(supervisor, "\n".join(_numbers(3)))

    response = supervisor_client.get(
        f"/jobs/{job.pk}/", headers={"HX-Request": "true", "HX-Target": "job-results"}
    )

    html = _html(response)
    assert html.lstrip().startswith('<section id="job-results"')
    assert html.rstrip().endswith("</section>")
    assert "<html" not in html
    assert "<h1" not in html
    assert 'hx-trigger="every 2s"' in html


@pytest.mark.django_db
def test_htmx_request_for_a_region_that_no_longer_applies_reloads_the_page(
    supervisor_client, supervisor
):
    job = _started(supervisor, "600100200")

    response = supervisor_client.get(
        f"/jobs/{job.pk}/", headers={"HX-Request": "true", "HX-Target": "preview-items"}
    )

    assert response["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_htmx_history_restore_gets_the_whole_page(supervisor_client, supervisor):
    job = _started(supervisor, "600100200")

    response = supervisor_client.get(
        f"/jobs/{job.pk}/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in _html(response)


@pytest.mark.django_db
def test_cancel_marks_what_was_not_sent(supervisor_client, supervisor):
    job = _started(supervisor, "\n".join(_numbers(30)))

    response = supervisor_client.post(f"/jobs/{job.pk}/cancel/?outcome=PENDING")

    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/?outcome=PENDING"
    job.refresh_from_db()
    assert job.state == BulkJob.State.CANCELLED
    assert set(job.items.values_list("outcome", flat=True)) == {Outcome.CANCELLED}
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    assert "Cancelled: 30 items not sent yet will not be sent." in html
    assert 'hx-trigger="every' not in html
    assert f'action="/jobs/{job.pk}/cancel/"' not in html


@pytest.mark.django_db
def test_cancel_with_htmx_returns_the_results_region(supervisor_client, supervisor):
    job = _started(supervisor, "\n".join(_numbers(3)))

    response = supervisor_client.post(
        f"/jobs/{job.pk}/cancel/", headers={"HX-Request": "true", "HX-Target": "job-results"}
    )

    html = _html(response)
    assert html.lstrip().startswith('<section id="job-results"')
    assert "Cancelled: 3 items not sent yet will not be sent." in html
    assert "hx-trigger" not in html  # the job is over: the region stops refreshing


@pytest.mark.django_db
def test_cancelling_a_job_that_is_over_changes_nothing(supervisor_client, supervisor):
    job = _started(supervisor, "600100200")
    supervisor_client.post(f"/jobs/{job.pk}/cancel/")

    response = supervisor_client.post(f"/jobs/{job.pk}/cancel/", follow=True)

    assert "nothing to cancel" in _html(response)
    assert AuditEntry.objects.filter(action="bulk.phone_numbers.cancel").count() == 1


# --- results of a finished job -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_finished_job_lists_each_outcome_with_filters_and_pages(supervisor_client, supervisor):
    numbers = _numbers(150)
    job = _started(supervisor, "\n".join([*numbers, "abc"]))
    job = _run(job, FakeThulium(existing=numbers[:120], in_call=numbers[120:125]))
    assert job.state == BulkJob.State.FINISHED

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert 'hx-trigger="every' not in html  # over: the results stop refreshing
    assert '<progress value="150" max="150"' in html
    assert "100%" in html
    filters = re.findall(
        r'class="outcome-filter tone-\w+ outcome-(\w+)"[^>]*>([^<]*)<span class="count">(\d+)', html
    )
    assert filters == [
        ("all", "all ", "151"),
        ("removed", "removed ", "120"),
        ("not_exist", "did not exist ", "25"),
        ("call_in_progress", "in a call ", "5"),
        ("invalid", "invalid, not sent ", "1"),
    ]
    assert f'href="/jobs/{job.pk}/?outcome=REMOVED"' in html
    # The first row: removed, with both of its records, which the campaign copy (none here)
    # could not name: Thulium's internal record ids are not shown.
    first = numbers[0]
    assert f"<code>{first}</code>" in html
    assert (
        '2 <small class="removed-identifiers">(<span class="muted">not in the copy</span>, ' in html
    )
    assert f"({int(first)}, {int(first) + 1})" not in html
    assert "1\u2013100 of 151" in html
    assert "Retry 5 in a call</button>" in html
    assert f'href="/jobs/{job.pk}/export.csv"' in html

    in_call = _html(supervisor_client.get(f"/jobs/{job.pk}/?outcome=CALL_IN_PROGRESS"))
    assert in_call.count('class="badge tone-warning outcome-call_in_progress"') == 5
    assert 'class="badge tone-success outcome-removed"' not in in_call
    assert "1 record in a call, not removed." in in_call

    page2 = _html(supervisor_client.get(f"/jobs/{job.pk}/?page=2"))
    assert "101\u2013151 of 151" in page2
    assert "<code>abc</code>" in page2
    assert "invalid, not sent</span>" in page2

    removed_page2 = _html(supervisor_client.get(f"/jobs/{job.pk}/?outcome=REMOVED&page=2"))
    assert "101\u2013120 of 120" in removed_page2
    assert removed_page2.count('class="badge tone-success outcome-removed"') == 20
    assert f'href="/jobs/{job.pk}/?outcome=REMOVED&amp;page=1"' in removed_page2

    unknown = supervisor_client.get(f"/jobs/{job.pk}/?outcome=NOPE&page=x")
    assert unknown.status_code == 200
    assert "1\u2013100 of 151" in _html(unknown)


@pytest.mark.django_db(transaction=True)
def test_retry_creates_a_draft_of_the_failed_and_in_call_numbers(supervisor_client, supervisor):
    numbers = _numbers(20)
    job = _started(supervisor, "\n".join(numbers))
    job = _run(job, FakeThulium(existing=numbers[:15], in_call=numbers[15:18]))

    response = supervisor_client.post(f"/jobs/{job.pk}/retry/")

    retry = BulkJob.objects.get(retry_of=job)
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{retry.pk}/"
    assert retry.state == BulkJob.State.DRAFT
    assert list(retry.items.values_list("value", flat=True)) == numbers[15:18]
    html = _html(supervisor_client.get(response["Location"]))
    assert "check the preview and confirm" in html
    assert f'a retry of <a href="/jobs/{job.pk}/">job {job.pk}</a>' in html
    assert "Remove 3 numbers from campaign 00001" in html

    again = supervisor_client.post(f"/jobs/{job.pk}/retry/")
    assert again["Location"] == f"/jobs/{retry.pk}/"
    assert BulkJob.objects.filter(retry_of=job).count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_retry_offered_when_nothing_failed(supervisor_client, supervisor):
    numbers = _numbers(5)
    job = _run(_started(supervisor, "\n".join(numbers)), FakeThulium(existing=numbers))

    assert "Retry" not in _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    response = supervisor_client.post(f"/jobs/{job.pk}/retry/", follow=True)
    assert "Nothing to retry" in _html(response)
    assert BulkJob.objects.count() == 1


@pytest.mark.django_db
def test_an_active_job_cannot_be_retried(supervisor_client, supervisor):
    job = _started(supervisor, "600100200")

    response = supervisor_client.post(f"/jobs/{job.pk}/retry/", follow=True)

    assert "once it is over" in _html(response)
    assert BulkJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_csv_export_has_every_item_and_its_outcome(supervisor_client, supervisor):
    numbers = _numbers(40)
    text = "\n".join([*numbers, "=cmd()", "+48 600 000 000"])
    job = _started(supervisor, text)
    job = _run(job, FakeThulium(existing=numbers[:30], in_call=numbers[30:32]))

    response = supervisor_client.get(f"/jobs/{job.pk}/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="job-{job.pk}-remove-phone-numbers-from-a-campaign.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "position",
        "line",
        "as pasted",
        "as sent",
        "outcome code",
        "outcome",
        "removed count",
        "record ids",
        "detail code",
        "detail",
        "Thulium's message",
    ]
    assert len(rows) == 1 + 41  # 40 numbers and 1 refused token; the duplicate is merged
    first = numbers[0]
    assert rows[1] == [
        "1",
        "1",
        first,
        first,
        "REMOVED",
        "removed",
        "2",
        f"{int(first)} {int(first) + 1}",
        "",
        "",
        "",
    ]
    assert rows[31][4:7] == ["CALL_IN_PROGRESS", "in a call", "0"]
    assert rows[31][8:] == ["phone_numbers.in_call", "1 record in a call, not removed.", ""]
    assert rows[33][4:8] == ["NOT_EXIST", "did not exist", "0", ""]
    # "+48 600 000 000" is a duplicate of 600000000 and merged; "=cmd()" is refused, and
    # neutralised so that a spreadsheet does not run it.
    assert rows[41] == [
        "41",
        "41",
        "'=cmd()",
        "",
        "INVALID",
        "invalid, not sent",
        "",
        "",
        "phones.letters_or_symbols",
        "contains letters or symbols",
        "",
    ]
    assert [row[4] for row in rows[1:]].count("REMOVED") == 30


@pytest.mark.django_db
def test_csv_export_for_a_polish_reader_is_in_polish_every_code_with_its_words(
    supervisor_client, supervisor
):
    job = _draft(supervisor, "600100200\n60010020\nabc")
    supervisor_client.cookies["django_language"] = "pl"

    response = supervisor_client.get(f"/jobs/{job.pk}/export.csv")

    assert response["Content-Disposition"] == (
        f'attachment; filename="zadanie-{job.pk}-usuwanie-numerow-telefonow-z-kampanii.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body), delimiter=";")
    assert header[4:6] == ["kod wyniku", "wynik"]
    assert header[8:10] == ["kod szczegółów", "szczegóły"]
    by_raw = {row[2]: row for row in rows}
    assert by_raw["60010020"][4:6] == ["SUSPICIOUS", "podejrzane, niewysłane"]
    assert by_raw["60010020"][8] == "phones.short_for_region"
    assert by_raw["60010020"][9]  # its words beside the code
    assert by_raw["abc"][4:6] == ["INVALID", "nieprawidłowe, niewysłane"]


@pytest.mark.django_db
def test_csv_export_of_a_draft_lists_what_would_be_sent(supervisor_client, supervisor):
    job = _draft(supervisor, "+48600100200\nabc")

    response = supervisor_client.get(f"/jobs/{job.pk}/export.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1:] == [
        ["1", "1", "+48600100200", "600100200", "PENDING", "waiting", "", "", "", "", ""],
        [
            "2",
            "2",
            "abc",
            "",
            "INVALID",
            "invalid, not sent",
            "",
            "",
            "phones.letters_or_symbols",
            "contains letters or symbols",
            "",
        ],
    ]


# --- the page stays light ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_job_page_queries_do_not_grow_with_the_job(
    supervisor_client, supervisor, django_assert_num_queries
):
    small = _run(_started(supervisor, "\n".join(_numbers(5))), FakeThulium(_numbers(3)))
    big_numbers = _numbers(500, start=1000)
    big = _run(_started(supervisor, "\n".join(big_numbers)), FakeThulium(big_numbers[:400]))
    supervisor_client.get("/jobs/")  # warm the session

    # session, user, groups, job, chunk tallies, a page of items, the chunks of that page, the
    # restores made of the removal, the header's count of the user's jobs needing attention
    # (and the campaigns' names (its label, "00001 · name"))
    with django_assert_num_queries(10):
        assert supervisor_client.get(f"/jobs/{small.pk}/").status_code == 200
    with django_assert_num_queries(10):
        response = supervisor_client.get(f"/jobs/{big.pk}/?outcome=REMOVED&page=3")
    assert response.status_code == 200
    assert "201\u2013300 of 400" in _html(response)


@pytest.mark.django_db
def test_preview_queries_do_not_grow_with_the_job(
    supervisor_client, supervisor, django_assert_num_queries
):
    small = _draft(supervisor, "600100200\nabc")
    big = _draft(supervisor, "\n".join([*_numbers(500), "abc", "def"]))

    # session, user, groups, job, chunk tallies, a page of items, the refused items, the
    # header's count of the user's jobs needing attention
    # (and the campaigns' names (its label, "00001 · name"))
    with django_assert_num_queries(9):
        supervisor_client.get(f"/jobs/{small.pk}/")
    with django_assert_num_queries(9):
        response = supervisor_client.get(f"/jobs/{big.pk}/?page=5")
    assert "401\u2013500 of 500" in _html(response)


# --- the jobs index ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_jobs_index_lists_colleagues_jobs_too_newest_first(
    supervisor_client, supervisor, admin_member
):
    mine = [_draft(supervisor, "600100200"), _started(supervisor, "600100201")]
    theirs = _draft(admin_member, "600100202")

    html = _html(supervisor_client.get("/jobs/"))

    links = re.findall(r'href="/jobs/(\d+)/"', html)
    assert links == [str(theirs.pk), str(mine[1].pk), str(mine[0].pk)]
    assert "admin" in html  # who ran it
    only_mine = _html(supervisor_client.get("/jobs/?show=mine"))
    assert re.findall(r'href="/jobs/(\d+)/"', only_mine) == [str(mine[1].pk), str(mine[0].pk)]


@pytest.mark.django_db
def test_jobs_index_is_paginated_with_constant_queries(
    supervisor_client, supervisor, django_assert_num_queries
):
    for _ in range(30):
        _draft(supervisor, "600100200")
    supervisor_client.get("/jobs/")

    # session, user, groups, count, a page of jobs with their authors (no chunk read: none
    # runs), the header's count of the user's jobs needing attention
    # (and the campaigns' names (once for the page))
    with django_assert_num_queries(7):
        page2 = supervisor_client.get("/jobs/?page=2")
    assert "26\u201330 of 30" in _html(page2)
    assert len(re.findall(r'href="/jobs/\d+/"', _html(page2))) == 5


@pytest.mark.django_db
def test_customer_jobs_are_not_listed_to_supervisors(supervisor_client, supervisor, admin_member):
    from customers.bulk import CUSTOMERS

    parsed = CUSTOMERS.parse("13", options={})
    customers_job = bulk_job_draft_create(user=supervisor, kind_name="customers", parsed=parsed)

    html = _html(supervisor_client.get("/jobs/"))

    assert f'href="/jobs/{customers_job.pk}/"' not in html
    assert BulkItem.objects.filter(job=customers_job).exists()


# --- finding an item on the job page ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_job_page_finds_an_item_typed_any_way(supervisor_client, supervisor):
    numbers = _numbers(150)
    job = _run(_started(supervisor, "\n".join(numbers)), FakeThulium(existing=numbers[:100]))
    wanted = BulkItem.objects.get(job=job, value=numbers[120])

    for typed in (numbers[120], "+48 600 000 120", "0048-600-000-120"):
        html = _html(supervisor_client.get(f"/jobs/{job.pk}/", {"q": typed}))
        rows = re.findall(r'<tr id="item-(\d+)"', html)
        assert rows == [str(wanted.pk)], typed
        assert "1 item matches" in html
        assert "did not exist" in html
    # The search box keeps what was typed; the form is a real GET form.
    assert 'name="q" id="job-search-q" value="0048-600-000-120"' in html
    assert f'<form method="get" action="/jobs/{job.pk}/" class="job-search"' in html


@pytest.mark.django_db(transaction=True)
def test_a_search_that_finds_nothing_says_so(supervisor_client, supervisor):
    job = _run(_started(supervisor, "\n".join(_numbers(3))), FakeThulium(existing=[]))

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/", {"q": "700 000 001"}))

    assert "0 items match" in html
    assert "No item of this job was sent as that." in html
    assert re.findall(r'<tr id="item-', html) == []


@pytest.mark.django_db(transaction=True)
def test_a_search_with_htmx_returns_only_the_results_region(supervisor_client, supervisor):
    numbers = _numbers(5)
    job = _run(_started(supervisor, "\n".join(numbers)), FakeThulium(existing=numbers))

    response = supervisor_client.get(
        f"/jobs/{job.pk}/",
        {"q": numbers[2]},
        headers={"HX-Request": "true", "HX-Target": "job-results"},
    )

    html = _html(response)
    assert html.lstrip().startswith('<section id="job-results"')
    assert html.rstrip().endswith("</section>")
    assert "<h1" not in html
    assert 'class="job-search"' not in html  # the form stays where it is
    assert len(re.findall(r'<tr id="item-', html)) == 1


@pytest.mark.django_db(transaction=True)
def test_paging_keeps_the_search(supervisor_client, supervisor, monkeypatch):
    from thuladmin.bulk import views as bulk_views

    monkeypatch.setattr(bulk_views, "RESULTS_PER_PAGE", 1)
    monkeypatch.setattr(PHONE_NUMBERS, "search_values", lambda text: _numbers(3))
    job = _run(_started(supervisor, "\n".join(_numbers(5))), FakeThulium(existing=[]))

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/", {"q": "three of them"}))

    assert "3 items match" in html
    assert f'href="/jobs/{job.pk}/?q=three+of+them&amp;page=2"' in html
    page2 = _html(supervisor_client.get(f"/jobs/{job.pk}/", {"q": "three of them", "page": "2"}))
    assert "2\u20132 of 3" in page2


@pytest.mark.django_db(transaction=True)
def test_a_search_costs_no_more_queries_than_a_page(
    supervisor_client, supervisor, django_assert_num_queries
):
    numbers = _numbers(500, start=1000)
    job = _run(_started(supervisor, "\n".join(numbers)), FakeThulium(numbers[:400]))
    supervisor_client.get("/jobs/")  # warm the session

    # session, user, groups, job, chunk tallies, the matching items, their chunks, the restores
    # made of the removal, the header's count of the user's jobs needing attention
    # (and the campaigns' names)
    with django_assert_num_queries(10):
        response = supervisor_client.get(f"/jobs/{job.pk}/", {"q": f"+48 {numbers[450]}"})
    assert len(re.findall(r'<tr id="item-', _html(response))) == 1


@pytest.mark.django_db
def test_the_job_search_says_what_this_kind_can_find(supervisor_client, supervisor):
    job = _started(supervisor, "600100200")

    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert "A phone number, typed any way" in html
    assert "customer id" not in html
    assert 'placeholder="+48 600 100 200"' in html


@pytest.mark.django_db
def test_job_pages_and_the_jobs_list_name_the_campaign(supervisor_client, supervisor):
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia umów — listopad")
    job = _started(supervisor, "600100200")

    page = _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    jobs = _html(supervisor_client.get("/jobs/"))

    label = "00001 · Odnowienia umów — listopad"
    assert f"Remove phone numbers from campaign {label}" in page
    assert f'<a href="/campaigns/00001/">{label}</a>' in page  # the breadcrumb
    assert f"Phone numbers from {label}" in jobs

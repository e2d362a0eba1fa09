"""Customer deletion: the admins-only paste page, the preview that looks customers up, results."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.bulk import CUSTOMERS
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

API = "https://acme.thulium.com/api/"
CUSTOMERS_URL = API + "batch/customers"


@pytest.fixture(autouse=True)
def _thulium_settings(settings):
    settings.THULIUM_URL = API
    settings.THULIUM_MAX_RETRIES = 0
    settings.THULIUM_BACKOFF_SECONDS = 0.001
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_PARALLEL_REQUESTS = 2


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member)
    return client


@pytest.fixture
def thulium():
    """Every request must be registered: an unexpected lookup fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _customer(customer_id: int, **fields) -> dict:
    return {
        "customer_id": customer_id,
        "name": "Anna",
        "surname": f"Nowak-{customer_id}",
        "phone_number": f"60010{customer_id:04d}",
        "phone_numbers": [],
        "email": "",
        "company_id": 3,
        "company_name": "Acme <b>sp.</b>",
        "identifier": "",
        **fields,
    }


def _thulium_knows_every_customer(thulium) -> None:
    """Thulium answers every `customers/:id` with that customer."""
    thulium.add_callback(
        responses.GET,
        re.compile(re.escape(API) + r"customers/\d+"),
        callback=lambda request: (
            200,
            {},
            json.dumps(_customer(int(urlsplit(request.url).path.rsplit("/", 1)[1]))),
        ),
    )


def _draft(user, text: str) -> BulkJob:
    return bulk_job_draft_create(
        user=user, kind_name=CUSTOMERS.name, parsed=CUSTOMERS.parse(text, options={})
    )


def _html(response) -> str:
    return response.content.decode()


# --- admins only ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_supervisors_get_403_on_every_customer_page_and_post(client, supervisor, admin_member):
    draft = _draft(admin_member, "13\n14")
    started = _draft(admin_member, "15")
    assert bulk_job_start(job=started, user=admin_member)
    client.force_login(supervisor)

    assert client.get("/customers/").status_code == 403
    assert client.post("/customers/", {"text": "16"}).status_code == 403
    for job in (draft, started):
        assert client.get(f"/jobs/{job.pk}/").status_code == 403
        assert client.get(f"/jobs/{job.pk}/export.csv").status_code == 403
        assert client.post(f"/jobs/{job.pk}/start/", {"confirmation": "2"}).status_code == 403
        assert client.post(f"/jobs/{job.pk}/discard/").status_code == 403
        assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
        assert client.post(f"/jobs/{job.pk}/retry/").status_code == 403

    draft.refresh_from_db()
    started.refresh_from_db()
    assert (draft.state, started.state) == (BulkJob.State.DRAFT, BulkJob.State.QUEUED)
    assert BulkJob.objects.count() == 2
    assert not AuditEntry.objects.filter(actor=supervisor).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["auditor", "outsider"])
def test_other_roles_get_403_too(request, client, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get("/customers/").status_code == 403
    assert client.post("/customers/", {"text": "13"}).status_code == 403
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/customers/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- pasting ids ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customers_page_warns_and_offers_the_paste_form(admin_client):
    html = _html(admin_client.get("/customers/"))

    assert "Deleting a customer cannot be undone." in html
    assert 'name="text"' in html
    assert 'name="upload"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "search_in_additional_numbers" not in html


@pytest.mark.django_db
def test_pasting_ids_creates_a_draft(admin_client, admin_member, thulium):
    response = admin_client.post("/customers/", {"text": "13 14,#15\n013\nabc -3"})

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.campaign_id, job.created_by) == ("customers", "", admin_member)
    assert (job.item_count, job.duplicate_count, job.invalid_count) == (3, 1, 2)
    assert len(thulium.calls) == 0  # looked up by the preview, not here


@pytest.mark.django_db
def test_invalid_ids_are_listed_with_their_lines(admin_client):
    response = admin_client.post("/customers/", {"text": "abc\n\n1.5 x"})

    html = _html(response)
    assert "None of these is a customer id" in html
    rows = re.findall(r'<td class="number">(\d+)</td>\s*<td><code>(.*?)</code></td>', html)
    assert rows == [("1", "abc"), ("3", "1.5"), ("3", "x")]
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_limit_applies_to_customer_ids(admin_client, settings):
    settings.BULK_MAX_ITEMS = 5

    response = admin_client.post("/customers/", {"text": "1 2 3 4 5 6"})

    assert "More than 5 customer ids" in _html(response)
    assert not BulkJob.objects.exists()


@pytest.mark.django_db
def test_upload_of_customer_ids(admin_client):
    upload = SimpleUploadedFile("ids.csv", b"customer_id\n13\n14\n")

    response = admin_client.post("/customers/", {"upload": upload})

    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert list(job.items.to_send().values_list("value", "line")) == [("13", 2), ("14", 3)]


@pytest.mark.django_db
def test_non_utf8_upload_of_customer_ids_is_refused(admin_client):
    upload = SimpleUploadedFile("ids.txt", "13 Żółć".encode("iso8859_2"))

    response = admin_client.post("/customers/", {"upload": upload})

    assert "The file is not UTF-8 text" in _html(response)
    assert not BulkJob.objects.exists()


# --- the preview looks customers up ----------------------------------------------------------


@pytest.mark.django_db
def test_preview_shows_each_customer_and_flags_the_unknown(admin_client, admin_member, thulium):
    job = _draft(admin_member, "13\n14\n15")
    thulium.get(API + "customers/13", json=_customer(13))
    thulium.get(API + "customers/14", json=_customer(14, company_name=None, phone_number=""))
    thulium.get(
        API + "customers/15",
        status=404,
        json={"errors": [{"message": "Customer not found.", "code": 404}]},
    )

    html = _html(admin_client.get(f"/jobs/{job.pk}/"))

    assert "Deleting a customer cannot be undone." in html
    assert '<td data-label="Name">Anna Nowak-13</td>' in html
    assert "Acme &lt;b&gt;sp.&lt;/b&gt;" in html
    assert "<b>sp.</b>" not in html
    assert "600100013" in html
    assert '<tr class="row-not-found">' in html
    assert html.count("not found in Thulium</span>") == 1
    assert "1 id was not found in Thulium so far" in html
    previews = dict(job.items.values_list("value", "preview"))
    assert previews == {
        "13": {
            "found": True,
            "name": "Anna Nowak-13",
            "company": "Acme <b>sp.</b>",
            "phone": "600100013",
        },
        "14": {"found": True, "name": "Anna Nowak-14", "company": "", "phone": ""},
        "15": {"found": False},
    }
    assert len(thulium.calls) == 3

    admin_client.get(f"/jobs/{job.pk}/")
    assert len(thulium.calls) == 3  # looked up once


@pytest.mark.django_db
def test_preview_looks_up_only_the_page_on_screen(admin_client, admin_member, thulium):
    job = _draft(admin_member, "\n".join(str(index) for index in range(1, 121)))
    _thulium_knows_every_customer(thulium)

    first = admin_client.get(f"/jobs/{job.pk}/")
    looked_up = {call.request.url.rsplit("/", 1)[1] for call in thulium.calls}
    assert looked_up == {str(index) for index in range(1, 51)}
    assert "1\u201350 of 120" in _html(first)

    fragment = admin_client.get(
        f"/jobs/{job.pk}/?page=3", headers={"HX-Request": "true", "HX-Target": "preview-items"}
    )
    assert len(thulium.calls) == 70
    html = _html(fragment)
    assert html.lstrip().startswith('<section id="preview-items"')
    assert "Anna Nowak-120" in html


@pytest.mark.django_db
def test_a_failed_lookup_is_not_stored_and_is_tried_again(admin_client, admin_member, thulium):
    job = _draft(admin_member, "13\n14")
    thulium.get(API + "customers/13", status=503, body="down")
    thulium.get(API + "customers/14", status=503, body="down")

    html = _html(admin_client.get(f"/jobs/{job.pk}/"))

    assert "could not be looked up" in html
    assert "Thulium is unavailable right now" in html
    assert "not looked up" in html
    assert not any(job.items.values_list("preview", flat=True))
    thulium.replace(responses.GET, API + "customers/13", json=_customer(13))
    thulium.replace(responses.GET, API + "customers/14", json=_customer(14))
    html = _html(admin_client.get(f"/jobs/{job.pk}/"))
    assert "Anna Nowak-13" in html
    assert "Anna Nowak-14" in html
    assert "could not be looked up" not in html


@pytest.mark.django_db
def test_customer_preview_queries_do_not_grow_with_the_job(
    admin_client, admin_member, thulium, django_assert_num_queries
):
    thulium.add_callback(
        responses.GET,
        re.compile(re.escape(API) + r"customers/\d+"),
        callback=lambda request: (404, {}, "{}"),
    )
    small = _draft(admin_member, "1 2")
    big = _draft(admin_member, "\n".join(str(index) for index in range(1, 501)))
    admin_client.get(f"/jobs/{small.pk}/")
    admin_client.get(f"/jobs/{big.pk}/?page=4")

    # session, user, groups, job, chunk tallies, a page of items, not-found count, the header's
    # count of the user's jobs needing attention
    with django_assert_num_queries(8):
        admin_client.get(f"/jobs/{small.pk}/")
    with django_assert_num_queries(8):
        response = admin_client.get(f"/jobs/{big.pk}/?page=4")
    assert "151\u2013200 of 500" in _html(response)


@pytest.mark.django_db
def test_an_auditor_reading_a_draft_asks_thulium_nothing_and_writes_nothing(
    client, auditor, admin_member, thulium
):
    job = _draft(admin_member, "\n".join(str(index) for index in range(1, 61)))
    _thulium_knows_every_customer(thulium)
    client.force_login(auditor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/jobs/{job.pk}/")
        fragment = client.get(
            f"/jobs/{job.pk}/?page=2", headers={"HX-Request": "true", "HX-Target": "preview-items"}
        )

    assert response.status_code == 200
    assert fragment.status_code == 200
    assert len(thulium.calls) == 0
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
    ]
    assert writes == []
    assert not any(job.items.values_list("preview", flat=True))
    html = _html(response)
    assert "not looked up" in html
    assert "Anna Nowak" not in html


@pytest.mark.django_db
def test_an_auditor_sees_the_lookups_stored_before(client, auditor, admin_member, thulium):
    job = _draft(admin_member, "13\n14")
    thulium.get(API + "customers/13", json=_customer(13))
    thulium.get(API + "customers/14", status=404, json={"errors": []})
    client.force_login(admin_member)
    client.get(f"/jobs/{job.pk}/")
    assert len(thulium.calls) == 2
    client.force_login(auditor)

    html = _html(client.get(f"/jobs/{job.pk}/"))

    assert len(thulium.calls) == 2
    assert "Anna Nowak-13" in html
    assert "not found in Thulium</span>" in html


@pytest.mark.django_db
def test_a_cancel_posted_to_a_draft_asks_thulium_nothing(admin_client, admin_member, thulium):
    job = _draft(admin_member, "13\n14")

    response = admin_client.post(
        f"/jobs/{job.pk}/cancel/", headers={"HX-Request": "true", "HX-Target": "job-results"}
    )

    html = _html(response)
    assert html.lstrip().startswith('<section id="job-results"')
    assert "This job is not running: there is nothing to cancel." in html
    assert len(thulium.calls) == 0
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT
    assert not any(job.items.values_list("preview", flat=True))


# --- confirming ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_count_must_always_be_typed(admin_client, admin_member, thulium):
    thulium.get(API + "customers/13", json=_customer(13))
    thulium.get(API + "customers/14", json=_customer(14))
    job = _draft(admin_member, "13 14")

    html = _html(admin_client.get(f"/jobs/{job.pk}/"))
    assert "Type the number of customers to delete, 2, to confirm" in html
    assert "Delete 2 customers for good" in html

    for typed in ("", "3", "two", "13 14"):
        response = admin_client.post(f"/jobs/{job.pk}/start/", {"confirmation": typed})
        assert response.status_code == 200
        assert 'id="id_confirmation_error"' in _html(response)
        job.refresh_from_db()
        assert job.state == BulkJob.State.DRAFT
    assert "That is not the count: type 2 to delete these customers." in _html(response)

    response = admin_client.post(f"/jobs/{job.pk}/start/", {"confirmation": "2"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED
    assert AuditEntry.objects.get(action="bulk.customers.start").actor == admin_member


@pytest.mark.django_db
def test_the_count_may_be_typed_with_thousands_separators(admin_member, admin_client, thulium):
    thulium.add_callback(
        responses.GET,
        re.compile(re.escape(API) + r"customers/\d+"),
        callback=lambda request: (404, {}, "{}"),
    )
    job = _draft(admin_member, "\n".join(str(index) for index in range(1, 1235)))

    assert "Delete 1,234 customers for good" in _html(admin_client.get(f"/jobs/{job.pk}/"))
    response = admin_client.post(f"/jobs/{job.pk}/start/", {"confirmation": "1,234"})

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == BulkJob.State.QUEUED


@pytest.mark.django_db
def test_discarding_a_customer_draft_goes_back_to_the_customers_page(
    admin_client, admin_member, thulium
):
    job = _draft(admin_member, "13")

    response = admin_client.post(f"/jobs/{job.pk}/discard/")

    assert response["Location"] == "/customers/"
    assert not BulkJob.objects.exists()
    assert len(thulium.calls) == 0


# --- results ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_customer_job_results_and_retry(admin_client, admin_member):
    job = _draft(admin_member, "\n".join(str(index) for index in range(1, 11)))
    assert bulk_job_start(job=job, user=admin_member)

    def answer(request):
        ids = parse_qs(urlsplit(request.url).query)["customer_id[]"]
        body = {}
        for customer_id in ids:
            number = int(customer_id)
            if number <= 6:
                body[customer_id] = {"http_status": 204}
            elif number <= 8:
                body[customer_id] = {"http_status": 404, "message": "Customer not found."}
            else:
                body[customer_id] = {"http_status": 500, "message": "Database busy."}
        return 200, {}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.DELETE, CUSTOMERS_URL, callback=answer)
        JobRunner(job.pk).run()

    html = _html(admin_client.get(f"/jobs/{job.pk}/"))
    filters = re.findall(
        r'class="outcome-filter tone-\w+ outcome-(\w+)"[^>]*>[^<]*<span class="count">(\d+)', html
    )
    assert filters == [("all", "10"), ("deleted", "6"), ("not_found", "2"), ("error", "2")]
    assert "Customer not found." in html
    assert "Database busy." in html
    assert "Retry 2 failed<" in html

    response = admin_client.post(f"/jobs/{job.pk}/retry/")
    retry = BulkJob.objects.get(retry_of=job)
    assert response["Location"] == f"/jobs/{retry.pk}/"
    assert list(retry.items.values_list("value", flat=True)) == ["9", "10"]
    assert retry.kind == "customers"

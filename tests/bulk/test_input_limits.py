"""Limits on what may be pasted or uploaded: every token counts, and sizes are capped, each
refusal with a message that says what the limit is and what to do."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.bulk.remove_numbers import PhoneNumbersForm
from thuladmin.bulk.forms import MAX_INPUT_BYTES
from thuladmin.bulk.models import BulkJob

pytestmark = pytest.mark.django_db

PASTE_URL = "/campaigns/00001/remove-numbers/"
CUSTOMERS_URL = "/customers/"
MB = 1024 * 1024


def _html(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_refused_tokens_count_against_the_limit(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 5

    response = supervisor_client.post(PASTE_URL, {"text": "x,y,z\n600100200\nq,r"})

    assert response.status_code == 200
    html = _html(response)
    assert "More than 5 phone numbers: split the list into jobs of at most 5." in html
    assert "Every entry counts, refused ones and repeats included." in html
    assert not BulkJob.objects.exists()


def test_repeats_count_against_the_limit(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 3

    response = supervisor_client.post(PASTE_URL, {"text": "600100200\n" * 4})

    assert "More than 3 phone numbers" in _html(response)
    assert not BulkJob.objects.exists()


def test_customer_ids_too(admin_member, client, settings):
    settings.BULK_MAX_ITEMS = 2
    client.force_login(admin_member)

    response = client.post(CUSTOMERS_URL, {"text": "1 abc 2"})

    assert "More than 2 customer ids" in _html(response)
    assert "Every entry counts" in _html(response)


def test_a_junk_paste_is_refused_after_reading_no_more_than_the_limit(settings):
    settings.BULK_MAX_ITEMS = 100_000
    form = PhoneNumbersForm({"text": ",".join(["x"] * 500_000)})

    assert not form.is_valid()
    assert form.parsed.limit_exceeded
    assert form.parsed.token_count == 100_000
    assert "More than 100,000 phone numbers" in form.errors["text"][0]


def test_a_pasted_list_over_5_mb_is_refused_next_to_the_field(supervisor_client):
    text = "600100200\n" * (MAX_INPUT_BYTES // 10 + 1)

    response = supervisor_client.post(PASTE_URL, {"text": text})

    assert response.status_code == 200
    assert "The pasted list is larger than 5 MB: split it into several lists." in _html(response)
    assert not BulkJob.objects.exists()


def test_a_file_over_5_mb_is_refused_next_to_the_field(supervisor_client):
    upload = SimpleUploadedFile("numbers.txt", b"600100200\n" * (MAX_INPUT_BYTES // 10 + 1))

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    assert response.status_code == 200
    assert "The file is larger than 5 MB: split it into several files." in _html(response)


def _assert_too_large_page(response) -> None:
    assert response.status_code == 413
    html = _html(response)
    assert "Too much sent at once" in html
    assert "nothing was saved and nothing was sent to Thulium" in html
    assert "may be up to 5.0 MB, with at most 100,000 entries" in html
    assert f'<a href="{PASTE_URL}">Back to the form</a>' in html
    assert not BulkJob.objects.exists()


def test_a_paste_far_over_the_limit_gets_a_page_that_explains_it(supervisor_client):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE, Django itself would answer a bare "Bad Request"."""
    response = supervisor_client.post(PASTE_URL, {"text": "x," * (4 * MB)})

    _assert_too_large_page(response)


def test_a_url_encoded_paste_far_over_the_limit_too(supervisor_client):
    body = "text=" + "x%2C" * (2 * MB)

    response = supervisor_client.post(
        PASTE_URL, body, content_type="application/x-www-form-urlencoded"
    )

    _assert_too_large_page(response)


def test_an_upload_far_over_the_limit_gets_the_page_before_it_is_read(supervisor_client):
    upload = SimpleUploadedFile("numbers.txt", b"600100200\n" * (13 * MB // 10))

    response = supervisor_client.post(PASTE_URL, {"upload": upload})

    _assert_too_large_page(response)


def test_the_page_speaks_polish(supervisor_client):
    supervisor_client.cookies["django_language"] = "pl"

    response = supervisor_client.post(PASTE_URL, {"text": "x," * (4 * MB)})

    assert response.status_code == 413
    assert "Za dużo danych naraz" in _html(response)

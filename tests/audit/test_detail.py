"""One entry's page: everything recorded, escaped, with the way to a bulk job's results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkJob

pytestmark = pytest.mark.django_db


def detail_url(entry: AuditEntry) -> str:
    return reverse("audit:detail", args=[entry.pk])


def test_detail_shows_everything_about_the_entry(auditor_client, make_entry):
    entry = make_entry(
        action="record.delete",
        campaign_id="00001",
        target="600100200",
        outcome=AuditEntry.Outcome.FAILURE,
        request={"phone_number": "600100200", "ńote": "zażółć"},
        response={"error": "Rejected", "request_id": "req-42"},
        http_status=422,
        api_message="Record is locked.",
        duration_ms=231,
    )

    response = auditor_client.get(detail_url(entry))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "record.delete",
        "00001",
        "600100200",
        "supervisor",
        "Failure",
        "422",
        "Record is locked.",
        "231 ms",
        "req-42",
        "zażółć",
    ):
        assert text in html, text
    # Pretty-printed, one key a line.
    assert "\n  &quot;phone_number&quot;: &quot;600100200&quot;,\n" in html
    assert f'href="{reverse("audit:index")}?q=600100200"' in html
    assert f'href="{reverse("audit:index")}?campaign=00001"' in html


def test_detail_escapes_what_the_api_and_the_user_sent(auditor_client, make_entry):
    entry = make_entry(
        target="<b>t</b>",
        request={"note": "<script>alert('sent')</script>"},
        response={"html": "<iframe src=x>"},
        api_message="<img src=x onerror=alert(1)>",
    )

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<iframe" not in html
    assert "<b>t</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#x27;sent&#x27;)&lt;/script&gt;" in html


def test_detail_never_shows_secrets(auditor_client, make_entry):
    # Written around the service, as an old or careless writer might have.
    entry = AuditEntry.objects.create(
        action="record.update",
        outcome=AuditEntry.Outcome.SUCCESS,
        request={"api_pass": "hunter2", "nested": {"token": "tok-123"}},
    )

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "hunter2" not in html
    assert "tok-123" not in html
    assert "[redacted]" in html


def test_detail_of_an_entry_without_user_or_answer(auditor_client, make_entry):
    entry = make_entry(actor=None, action="audit.prune", request={}, response={})

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "system" in html
    assert "Nothing recorded." in html
    assert "No message." in html


def test_detail_links_a_bulk_entry_to_the_jobs_results(client, make_entry, supervisor):
    job = BulkJob.objects.create(
        kind="phone_numbers", campaign_id="00001", created_by=supervisor, item_count=2
    )
    entry = make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    client.force_login(supervisor)

    html = client.get(detail_url(entry)).content.decode()

    assert f'href="{reverse("bulk:detail", kwargs={"job_id": job.pk})}"' in html
    assert "2 items" in html


def test_detail_names_the_job_to_those_who_may_not_open_it(
    client, make_entry, admin_member, supervisor
):
    job = BulkJob.objects.create(kind="customers", created_by=admin_member, item_count=2)
    entry = make_entry(
        action="bulk.customers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    client.force_login(supervisor)

    html = client.get(detail_url(entry)).content.decode()

    # Customer jobs are the admins'; the entry still names the job to a supervisor.
    assert reverse("bulk:detail", kwargs={"job_id": job.pk}) not in html
    assert f"Job {job.pk}" in html


def test_auditors_are_linked_to_the_jobs_they_may_read(auditor_client, make_entry, supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=2)
    entry = make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )

    html = auditor_client.get(detail_url(entry)).content.decode()

    url = reverse("bulk:detail", kwargs={"job_id": job.pk})
    assert f'href="{url}"' in html
    assert auditor_client.get(url).status_code == 200


def test_detail_still_names_a_job_that_is_gone(auditor_client, make_entry, supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=2)
    entry = make_entry(
        action="bulk.phone_numbers.start", subject_kind=AUDIT_SUBJECT, subject_id=job.pk
    )
    job_id = job.pk
    job.delete()

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "Bulk job" in html
    assert f"Job {job_id}" in html
    assert reverse("bulk:detail", kwargs={"job_id": job_id}) not in html
    assert "2 items" not in html


def test_detail_names_a_subject_no_feature_registers_by_its_code(auditor_client, make_entry):
    entry = make_entry(action="gone.feature", subject_kind="gone.thing", subject_id=7)

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "<dt>Subject</dt>" in html
    assert "gone.thing 7" in html


def test_detail_names_the_job_in_the_reader_s_language(auditor_client, make_entry, supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=2)
    entry = make_entry(
        action="bulk.phone_numbers.start", subject_kind=AUDIT_SUBJECT, subject_id=job.pk
    )
    auditor_client.cookies["django_language"] = "pl"

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "<dt>Zadanie zbiorcze</dt>" in html
    assert f"Zadanie {job.pk}: wyniki poszczególnych pozycji" in html
    assert "(phone_numbers, podgląd, 2 pozycje)" in html


def test_missing_entry_is_404(auditor_client):
    assert auditor_client.get(reverse("audit:detail", args=[999999])).status_code == 404


def test_a_success_says_nothing_about_http_and_names_the_action_in_words(
    auditor_client, make_entry
):
    entry = make_entry(action="record.update", outcome=AuditEntry.Outcome.SUCCESS)

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "HTTP status" not in html
    assert "Record edited" in html


def test_all_such_entries_is_offered_for_actions_the_filter_lists(auditor_client, make_entry):
    listed_action = make_entry(action="record.delete")
    old_code = make_entry(action="record.explode")

    listed_html = auditor_client.get(detail_url(listed_action)).content.decode()
    old_html = auditor_client.get(detail_url(old_code)).content.decode()

    assert 'href="/audit/?action=record.delete"' in listed_html
    assert "?action=record.explode" not in old_html
    assert "record.explode" in old_html  # the code is still shown


def test_detail_names_the_record_s_phone_with_its_other_entries(auditor_client, make_entry):
    entry = make_entry(action="record.update", target="R-17", phone="516 659 233")

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert "<dt>Phone number</dt>" in html
    assert "<code>516659233</code>" in html
    assert f'href="{reverse("audit:index")}?q=516659233"' in html


def test_detail_of_an_entry_without_a_phone_says_nothing_of_one(auditor_client, make_entry):
    html = auditor_client.get(detail_url(make_entry(target="R-17"))).content.decode()

    assert "Phone number" not in html

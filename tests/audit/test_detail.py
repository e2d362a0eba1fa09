"""One entry's page: everything recorded, escaped, with the way to a bulk job's results."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from campaigns.models import CampaignName
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
    assert "<dt>Items</dt>\n        <dd>2</dd>" in html


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
    assert "<dt>Items</dt>" not in html
    assert "HTTP status" not in html  # still a job's entry: many calls, not one


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
    assert "(Usuwanie numerów telefonów z kampanii, podgląd)" in html
    assert "<dt>Pozycje</dt>\n        <dd>2</dd>" in html


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


def _finished_job(supervisor) -> BulkJob:
    """A job that removed 23 numbers of 24 sent, with 7 invalid ones not sent, in 2 min 5 s."""
    started = datetime(2026, 3, 1, 11, 0, 0, tzinfo=UTC)
    return BulkJob.objects.create(
        kind="phone_numbers",
        campaign_id="00001",
        created_by=supervisor,
        state=BulkJob.State.FINISHED,
        item_count=24,
        invalid_count=7,
        outcome_counts={"REMOVED": 23, "NOT_EXIST": 1, "INVALID": 7},
        confirmed_at=started,
        started_at=started,
        finished_at=started + timedelta(minutes=2, seconds=5),
    )


def _finish_entry(make_entry, job: BulkJob) -> AuditEntry:
    return make_entry(
        action="bulk.phone_numbers.finish",
        campaign_id="00001",
        target=f"job {job.pk}",
        outcome=AuditEntry.Outcome.PARTIAL,
        request={"job": job.pk, "items": 24},
        response={"outcomes": job.outcome_counts},
        duration_ms=67,
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )


def facts(html: str) -> dict[str, str]:
    """The entry's facts, label to value, as a reader sees them."""
    found = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return {label: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for label, value in found}


def test_a_job_s_entry_says_what_happened_in_it_in_words(auditor_client, make_entry, supervisor):
    job = _finished_job(supervisor)
    entry = _finish_entry(make_entry, job)

    html = html_lib.unescape(auditor_client.get(detail_url(entry)).content.decode())

    shown = facts(html)
    # Every item pasted but duplicates, as the job's page counts them; not the 24 sent.
    assert shown["Items"] == "31"
    assert shown["Outcomes"] == "23 removed, 1 did not exist, 7 invalid"
    # The job's own duration, start to finish, not the entry's.
    assert shown["Duration"] == "2 min 05 s"
    assert "67 ms" not in html
    # Not one HTTP call: no HTTP status to explain.
    assert "HTTP status" not in html
    assert "none (nothing was sent" not in html
    assert "Thulium's message" not in html  # Thulium's messages are on the job's items
    # What it is about, in words: the job, not the stored "job 3".
    heading = "Remove phone numbers from a campaign: finished"
    assert f'<h1>{heading} <span class="muted">·</span> job {job.pk}</h1>' in html


def test_a_job_s_entry_speaks_polish_to_a_polish_reader(auditor_client, make_entry, supervisor):
    job = _finished_job(supervisor)
    entry = _finish_entry(make_entry, job)
    auditor_client.cookies["django_language"] = "pl"

    html = html_lib.unescape(auditor_client.get(detail_url(entry)).content.decode())

    shown = facts(html)
    assert shown["Obiekt"] == f"zadanie {job.pk} wpisy o nim"  # and the link to them
    assert shown["Pozycje"] == "31"
    assert shown["Wyniki"] == "23 usunięte, 1 bez rekordu w kampanii, 7 nieprawidłowych"
    assert shown["Czas trwania"] == "2 min 05 s"
    assert f'zakończono <span class="muted">·</span> zadanie {job.pk}</h1>' in html
    assert f"job {job.pk}" not in html.split("<details", 1)[0]  # only in the raw data


def test_a_record_entry_keeps_its_http_status_and_duration(auditor_client, make_entry):
    entry = make_entry(
        action="record.update", outcome=AuditEntry.Outcome.FAILURE, http_status=400, duration_ms=5
    )

    shown = facts(auditor_client.get(detail_url(entry)).content.decode())

    assert shown["HTTP status"] == "400"
    assert shown["Duration"] == "5 ms"


def test_detail_names_the_campaign_and_a_name_change_in_words(auditor_client, make_entry):
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia umów — listopad")
    entry = make_entry(
        action="campaign.name",
        campaign_id="00001",
        before={"name": "Stara"},
        request={"name": "Odnowienia umów — listopad"},
    )

    html = auditor_client.get(detail_url(entry)).content.decode()

    assert (
        '<code>00001</code> · <span class="campaign-name-text">Odnowienia umów — listopad</span>'
        in html
    )
    assert "<h1>Campaign named" in html
    assert re.search(r"<th scope=\"row\">Name</th>\s*<td>Stara</td>\s*<td>Odnowienia", html)

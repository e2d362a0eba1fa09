"""How many queries each audit log page makes: a fixed number, whatever the filters and the size
of the log (the export: one more per batch of EXPORT_BATCH_SIZE entries)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from thuladmin.audit import views
from thuladmin.audit.forms import Cursor
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkItem, BulkJob

pytestmark = pytest.mark.django_db

INDEX = reverse("audit:index")
EXPORT = reverse("audit:export")
# Every page: the session, the user, the user's groups (for the permission check).
REQUEST = 3
# The campaigns' names, read once a page, for the campaign filter's suggestions and the rows'
# labels ("00001 · name"): `thuladmin.campaign_labels`. The htmx partial reads them only when an
# entry on it names a campaign (every entry of `log` does).
NAMES = 1


@pytest.fixture
def log(supervisor, admin_member):
    """More than a page of entries, by two users, in two campaigns, of every outcome."""
    now = timezone.now()
    outcomes = list(AuditEntry.Outcome)
    entries = AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=(supervisor, admin_member)[index % 2],
            actor_username=(supervisor, admin_member)[index % 2].username,
            campaign_id=("00001", "00002")[index % 3 == 0],
            action=("record.update", "record.delete")[index % 2],
            outcome=outcomes[index % len(outcomes)],
            target=f"6001002{index:02d}",
        )
        for index in range(views.PAGE_SIZE + 20)
    )
    for index, entry in enumerate(entries):  # auto_now_add wrote the present to all
        entry.created_at = now - timedelta(minutes=index)
    AuditEntry.objects.bulk_update(entries, ["created_at"])
    return entries


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"user": "supervisor"},
        {"action": "record.delete"},
        {"action": "bulk.customers.start"},
        {"campaign": "00001"},
        {"outcome": "failure"},
        {"date_from": "2020-01-01", "date_to": "2100-01-01"},
        {
            "user": "supervisor",
            "campaign": "00001",
            "outcome": "failure",
            "action": "record.delete",
        },
        {"user": "administrator", "campaign": "00001", "outcome": "success"},
        {"campaign": "00001", "outcome": "success"},
        {"outcome": "failure", "date_from": "2020-01-01", "date_to": "2100-01-01"},
    ],
)
def test_a_list_page_is_the_request_the_entries_and_the_usernames(
    auditor_client, log, query, django_assert_num_queries
):
    with django_assert_num_queries(REQUEST + 2 + NAMES):
        response = auditor_client.get(INDEX, query)

    assert response.status_code == 200


def test_an_older_page_and_the_htmx_partial(auditor_client, log, django_assert_num_queries):
    cursor = str(Cursor.after_entry(log[10]))

    with django_assert_num_queries(REQUEST + 2 + NAMES):
        auditor_client.get(INDEX, {"campaign": "00001", "before": cursor})
    # The partial has no username suggestions.
    with django_assert_num_queries(REQUEST + 1 + NAMES):
        auditor_client.get(
            INDEX, {"campaign": "00001", "before": cursor}, headers={"HX-Request": "true"}
        )


@pytest.mark.parametrize(
    "query",
    [
        {"q": "600100210"},
        {"q": "600 100 210"},
        {"q": "600100210", "campaign": "00001"},
        {"q": "600100210", "outcome": "success", "user": "supervisor"},
        {"q": "nothing-like-it"},
    ],
)
def test_a_search_looks_up_bulk_jobs_first(auditor_client, log, query, django_assert_num_queries):
    with django_assert_num_queries(REQUEST + 3 + NAMES):
        auditor_client.get(INDEX, query)


def test_a_search_that_finds_jobs_links_their_items_in_one_more_query(
    auditor_client, log, supervisor, make_entry, django_assert_num_queries
):
    for _ in range(5):
        job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
        BulkItem.objects.create(job=job, position=0, raw="600100210", value="600100210")
        make_entry(
            action="bulk.phone_numbers.start",
            target=f"job {job.pk}",
            subject_kind=AUDIT_SUBJECT,
            subject_id=job.pk,
        )
        make_entry(
            action="bulk.phone_numbers.finish",
            target=f"job {job.pk}",
            subject_kind=AUDIT_SUBJECT,
            subject_id=job.pk,
        )

    # The jobs, the entries, the items of the jobs on the page (one query), the usernames, the
    # campaigns' names.
    with django_assert_num_queries(REQUEST + 4 + NAMES):
        response = auditor_client.get(INDEX, {"q": "600 100 210"})

    assert response.content.decode().count('class="audit-item-link"') == 10


def test_invalid_filters_read_no_entries(auditor_client, log, django_assert_num_queries):
    with django_assert_num_queries(REQUEST + 1 + NAMES):  # the suggestions only
        response = auditor_client.get(INDEX, {"campaign": "1"})

    assert response.context["entries"] == []


def test_the_detail_page_is_one_query_with_user_and_job(
    auditor_client, make_entry, supervisor, django_assert_num_queries
):
    plain = make_entry()
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=2)
    about_job = make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )

    for entry in (plain, about_job):
        with django_assert_num_queries(REQUEST + 1):
            response = auditor_client.get(reverse("audit:detail", args=[entry.pk]))
        assert response.status_code == 200


def test_the_export_reads_a_batch_at_a_time(
    auditor_client, log, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(views, "EXPORT_FIRST_BATCH_SIZE", 10)
    monkeypatch.setattr(views, "EXPORT_BATCH_SIZE", 25)

    # 70 entries: batches of 10, 25, 25 and the last 10; the campaigns' names once.
    with django_assert_num_queries(REQUEST + 4 + NAMES):
        response = auditor_client.get(EXPORT)
        lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) == 1 + len(log)

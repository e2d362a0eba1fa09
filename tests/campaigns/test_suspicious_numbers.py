"""Numbers that are not valid here (another country's, a digit short or long) are held back on
the preview and sent only when ticked in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_draft_create

PASTE = "600100200\n48600100201\n600 100 20\n+44 20 7946 0958\nabc"


def _draft(user) -> BulkJob:
    return bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse(PASTE, options={}),
        campaign_id="00001",
    )


@pytest.mark.django_db
def test_the_draft_holds_suspicious_numbers_back_with_their_reason(supervisor):
    job = _draft(supervisor)

    assert (job.item_count, job.suspicious_count, job.invalid_count) == (2, 2, 1)
    held = list(job.items.suspicious().values_list("raw", "value", "detail"))
    assert held == [
        ("600 100 20", "60010020", "8 digits: too short for a number in Poland"),
        ("+44 20 7946 0958", "+442079460958", "another country's number: United Kingdom (+44)"),
    ]
    assert not job.items.suspicious().filter(chunk__isnull=False).exists()
    assert bulk_job_progress(job).counts[Outcome.SUSPICIOUS] == 2


@pytest.mark.django_db
def test_the_preview_lists_them_with_tick_boxes(supervisor_client, supervisor):
    job = _draft(supervisor)

    html = supervisor_client.get(reverse("bulk:detail", args=[job.pk])).content.decode()

    assert "Suspicious, not sent: 2 items" in html
    for item in job.items.suspicious():
        assert f'name="include_suspicious" value="{item.pk}"' in html
    assert "another country&#x27;s number: United Kingdom (+44)" in html


@pytest.mark.django_db
def test_only_the_ticked_ones_are_sent(supervisor_client, supervisor):
    job = _draft(supervisor)
    foreign = job.items.get(value="+442079460958")

    response = supervisor_client.post(
        reverse("bulk:start", args=[job.pk]), {"include_suspicious": [foreign.pk]}
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.item_count, job.suspicious_count) == (BulkJob.State.QUEUED, 3, 1)
    foreign.refresh_from_db()
    assert foreign.outcome == Outcome.PENDING
    assert foreign.chunk_id is not None
    assert job.items.get(value="60010020").outcome == Outcome.SUSPICIOUS
    assert BulkChunk.objects.filter(job=job).count() == 2
    start = AuditEntry.objects.get(action="bulk.phone_numbers.start")
    assert start.request["suspicious_included"] == 1
    assert start.request["suspicious_not_sent"] == 1


@pytest.mark.django_db
def test_all_of_them_at_once_or_none(supervisor_client, supervisor):
    every = _draft(supervisor)
    none = _draft(supervisor)

    supervisor_client.post(reverse("bulk:start", args=[every.pk]), {"include_all_suspicious": "on"})
    supervisor_client.post(reverse("bulk:start", args=[none.pk]), {})

    every.refresh_from_db()
    none.refresh_from_db()
    assert (every.item_count, every.suspicious_count) == (4, 0)
    assert (none.item_count, none.suspicious_count) == (2, 2)


@pytest.mark.django_db
def test_an_id_from_another_job_cannot_be_ticked_in(supervisor_client, supervisor):
    job = _draft(supervisor)
    other = _draft(supervisor)
    stranger = other.items.suspicious().first()

    response = supervisor_client.post(
        reverse("bulk:start", args=[job.pk]), {"include_suspicious": [stranger.pk]}
    )

    assert response.status_code == 200  # the preview again, with the error
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT

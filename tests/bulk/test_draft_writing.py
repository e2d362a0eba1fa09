"""A draft is written in short transactions, and shown nowhere until its last item is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk import services
from thuladmin.bulk.models import BulkChunk, BulkItem, BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_draft_create, bulk_jobs_abandoned_delete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_batches(settings, monkeypatch):
    settings.THULIUM_URL = "https://acme.thulium.com/api/"
    settings.BULK_URL_BUDGET_BYTES = 400  # ~14 numbers a chunk
    monkeypatch.setattr(services, "ITEM_WRITE_BATCH", 10)


def _numbers(count: int) -> list[str]:
    return [f"6{index:08d}" for index in range(count)]


def _draft(user, text: str) -> BulkJob:
    return bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse(text, options={}),
        campaign_id="00001",
    )


def test_every_item_is_stored_in_its_place_across_batches(supervisor):
    numbers = _numbers(45)
    text = "\n".join(numbers[:20]) + "\nabc\n" + "\n".join(numbers[20:]) + "\n12"

    job = _draft(supervisor, text)

    assert job.state == BulkJob.State.DRAFT
    assert BulkJob.objects.get(pk=job.pk).state == BulkJob.State.DRAFT
    items = list(
        job.items.order_by("position").values_list(
            "position", "line", "raw", "value", "outcome", "detail_code", "chunk__number", "preview"
        )
    )
    assert [item[0] for item in items] == list(range(47))
    assert [item[3] for item in items[:45]] == numbers
    assert [item[1] for item in items[:45]] == [*range(1, 21), *range(22, 47)]
    assert items[45][1:6] == (21, "abc", "", Outcome.INVALID, "phones.letters_or_symbols")
    assert items[46][1:6] == (47, "12", "", Outcome.INVALID, "phones.too_short")
    assert all(item[7] == {} for item in items)
    # Each chunk holds as many items as it says, in order.
    for chunk in BulkChunk.objects.filter(job=job):
        assert chunk.items.count() == chunk.item_count
    chunk_numbers = [item[6] for item in items[:45]]
    assert chunk_numbers == sorted(chunk_numbers)
    assert job.items.to_send().count() == job.item_count == 45
    assert job.invalid_count == 2


def test_a_draft_being_written_is_shown_nowhere(supervisor, supervisor_client, monkeypatch):
    seen_mid_write = {}
    write_rows = services._item_rows

    def rows_then_look(job, *args):
        for index, row in enumerate(write_rows(job, *args)):
            if index == 25:  # two batches stored, more to come
                seen_mid_write["state"] = BulkJob.objects.get(pk=job.pk).state
                seen_mid_write["items"] = BulkItem.objects.filter(job_id=job.pk).count()
                seen_mid_write["listed"] = BulkJob.objects.for_jobs_page(
                    kinds=[PHONE_NUMBERS.name]
                ).exists()
                seen_mid_write["drafts"] = BulkJob.objects.drafts().exists()
                seen_mid_write["jobs_page"] = supervisor_client.get("/jobs/").content.decode()
            yield row

    monkeypatch.setattr(services, "_item_rows", rows_then_look)

    job = _draft(supervisor, "\n".join(_numbers(40)))

    assert seen_mid_write["state"] == BulkJob.State.WRITING
    assert seen_mid_write["items"] == 20
    assert not seen_mid_write["listed"]
    assert not seen_mid_write["drafts"]
    assert f"/jobs/{job.pk}/" not in seen_mid_write["jobs_page"]
    assert f"/jobs/{job.pk}/" in supervisor_client.get("/jobs/").content.decode()


def test_a_draft_that_cannot_be_written_whole_is_deleted(supervisor, monkeypatch):
    write_rows = services._item_rows

    def rows_then_fail(job, *args):
        for index, row in enumerate(write_rows(job, *args)):
            if index == 25:
                raise OSError("the disk is full")
            yield row

    monkeypatch.setattr(services, "_item_rows", rows_then_fail)

    with pytest.raises(OSError, match="disk is full"):
        _draft(supervisor, "\n".join(_numbers(40)))

    assert not BulkJob.objects.exists()
    assert not BulkChunk.objects.exists()
    assert not BulkItem.objects.exists()


def test_drafts_left_half_written_by_a_crash_are_deleted_by_the_watchdog(supervisor):
    abandoned = _draft(supervisor, "\n".join(_numbers(12)))
    being_written = _draft(supervisor, "\n".join(_numbers(12)))
    finished_draft = _draft(supervisor, "\n".join(_numbers(12)))
    BulkJob.objects.filter(pk__in=[abandoned.pk, being_written.pk]).update(state="writing")
    BulkJob.objects.filter(pk__in=[abandoned.pk, finished_draft.pk]).update(
        created_at=timezone.now() - timedelta(hours=1)
    )

    assert bulk_jobs_abandoned_delete() > 0

    assert set(BulkJob.objects.values_list("pk", flat=True)) == {
        being_written.pk,
        finished_draft.pk,
    }
    assert not BulkItem.objects.filter(job_id=abandoned.pk).exists()

"""The campaign snapshot: the sync (paging, the swap at once, failures), search normalisation,
and the rows our own changes update (record edit, delete, bulk removal)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from responses import matchers

from campaigns.models import CampaignCopy, CampaignSnapshot, SnapshotRecord
from campaigns.reads import campaign_read_start
from campaigns.snapshots import (
    SnapshotSync,
    snapshot_numbers_removed,
    snapshot_record_changed,
    snapshot_records_search,
)
from tests.campaigns.conftest import THULIUM_URL
from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter
from thuladmin.thulium.types import CampaignStatus

pytestmark = pytest.mark.django_db

RECORDS_URL = f"{THULIUM_URL}outbounds/00001/records"
STATUSES_URL = f"{THULIUM_URL}outbounds/00001/statuses"
AGENTS_URL = f"{THULIUM_URL}outbounds/00001/agents"


def api_record(number: int, **overrides) -> dict:
    record = {
        "record_id": str(number),
        "identifier": f"id-{number}",
        "phone_number": f"600{number:06d}",
        "system_status": "TO_CALL",
        "status": "New",
        "status_id": "1",
        "agent_login": None,
        "agent_name": None,
        "next_call_date": None,
        "call_date": None,
        "create_date": "2025-01-02 10:00:00",
        "last_note": None,
    }
    record.update(overrides)
    return record


def add_pages(thulium, total: int, *, page_size: int = 100, first: int = 1) -> None:
    for offset in range(0, max(total, 1), page_size):
        numbers = range(first + offset, first + min(offset + page_size, total))
        thulium.get(
            RECORDS_URL,
            json={"count": total, "result": [api_record(number) for number in numbers]},
            match=[matchers.query_param_matcher({"limit": str(page_size), "offset": str(offset)})],
        )


def sync(campaign_id: str = "00001", **kwargs) -> CampaignSnapshot:
    snapshot = CampaignSnapshot.objects.create(campaign_id=campaign_id)
    return SnapshotSync(
        snapshot.pk,
        parallel=3,
        rate_limiter=RateLimiter(0),
        concurrency=ConcurrencyLimiter(0, lease_seconds=5),
        **kwargs,
    ).run()


def test_sync_pages_through_the_count_and_swaps_the_snapshot_in(thulium):
    add_pages(thulium, 250)

    snapshot = sync()

    assert snapshot.state == CampaignSnapshot.State.READY
    assert snapshot.is_current
    assert snapshot.expected_count == 250
    assert snapshot.fetched_count == 250
    assert SnapshotRecord.objects.filter(snapshot=snapshot).count() == 250
    offsets = sorted(int(call.request.params["offset"]) for call in thulium.calls)
    assert offsets == [0, 100, 200]


def test_a_new_sync_replaces_the_old_generation_whole(thulium):
    add_pages(thulium, 3)
    old = sync()
    thulium.reset()
    add_pages(thulium, 2, first=10)

    new = sync()

    assert CampaignSnapshot.objects.current_for("00001") == new
    assert not CampaignSnapshot.objects.filter(pk=old.pk).exists()
    assert set(SnapshotRecord.objects.values_list("record_id", flat=True)) == {"10", "11"}


def test_while_syncing_searches_read_the_previous_snapshot(thulium):
    add_pages(thulium, 3)
    old = sync()
    syncing = CampaignSnapshot.objects.create(campaign_id="00001")
    SnapshotRecord.objects.create(
        snapshot=syncing, record_id="99", identifier="new", phone_normalised="700000000"
    )

    assert snapshot_records_search(campaign_id="00001", query="700000000").records == ()
    assert snapshot_records_search(campaign_id="00001", query="id-1").snapshot == old


def test_a_failed_sync_keeps_the_current_snapshot_and_says_why(thulium):
    add_pages(thulium, 3)
    old = sync()
    thulium.reset()
    thulium.get(RECORDS_URL, json={"message": "Campaign not found"}, status=404)

    failed = sync()

    assert failed.state == CampaignSnapshot.State.FAILED
    assert failed.error
    assert CampaignSnapshot.objects.current_for("00001") == old
    assert not SnapshotRecord.objects.filter(snapshot=failed).exists()


def test_why_a_sync_failed_reads_in_the_readers_language_whatever_the_workers(thulium):
    """The worker that fails a read has no reader: it stores a code, worded when read, with
    Thulium's own words kept as they came."""
    thulium.get(RECORDS_URL, json={"message": "Campaign not found"}, status=404)
    with translation.override("en"):
        failed = sync()

    assert failed.error_code == "thulium.campaign_not_found"
    assert failed.error == "Campaign 00001 does not exist in Thulium."
    with translation.override("pl"):
        assert failed.error_text == "Kampania 00001 nie istnieje w Thulium."
    assert failed.error_thulium_message == "Campaign not found"
    legacy = CampaignSnapshot(error="Thulium was down")
    assert legacy.error_text == "Thulium was down"


def test_a_second_start_joins_the_sync_already_running(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    thulium.get(STATUSES_URL, json=[])  # the campaign exists
    with django_capture_on_commit_callbacks() as callbacks:
        first = campaign_read_start(user=supervisor, campaign_id="00001")
        second = campaign_read_start(user=supervisor, campaign_id="00001")

    assert first == second
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "typed", ["+48 600 100 200", "600-100-200", "600 100 200", "0048600100200", "(600) 100.200"]
)
def test_search_finds_a_number_typed_any_way(thulium, typed):
    add_pages(thulium, 1)
    snapshot = sync()
    SnapshotRecord.objects.filter(snapshot=snapshot).update(
        phone_number="600100200", phone_normalised="600100200"
    )

    found = snapshot_records_search(campaign_id="00001", query=typed)

    assert [record.phone_number for record in found.records] == ["600100200"]


def test_search_finds_identifiers_and_agent_logins(thulium):
    add_pages(thulium, 3)
    snapshot = sync()
    SnapshotRecord.objects.filter(snapshot=snapshot, record_id="2").update(agent_login="jan")

    assert [
        r.record_id for r in snapshot_records_search(campaign_id="00001", query="id-3").records
    ] == ["3"]
    assert [
        r.record_id for r in snapshot_records_search(campaign_id="00001", query="jan").records
    ] == ["2"]
    assert snapshot_records_search(campaign_id="00001", query="nobody").records == ()


@pytest.mark.parametrize(
    ("typed", "found"),
    [("4567", ["2"]), ("1 234 567", ["2"]), ("4-567", ["2"]), ("567", []), ("12345678x", [])],
)
def test_search_finds_a_number_by_its_last_digits(thulium, typed, found):
    add_pages(thulium, 3)
    snapshot = sync()
    rows = SnapshotRecord.objects.filter(snapshot=snapshot)
    rows.filter(record_id="2").update(phone_number="601234567", phone_normalised="601234567")
    rows.exclude(record_id="2").update(phone_number="600100200", phone_normalised="600100200")

    result = snapshot_records_search(campaign_id="00001", query=typed)

    assert [record.record_id for record in result.records] == found


def test_an_edit_and_a_removal_update_the_rows_they_touch(thulium):
    add_pages(thulium, 3)
    snapshot = sync()
    statuses = [
        CampaignStatus(
            system_status="NO_CALL", status_id="4", name="Refused", dictionary_status_id=None
        )
    ]

    snapshot_record_changed(
        campaign_id="00001",
        identifier="id-1",
        changes={"status_id": "4", "agent_login": "ewa", "next_call_date": "2030-01-02 10:30"},
        statuses=statuses,
    )
    snapshot_numbers_removed(campaign_id="00001", phone_numbers=["600000002"], record_ids=["3"])

    row = SnapshotRecord.objects.get(snapshot=snapshot, record_id="1")
    assert (row.status_id, row.status_name, row.system_status) == ("4", "Refused", "NO_CALL")
    assert (row.agent_login, row.next_call_date) == ("ewa", "2030-01-02 10:30:00")
    assert row.changed_at is not None
    assert set(
        SnapshotRecord.objects.filter(snapshot=snapshot, deleted=True).values_list(
            "record_id", flat=True
        )
    ) == {"2", "3"}
    assert snapshot_records_search(campaign_id="00001", query="600000002").records == ()


def test_the_record_pages_update_the_snapshot(supervisor_client, thulium):
    add_pages(thulium, 2)
    sync()
    thulium.get(
        STATUSES_URL,
        json=[
            {
                "system_status": "NO_CALL",
                "status_id": "4",
                "dictionary_status_id": None,
                "name": "Refused",
            }
        ],
    )
    thulium.get(AGENTS_URL, json=[])
    thulium.put(f"{THULIUM_URL}outbounds/00001/records_by_identifier/id-1", json={})
    thulium.delete(f"{THULIUM_URL}outbounds/00001/records_by_identifier/id-2", json={})
    edit_url = reverse("campaigns:record", args=["00001", "id-1"])
    page = supervisor_client.get(edit_url)
    token = page.context["form"].initial["token"]

    supervisor_client.post(
        edit_url,
        {"token": token, "status_id": "4", "fields-TOTAL_FORMS": "0", "fields-INITIAL_FORMS": "0"},
    )
    supervisor_client.post(reverse("campaigns:record_delete", args=["00001", "id-2"]))

    assert SnapshotRecord.objects.get(record_id="1").status_name == "Refused"
    assert SnapshotRecord.objects.get(record_id="2").deleted


def test_a_bulk_removal_marks_the_removed_numbers_deleted(thulium, supervisor):
    from campaigns.bulk.remove_numbers import PHONE_NUMBERS
    from thuladmin.bulk.models import BulkJob
    from thuladmin.thulium import get_client

    add_pages(thulium, 3)
    snapshot = sync()
    thulium.delete(
        f"{THULIUM_URL}batch/outbounds/00001/records",
        json={
            "600000001": [{"record_id": "1", "status": "REMOVED"}],
            "600000002": [{"record_id": "2", "status": "NOT_EXIST"}],
        },
    )
    job = BulkJob(kind=PHONE_NUMBERS.name, campaign_id="00001", options={})

    PHONE_NUMBERS.send(get_client(), job, ["600000001", "600000002"], uncertain=False)

    assert list(
        SnapshotRecord.objects.filter(snapshot=snapshot, deleted=True).values_list(
            "record_id", flat=True
        )
    ) == ["1"]


def test_a_full_read_makes_the_copy_current_as_of_its_start(thulium):
    add_pages(thulium, 2)

    snapshot = sync()

    copy = CampaignCopy.objects.get(campaign_id="00001")
    assert copy.full_read_at == copy.refreshed_at == snapshot.started_at

"""The copy taken without asking (campaigns/copies.py): a page's touch starts the first read,
marks the campaign in use, starts its refresh chain, asks for a refresh now when told to, and
starts a full read of a copy more than a day old; searches and lookups answer during the first
read from what is already stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns.copies import campaign_copy_state, campaign_copy_touch
from campaigns.models import CampaignCopy, CampaignReadLease, CampaignSnapshot, SnapshotRecord
from campaigns.snapshots import snapshot_record_lookup, snapshot_records_search
from tests.campaigns.test_reads import known, unknown
from tests.campaigns.test_snapshot import add_pages, sync

pytestmark = pytest.mark.django_db


def queued(task_name: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=f".{task_name}"))


def touch(user, **kwargs):
    return campaign_copy_touch(campaign_id="00001", user=user, **kwargs)


def complete_copy(thulium, *, as_of_ago: timedelta, token: str = "", due_in=None):
    add_pages(thulium, 3)
    sync()
    now = timezone.now()
    CampaignCopy.objects.update_or_create(
        campaign_id="00001",
        defaults={
            "refreshed_at": now - as_of_ago,
            "full_read_at": now - as_of_ago,
            "opened_at": now,
            "refresh_token": token,
            "refresh_due_at": now + due_in if due_in is not None else None,
        },
    )


def test_the_first_touch_starts_the_first_read_without_asking(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    known(thulium, "00001")

    with django_capture_on_commit_callbacks(execute=True):
        state = touch(supervisor)

    assert state.first_read
    assert state.reading
    assert not state.complete
    assert state.as_of is None
    snapshot = CampaignSnapshot.objects.get()
    assert snapshot.state == CampaignSnapshot.State.SYNCING
    assert [task.args_kwargs["kwargs"] for task in queued("campaign_snapshot_run")] == [
        {"snapshot_id": snapshot.pk}
    ]
    copy = CampaignCopy.objects.get()
    assert copy.opened_at is not None
    assert len(queued("campaign_copy_refresh_run")) == 1  # the chain, reading once it exists


def test_a_second_touch_during_the_first_read_starts_nothing(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    known(thulium, "00001")
    with django_capture_on_commit_callbacks(execute=True):
        touch(supervisor)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        state = touch(supervisor)

    assert state.first_read
    assert callbacks == []
    assert CampaignSnapshot.objects.count() == 1


def test_an_unknown_campaign_is_touched_without_storing_anything(thulium, supervisor):
    unknown(thulium, "00001")

    state = touch(supervisor)

    assert state.refused
    assert not state.reading
    assert not state.complete
    assert not CampaignCopy.objects.exists()
    assert not CampaignSnapshot.objects.exists()
    assert not CampaignReadLease.objects.exists()


def test_the_opening_is_written_at_most_every_ten_seconds(thulium, supervisor):
    complete_copy(thulium, as_of_ago=timedelta(seconds=5), token="t", due_in=timedelta(60))
    recently = timezone.now() - timedelta(seconds=5)
    CampaignCopy.objects.update(opened_at=recently)

    touch(supervisor)
    assert CampaignCopy.objects.get().opened_at == recently

    CampaignCopy.objects.update(opened_at=recently - timedelta(seconds=10))
    touch(supervisor)
    assert CampaignCopy.objects.get().opened_at > recently


def test_a_touch_starts_the_refresh_chain_when_none_runs(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        state = touch(supervisor)

    copy = CampaignCopy.objects.get()
    [link] = queued("campaign_copy_refresh_run")
    assert link.args_kwargs["kwargs"] == {"campaign_id": "00001", "token": copy.refresh_token}
    assert link.run_after == copy.refresh_due_at == state.refresh_due_at
    assert state.complete
    assert not state.reading


def test_a_touch_leaves_a_running_chain_alone(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(seconds=30), token="t", due_in=timedelta(30))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        touch(supervisor, refresh_older_than=60)

    assert callbacks == []
    assert CampaignCopy.objects.get().refresh_token == "t"


def test_a_chain_whose_worker_died_is_started_again(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(hours=1), token="t", due_in=-timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        touch(supervisor)

    assert CampaignCopy.objects.get().refresh_token not in ("", "t")
    assert len(queued("campaign_copy_refresh_run")) == 1


def test_a_record_page_on_a_copy_older_than_a_minute_queues_a_refresh_now(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(seconds=90), token="t", due_in=timedelta(40))

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        touch(supervisor, refresh_older_than=60)

    copy = CampaignCopy.objects.get()
    assert copy.refresh_token != "t"  # the queued link is superseded and will do nothing
    [link] = queued("campaign_copy_refresh_run")
    assert before <= link.run_after <= timezone.now()
    assert link.args_kwargs["kwargs"]["token"] == copy.refresh_token


def test_the_record_page_wires_the_touch_with_a_minute(
    supervisor_client, thulium, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(seconds=90), token="t", due_in=timedelta(40))
    known(thulium, "00001")
    thulium.get("https://thulium.test/api/outbounds/00001/agents", json=[])

    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.get(reverse("campaigns:record", args=["00001", "id-1"]))

    assert CampaignCopy.objects.get().refresh_token != "t"


def test_a_copy_more_than_a_day_old_is_read_again_while_it_keeps_answering(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    complete_copy(thulium, as_of_ago=timedelta(days=2), token="t", due_in=timedelta(30))
    known(thulium, "00001")
    current = CampaignSnapshot.objects.current_for("00001")

    with django_capture_on_commit_callbacks(execute=True):
        state = touch(supervisor)

    assert state.complete
    assert state.reading
    assert not state.first_read
    assert state.as_of < timezone.now() - timedelta(days=1)
    assert len(queued("campaign_snapshot_run")) == 1
    assert CampaignSnapshot.objects.current_for("00001") == current
    assert snapshot_records_search(campaign_id="00001", query="id-1").snapshot == current


def test_the_campaign_page_and_the_records_list_touch_the_copy(supervisor_client, thulium):
    known(thulium, "00001")
    thulium.get("https://thulium.test/api/outbounds/00001/records", json={"count": 0, "result": []})

    supervisor_client.get(reverse("campaigns:records", args=["00001"]))
    assert CampaignSnapshot.objects.filter(state="syncing").count() == 1

    response = supervisor_client.get(reverse("campaigns:detail", args=["00001"]), {"q": "x"})
    assert response.context["copy"].first_read
    assert CampaignCopy.objects.get().opened_at is not None


# --- the first read answers as it goes --------------------------------------------------------


def first_read_half_written() -> CampaignSnapshot:
    reading = CampaignSnapshot.objects.create(
        campaign_id="00001", expected_count=100, fetched_count=40
    )
    SnapshotRecord.objects.create(
        snapshot=reading,
        record_id="14",
        identifier="ID14",
        phone_number="600100013",
        phone_normalised="600100013",
    )
    return reading


def test_a_search_during_the_first_read_answers_from_the_records_already_read():
    reading = first_read_half_written()

    found = snapshot_records_search(campaign_id="00001", query="+48 600 100 013")
    missing = snapshot_records_search(campaign_id="00001", query="600100999")

    assert [record.identifier for record in found.records] == ["ID14"]
    assert (found.complete, found.searched, found.expected) == (False, 40, 100)
    assert found.reading == reading
    assert found.snapshot is None
    assert missing.records == ()
    assert not missing.complete


def test_a_record_page_during_the_first_read_finds_the_record_already_read():
    reading = first_read_half_written()

    lookup = snapshot_record_lookup(campaign_id="00001", identifier="ID14")
    not_yet = snapshot_record_lookup(campaign_id="00001", identifier="ID99")

    assert lookup.record.phone_number == "600100013"
    assert not lookup.complete
    assert lookup.as_of == reading.started_at
    assert not_yet.record is None
    assert not not_yet.missing_from_fresh


def test_the_state_without_touching_writes_nothing():
    first_read_half_written()

    state = campaign_copy_state(campaign_id="00001")

    assert (state.first_read, state.read_count, state.expected_count, state.percent) == (
        True,
        40,
        100,
        40,
    )
    assert not CampaignCopy.objects.exists()

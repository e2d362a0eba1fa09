"""The campaigns app's tasks: `tasks` imports the snapshot code, never the other way round (the
view's service queues the task), so the two modules form no import circle; the refresh chain
goes on while a campaign is in use, ends when it is idle, and then starts the daily full read.

The chain's tasks are called directly (`Task.call`); the times they look at are set in the rows,
so nothing waits on the clock."""

from __future__ import annotations

from datetime import timedelta

import grimp
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from responses import matchers

from campaigns.leases import campaign_read_lease_take
from campaigns.models import CampaignCopy, CampaignReadLease, CampaignSnapshot
from campaigns.snapshots import snapshot_read_holder
from campaigns.tasks import CAMPAIGN_COPY_REFRESH_PRIORITY, campaign_copy_refresh_run
from tests.campaigns.test_snapshot import RECORDS_URL, add_pages, sync


def changed_since():
    """Any page of the refresh's read of the day's calls."""
    day = timezone.localdate().isoformat()
    return matchers.query_param_matcher({"call_date_from": day}, strict_match=False)


def test_snapshots_and_tasks_import_one_way_only():
    graph = grimp.build_graph("campaigns", "thuladmin")

    assert graph.chain_exists(importer="campaigns.tasks", imported="campaigns.snapshots")
    assert not graph.chain_exists(importer="campaigns.snapshots", imported="campaigns.tasks")


# --- the refresh chain -------------------------------------------------------------------------


def chain(*, opened_ago: timedelta, full_read_ago: timedelta | None = timedelta(hours=1)):
    now = timezone.now()
    return CampaignCopy.objects.update_or_create(
        campaign_id="00001",
        defaults={
            "opened_at": now - opened_ago,
            "refreshed_at": now - timedelta(minutes=1),
            "full_read_at": now - full_read_ago if full_read_ago is not None else None,
            "refresh_token": "link",
            "refresh_due_at": now,
        },
    )[0]


def queued(task_name: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=f".{task_name}"))


@pytest.mark.django_db
def test_a_link_refreshes_and_queues_the_next_while_the_campaign_is_in_use(
    thulium, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_COPY_REFRESH_SECONDS = 60
    add_pages(thulium, 2)
    sync()
    chain(opened_ago=timedelta(minutes=29))
    called = thulium.get(RECORDS_URL, json={"count": 0, "result": []}, match=[changed_since()])

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "link")

    assert called.call_count == 1
    copy = CampaignCopy.objects.get()
    [link] = queued("campaign_copy_refresh_run")
    assert link.args_kwargs["kwargs"] == {"campaign_id": "00001", "token": copy.refresh_token}
    assert copy.refresh_token != "link"
    assert before + timedelta(seconds=60) <= link.run_after == copy.refresh_due_at
    assert link.priority == CAMPAIGN_COPY_REFRESH_PRIORITY


@pytest.mark.django_db
def test_an_idle_campaign_ends_its_chain_and_nothing_more_is_queued(
    thulium, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_COPY_ACTIVE_MINUTES = 30
    chain(opened_ago=timedelta(minutes=31))

    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "link")

    copy = CampaignCopy.objects.get()
    assert (copy.refresh_token, copy.refresh_due_at) == ("", None)
    assert DBTaskResult.objects.count() == 0
    assert not CampaignSnapshot.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("full_read_ago", [timedelta(days=1, minutes=1), None])
def test_an_idle_campaign_gets_its_daily_full_read(
    thulium, full_read_ago, django_capture_on_commit_callbacks
):
    chain(opened_ago=timedelta(hours=2), full_read_ago=full_read_ago)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "link")

    snapshot = CampaignSnapshot.objects.get()
    assert snapshot.state == CampaignSnapshot.State.SYNCING
    assert snapshot.started_by is None
    assert CampaignReadLease.objects.get().holder == snapshot_read_holder(snapshot.pk)
    assert [task.args_kwargs["kwargs"] for task in queued("campaign_snapshot_run")] == [
        {"snapshot_id": snapshot.pk}
    ]
    assert queued("campaign_copy_refresh_run") == []


@pytest.mark.django_db
def test_no_full_read_starts_while_another_read_holds_the_campaign(
    thulium, django_capture_on_commit_callbacks
):
    chain(opened_ago=timedelta(hours=2), full_read_ago=timedelta(days=2))
    campaign_read_lease_take(campaign_id="00001", holder="refresh:other", seconds=300)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "link")

    assert not CampaignSnapshot.objects.exists()
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_a_superseded_link_does_nothing(thulium, django_capture_on_commit_callbacks):
    add_pages(thulium, 2)
    sync()
    chain(opened_ago=timedelta(minutes=1))
    thulium.reset()

    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "an-older-link")

    assert len(thulium.calls) == 0
    assert CampaignCopy.objects.get().refresh_token == "link"
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_a_failed_refresh_keeps_the_chain_going(thulium, django_capture_on_commit_callbacks):
    add_pages(thulium, 2)
    sync()
    chain(opened_ago=timedelta(minutes=1))
    thulium.get(RECORDS_URL, json={"message": "down"}, status=503, match=[changed_since()])

    with django_capture_on_commit_callbacks(execute=True):
        campaign_copy_refresh_run.call("00001", "link")

    assert len(queued("campaign_copy_refresh_run")) == 1
    assert not CampaignReadLease.objects.exists()

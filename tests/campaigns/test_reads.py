"""Starting a campaign read (a full read of its copy): the campaign is checked with Thulium before
anything is queued, one read per campaign at a time (a lease in the database, taken over when
its holder died), a user's reads are bounded, and a refusal is said next to the control."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns.leases import campaign_read_lease_take
from campaigns.models import CampaignReadLease, CampaignSnapshot, SnapshotRecord
from campaigns.reads import CampaignReadRefused, campaign_read_start
from campaigns.snapshots import SnapshotSync, snapshot_read_holder
from tests.campaigns.conftest import THULIUM_URL
from tests.campaigns.test_snapshot import add_pages, api_record
from thuladmin.bulk.runner import ConcurrencyLimiter, RateLimiter

pytestmark = pytest.mark.django_db

UNKNOWN = "99999"
STATUSES = [{"system_status": "TO_CALL", "status_id": "1", "dictionary_status_id": None}]


def statuses_url(campaign_id: str) -> str:
    return f"{THULIUM_URL}outbounds/{campaign_id}/statuses"


def known(thulium, *campaign_ids: str) -> None:
    for campaign_id in campaign_ids:
        thulium.get(statuses_url(campaign_id), json=STATUSES)


def unknown(thulium, *campaign_ids: str) -> None:
    for campaign_id in campaign_ids:
        thulium.get(statuses_url(campaign_id), json={"message": "Not found"}, status=404)


def queued_reads() -> int:
    return DBTaskResult.objects.filter(task_path__endswith=".campaign_snapshot_run").count()


def expire_lease(campaign_id: str) -> None:
    CampaignReadLease.objects.filter(campaign_id=campaign_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def snapshot_section(html: str) -> str:
    """The campaign page's section that says how current its records are, with the control
    that reads them again now."""
    start = html.index('id="campaign-copy"')
    return html[start : html.index("</section>", start)]


# --- the campaign is checked first -------------------------------------------------------------


def test_an_unknown_campaign_queues_nothing_and_stores_nothing(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    unknown(thulium, UNKNOWN)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CampaignReadRefused) as refused,
    ):
        campaign_read_start(user=supervisor, campaign_id=UNKNOWN)

    assert "does not exist" in refused.value.message
    assert queued_reads() == 0
    assert not CampaignSnapshot.objects.exists()
    assert not CampaignReadLease.objects.exists()


def test_thulium_unreachable_queues_nothing(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    thulium.get(statuses_url("00001"), status=503)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CampaignReadRefused):
        campaign_read_start(user=supervisor, campaign_id="00001")

    assert queued_reads() == 0
    assert not CampaignSnapshot.objects.exists()


def test_failed_rows_left_for_an_unknown_campaign_are_cleaned_up(thulium, supervisor):
    for _ in range(3):
        CampaignSnapshot.objects.create(
            campaign_id=UNKNOWN, state=CampaignSnapshot.State.FAILED, error="Not found"
        )
    unknown(thulium, UNKNOWN)

    with pytest.raises(CampaignReadRefused):
        campaign_read_start(user=supervisor, campaign_id=UNKNOWN)

    assert not CampaignSnapshot.objects.filter(campaign_id=UNKNOWN).exists()


def test_a_new_read_leaves_no_older_failure_behind(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    older = CampaignSnapshot.objects.create(
        campaign_id="00001", state=CampaignSnapshot.State.FAILED, error="Thulium was down"
    )
    known(thulium, "00001")

    with django_capture_on_commit_callbacks(execute=True):
        started = campaign_read_start(user=supervisor, campaign_id="00001")

    assert list(CampaignSnapshot.objects.filter(campaign_id="00001")) == [started]
    assert not CampaignSnapshot.objects.filter(pk=older.pk).exists()


def test_a_refused_read_is_said_in_the_htmx_fragment(
    thulium, supervisor_client, django_capture_on_commit_callbacks
):
    unknown(thulium, UNKNOWN)

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(
            reverse("campaigns:snapshot", args=[UNKNOWN]), headers={"HX-Request": "true"}
        )

    assert response.status_code == 200
    section = snapshot_section(response.content.decode())
    assert f"Campaign {UNKNOWN} does not exist in Thulium." in section
    assert "notice-error" in section
    assert queued_reads() == 0
    assert not CampaignSnapshot.objects.exists()


def test_a_refused_read_is_said_next_to_the_control_after_the_plain_redirect(
    thulium, supervisor_client, django_capture_on_commit_callbacks
):
    unknown(thulium, UNKNOWN)
    detail_url = reverse("campaigns:detail", args=[UNKNOWN])

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(reverse("campaigns:snapshot", args=[UNKNOWN]))
    page = supervisor_client.get(detail_url).content.decode()
    again = supervisor_client.get(detail_url).content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"{detail_url}#campaign-copy"
    assert "records were not read" in snapshot_section(page)
    assert "records were not read" not in again  # said once
    assert queued_reads() == 0
    assert not CampaignSnapshot.objects.exists()


# --- one read per campaign ---------------------------------------------------------------------


def test_a_second_request_answers_with_the_read_already_queued(
    thulium, supervisor, django_user_model, django_capture_on_commit_callbacks
):
    other = django_user_model.objects.create_user(username="ola")
    known(thulium, "00001")

    with django_capture_on_commit_callbacks(execute=True):
        first = campaign_read_start(user=supervisor, campaign_id="00001")
        second = campaign_read_start(user=other, campaign_id="00001")

    assert first == second
    assert queued_reads() == 1
    lease = CampaignReadLease.objects.get(campaign_id="00001")
    assert (lease.holder, lease.user) == (snapshot_read_holder(first.pk), supervisor)


def test_a_lease_held_elsewhere_queues_nothing(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    """Another process's read of the campaign (a web node, a worker, a later background
    refresh) holds the lease: nothing is queued beside it."""
    campaign_read_lease_take(campaign_id="00001", holder="refresh:node-2", seconds=60)
    known(thulium, "00001")

    with django_capture_on_commit_callbacks(execute=True):
        campaign_read_start(user=supervisor, campaign_id="00001")

    assert queued_reads() == 0
    assert not CampaignSnapshot.objects.exists()


def test_a_read_whose_lease_expired_is_taken_over(
    thulium, supervisor, django_capture_on_commit_callbacks
):
    known(thulium, "00001")
    with django_capture_on_commit_callbacks(execute=True):
        dead = campaign_read_start(user=supervisor, campaign_id="00001")
    expire_lease("00001")  # its worker died: nobody renewed it

    with django_capture_on_commit_callbacks(execute=True):
        new = campaign_read_start(user=supervisor, campaign_id="00001")

    dead.refresh_from_db()
    assert new != dead
    assert dead.state == CampaignSnapshot.State.FAILED
    assert dead.error
    assert CampaignReadLease.objects.get(campaign_id="00001").holder == snapshot_read_holder(new.pk)
    assert queued_reads() == 2


def test_a_read_taken_over_stops_before_writing_and_never_becomes_current(thulium, supervisor):
    """A worker only slow, not dead, whose read was taken over while it fetched the first page:
    its rows are never written beside its successor's, and it never swaps itself in."""
    known(thulium, "00001")
    slow = campaign_read_start(user=supervisor, campaign_id="00001")  # its task is run below

    def taken_over(request):
        expire_lease("00001")
        campaign_read_lease_take(campaign_id="00001", holder="snapshot:successor", seconds=60)
        return 200, {}, json.dumps({"count": 2, "result": [api_record(1), api_record(2)]})

    thulium.add_callback("GET", f"{THULIUM_URL}outbounds/00001/records", callback=taken_over)

    ran = SnapshotSync(
        slow.pk,
        parallel=1,
        rate_limiter=RateLimiter(0),
        concurrency=ConcurrencyLimiter(0, lease_seconds=5),
    ).run()

    assert ran.state != CampaignSnapshot.State.READY
    assert not ran.is_current
    assert not SnapshotRecord.objects.filter(snapshot=ran).exists()
    assert CampaignReadLease.objects.get(campaign_id="00001").holder == "snapshot:successor"


def test_a_finished_read_releases_its_lease(thulium, supervisor):
    known(thulium, "00001")
    started = campaign_read_start(user=supervisor, campaign_id="00001")  # its task is run below
    add_pages(thulium, 3)

    done = SnapshotSync(
        started.pk,
        parallel=1,
        rate_limiter=RateLimiter(0),
        concurrency=ConcurrencyLimiter(0, lease_seconds=5),
    ).run()

    assert done.state == CampaignSnapshot.State.READY
    assert not CampaignReadLease.objects.exists()


def test_a_queued_task_for_a_read_taken_over_does_nothing(thulium, supervisor):
    stale = CampaignSnapshot.objects.create(campaign_id="00001")
    campaign_read_lease_take(campaign_id="00001", holder="snapshot:successor", seconds=60)

    ran = SnapshotSync(stale.pk).run()  # no Thulium request is registered: none may be sent

    assert ran.state == CampaignSnapshot.State.FAILED
    assert len(thulium.calls) == 0
    assert CampaignReadLease.objects.get(campaign_id="00001").holder == "snapshot:successor"


# --- a user's reads are bounded ----------------------------------------------------------------


def test_a_users_reads_are_bounded(
    thulium, settings, supervisor, django_user_model, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_READS_PER_USER = 2
    known(thulium, "00001", "00002", "00003")

    with django_capture_on_commit_callbacks(execute=True):
        campaign_read_start(user=supervisor, campaign_id="00001")
        campaign_read_start(user=supervisor, campaign_id="00002")
        with pytest.raises(CampaignReadRefused) as refused:
            campaign_read_start(user=supervisor, campaign_id="00003")
        # Joining a read already under way is no new read.
        campaign_read_start(user=supervisor, campaign_id="00001")
        # Another user has reads of their own.
        campaign_read_start(
            user=django_user_model.objects.create_user(username="ola"), campaign_id="00003"
        )

    assert "2" in refused.value.message
    assert queued_reads() == 3
    assert CampaignReadLease.objects.held().filter(user=supervisor).count() == 2


def test_a_read_that_died_no_longer_counts_against_its_user(
    thulium, settings, supervisor, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_READS_PER_USER = 1
    known(thulium, "00001", "00002")
    with django_capture_on_commit_callbacks(execute=True):
        campaign_read_start(user=supervisor, campaign_id="00001")
    expire_lease("00001")

    with django_capture_on_commit_callbacks(execute=True):
        campaign_read_start(user=supervisor, campaign_id="00002")

    assert queued_reads() == 2


def test_the_bound_is_said_in_the_fragment(
    thulium, settings, supervisor_client, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_READS_PER_USER = 1
    known(thulium, "00001", "00002")

    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(
            reverse("campaigns:snapshot", args=["00001"]), headers={"HX-Request": "true"}
        )
        response = supervisor_client.post(
            reverse("campaigns:snapshot", args=["00002"]), headers={"HX-Request": "true"}
        )

    section = snapshot_section(response.content.decode())
    assert "You already have 1 campaign being read" in section
    assert queued_reads() == 1


def test_the_testers_flood_queues_one_read_per_real_campaign_and_leaves_no_rows(
    thulium, supervisor_client, django_capture_on_commit_callbacks
):
    """The report: 400 POSTs over 3 real and 60 made-up campaign ids queued 63 syncs and left
    the made-up ids' failed rows behind (here 3 real and 10 made-up, 5 rounds)."""
    real = ["00001", "00002", "00003"]
    made_up = [f"9{number:04d}" for number in range(10)]
    known(thulium, *real)
    unknown(thulium, *made_up)

    with django_capture_on_commit_callbacks(execute=True):
        for _round in range(5):
            for campaign_id in [*real, *made_up]:
                supervisor_client.post(
                    reverse("campaigns:snapshot", args=[campaign_id]),
                    headers={"HX-Request": "true"},
                )

    assert queued_reads() == 3
    assert sorted(CampaignSnapshot.objects.values_list("campaign_id", flat=True)) == real


def test_a_polish_supervisor_reads_the_refusal_in_polish(
    thulium, settings, supervisor_client, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_READS_PER_USER = 2
    known(thulium, "00001", "00002", "00003")
    unknown(thulium, UNKNOWN)
    url = "campaigns:snapshot"
    polish = {"HX-Request": "true", "accept-language": "pl"}

    with django_capture_on_commit_callbacks(execute=True):
        made_up = supervisor_client.post(reverse(url, args=[UNKNOWN]), headers=polish)
        supervisor_client.post(reverse(url, args=["00001"]), headers=polish)
        supervisor_client.post(reverse(url, args=["00002"]), headers=polish)
        bounded = supervisor_client.post(reverse(url, args=["00003"]), headers=polish)

    assert (
        f"Rekordy kampanii nie zostały odczytane: Kampania {UNKNOWN} nie istnieje w Thulium."
        in snapshot_section(made_up.content.decode())
    )
    assert "Masz już 2 kampanie w trakcie odczytu" in snapshot_section(bounded.content.decode())

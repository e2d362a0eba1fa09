"""The refresh (campaigns/refresh.py): only the records called or added since the day of the
previous read are asked for, upserted into the current copy; one reader per campaign."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from responses import matchers

from campaigns.leases import campaign_read_lease_take
from campaigns.models import CampaignCopy, CampaignReadLease, SnapshotRecord
from campaigns.refresh import campaign_copy_refresh
from tests.campaigns.test_snapshot import RECORDS_URL, add_pages, api_record, sync
from thuladmin.thulium.throttle import ConcurrencyLimiter, RateLimiter

pytestmark = pytest.mark.django_db

# 00:30 in Warsaw on 7 December is 23:30 UTC on the 6th: the day asked for is Thulium's (the
# call centre's TIME_ZONE), so a refresh just after midnight reads from the 7th, not the 6th.
PREVIOUS_READ = timezone.make_aware(datetime(2026, 12, 7, 0, 30))
DAY = "2026-12-07"


def refresh(**kwargs):
    return campaign_copy_refresh(
        campaign_id="00001",
        parallel=2,
        rate_limiter=RateLimiter(0),
        concurrency=ConcurrencyLimiter(0, lease_seconds=5),
        **kwargs,
    )


def copy_read_at(when: datetime) -> None:
    CampaignCopy.objects.update_or_create(campaign_id="00001", defaults={"refreshed_at": when})


def changed_pages(thulium, *, called: list[dict], added: list[dict], callback=None) -> list:
    """The refresh's two reads, each one page, matched by their exact query strings (the
    calls' page answered by `callback` when given)."""
    called_match = [
        matchers.query_param_matcher({"limit": "100", "offset": "0", "call_date_from": DAY})
    ]
    if callback is None:
        called_page = thulium.get(
            RECORDS_URL, json={"count": len(called), "result": called}, match=called_match
        )
    else:
        called_page = thulium.add_callback(
            "GET", RECORDS_URL, callback=callback, match=called_match
        )
    added_page = thulium.get(
        RECORDS_URL,
        json={"count": len(added), "result": added},
        match=[matchers.query_string_matcher(f"limit=100&offset=0&create_date_from={DAY}")],
    )
    return [called_page, added_page]


def row(record_id: str) -> SnapshotRecord:
    return SnapshotRecord.objects.get(record_id=record_id)


def test_a_refresh_reads_calls_and_additions_since_the_day_of_the_previous_read(thulium):
    add_pages(thulium, 3)
    snapshot = sync()
    copy_read_at(PREVIOUS_READ)
    untouched = {
        record_id: SnapshotRecord.objects.filter(record_id=record_id).values().get()
        for record_id in ("1", "3")
    }
    called = [
        api_record(
            2,
            status_id="4",
            status="Refused",
            system_status="NO_CALL",
            agent_login="ewa",
            agent_name="Ewa",
            call_date="2026-12-07 10:00:00",
            next_call_date="2026-12-08 09:00:00",
            last_note="Not interested",
        ),
        api_record(3),  # listed, nothing changed
    ]
    called_page, added_page = changed_pages(
        thulium, called=called, added=[api_record(9, phone_number="700100200")]
    )

    before = timezone.now()
    done = refresh()

    assert done.read
    assert (called_page.call_count, added_page.call_count) == (1, 1)
    assert done.pages == 2
    assert done.inserted == 1
    assert done.changed == ("id-2", "id-9")
    changed = row("2")
    assert (changed.status_id, changed.status_name, changed.system_status) == (
        "4",
        "Refused",
        "NO_CALL",
    )
    assert (changed.agent_login, changed.agent_name, changed.last_note) == (
        "ewa",
        "Ewa",
        "Not interested",
    )
    assert (changed.call_date, changed.next_call_date) == (
        "2026-12-07 10:00:00",
        "2026-12-08 09:00:00",
    )
    assert row("9").snapshot_id == snapshot.pk
    assert row("9").phone_normalised == "700100200"
    for record_id, values in untouched.items():
        assert SnapshotRecord.objects.filter(record_id=record_id).values().get() == values
    refreshed_at = CampaignCopy.objects.get(campaign_id="00001").refreshed_at
    assert before <= refreshed_at == done.started_at
    assert not CampaignReadLease.objects.exists()  # released


def test_a_refresh_with_nothing_called_reads_two_pages_and_moves_the_as_of_time(thulium):
    add_pages(thulium, 2)
    sync()
    copy_read_at(PREVIOUS_READ)
    changed_pages(thulium, called=[], added=[])

    done = refresh()

    assert (done.read, done.pages, done.changed) == (True, 2, ())
    assert CampaignCopy.objects.get().refreshed_at == done.started_at


def test_a_refresh_pages_through_every_call_of_the_day(thulium):
    add_pages(thulium, 1)
    sync()
    copy_read_at(PREVIOUS_READ)
    for offset in (0, 100, 200):
        thulium.get(
            RECORDS_URL,
            json={
                "count": 250,
                "result": [
                    api_record(number, call_date="2026-12-07 10:00:00")
                    for number in range(offset + 1, min(offset + 101, 251))
                ],
            },
            match=[
                matchers.query_param_matcher(
                    {"limit": "100", "offset": str(offset), "call_date_from": DAY}
                )
            ],
        )
    changed_pages(thulium, called=[], added=[])

    done = refresh()

    assert done.pages == 4  # three of calls, one of additions
    assert SnapshotRecord.objects.count() == 250


def test_a_refresh_asks_for_the_additions_while_the_calls_first_page_is_in_flight(thulium):
    add_pages(thulium, 2)
    sync()
    copy_read_at(PREVIOUS_READ)
    additions_asked = threading.Event()
    seen_while_in_flight: list[bool] = []

    def calls_page(request):
        # Answered only once the additions' first page was asked for (or after 5 s).
        seen_while_in_flight.append(additions_asked.wait(timeout=5))
        body = {"count": 1, "result": [api_record(1, status_id="4")]}
        return 200, {}, json.dumps(body)

    def additions_page(request):
        additions_asked.set()
        return 200, {}, json.dumps({"count": 1, "result": [api_record(9)]})

    thulium.add_callback(
        "GET",
        RECORDS_URL,
        callback=calls_page,
        match=[
            matchers.query_param_matcher({"limit": "100", "offset": "0", "call_date_from": DAY})
        ],
    )
    thulium.add_callback(
        "GET",
        RECORDS_URL,
        callback=additions_page,
        match=[
            matchers.query_param_matcher({"limit": "100", "offset": "0", "create_date_from": DAY})
        ],
    )

    done = refresh()

    assert seen_while_in_flight == [True]
    assert (done.pages, done.inserted, done.changed) == (2, 1, ("id-1", "id-9"))
    assert row("1").status_id == "4"


def test_a_row_changed_here_after_the_refresh_started_is_left_alone(thulium):
    add_pages(thulium, 2)
    sync()
    copy_read_at(PREVIOUS_READ)
    later = timezone.now() + timedelta(minutes=1)  # an edit made while the pages were read
    SnapshotRecord.objects.filter(record_id="1").update(status_id="7", changed_at=later)
    changed_pages(thulium, called=[api_record(1, status_id="4")], added=[])

    done = refresh()

    assert done.changed == ()
    assert row("1").status_id == "7"


def test_a_refresh_while_another_read_holds_the_lease_reads_nothing(thulium):
    add_pages(thulium, 2)
    sync()
    thulium.reset()
    campaign_read_lease_take(campaign_id="00001", holder="snapshot:99", seconds=300)

    done = refresh()

    assert not done.read
    assert len(thulium.calls) == 0
    assert CampaignReadLease.objects.get().holder == "snapshot:99"


def test_two_refreshes_of_one_campaign_never_both_read(thulium):
    add_pages(thulium, 2)
    sync()
    copy_read_at(PREVIOUS_READ)
    second: list = []

    def first_pages_arrive(request):
        # While the first refresh reads, a second one (another worker) starts.
        second.append(refresh())
        return 200, {}, '{"count": 0, "result": []}'

    called_page, _added = changed_pages(thulium, called=[], added=[], callback=first_pages_arrive)

    first = refresh()

    assert first.read
    assert [done.read for done in second] == [False]
    assert called_page.call_count == 1


def test_the_edit_pages_check_reads_even_while_the_lease_is_held(thulium):
    add_pages(thulium, 2)
    sync()
    copy_read_at(PREVIOUS_READ)
    campaign_read_lease_take(campaign_id="00001", holder="refresh:other", seconds=300)
    changed_pages(thulium, called=[api_record(2, status_id="4")], added=[])

    done = refresh(even_if_held=True)

    assert done.read
    assert done.changed == ("id-2",)
    assert CampaignReadLease.objects.get().holder == "refresh:other"  # never taken from it


def test_a_campaign_without_a_complete_copy_is_not_refreshed(thulium):
    done = refresh()

    assert not done.read
    assert len(thulium.calls) == 0
    assert not CampaignReadLease.objects.exists()

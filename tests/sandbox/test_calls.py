"""Simulated agents' calls: what a call changes, the catch-up's arithmetic, one claim per tick."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thuladmin.sandbox import calls
from thuladmin.sandbox.models import Agent, CallsClock, Record, Status, SystemStatus
from thuladmin.sandbox.sql import sandbox_connection

DATED = {SystemStatus.CALL_NO_SOONER_THAN, SystemStatus.MY_RECORD}
OUTCOME_STATUSES = {outcome.system_status for outcome in calls.OUTCOMES}


@pytest.fixture(autouse=True)
def _repeatable(settings, monkeypatch):
    settings.SANDBOX_CALLS_PER_MINUTE = 0
    calls.rng.seed(2024)
    monkeypatch.setattr(calls, "ADDED_RECORD_SHARE", 0.0)


@pytest.fixture
def now() -> datetime:
    # Mid-day, so that "today" in the sandbox's time zone holds the calls and the clock's steps.
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


def called(changes: list[calls.SimulatedChange]) -> list[calls.SimulatedChange]:
    return [change for change in changes if change.kind == "called"]


def test_a_call_sets_call_date_agent_status_and_next_call_date(seeded, now):
    changes = calls.calls_simulate(count=40, now=now)

    assert len(called(changes)) == 40
    outcomes = set()
    # A record left waiting (no answer) may be called again: its last call is the one it shows.
    last_calls = {change.record_id: change for change in changes}
    for change in last_calls.values():
        record = Record.objects.select_related("status").get(pk=change.record_id)
        assert record.call_date == now
        assert record.status.status_id == change.status_id
        assert record.status.system_status == change.system_status
        assert record.status.system_status in OUTCOME_STATUSES
        assert record.status.dictionary_status_id != 13  # a supervisor's "do not call"
        assert record.dictionary_status_id == record.status.dictionary_status_id
        assert record.agent_login == change.agent_login
        assert Agent.objects.filter(
            campaign=record.campaign, login=record.agent_login, active=True, active_in_outbound=True
        ).exists()
        if record.status.system_status in DATED:
            next_call = timezone.localtime(record.next_call_date)
            assert now + timedelta(hours=1) <= next_call < now + timedelta(days=8)
            assert 8 <= next_call.hour < 20
            assert next_call.minute in {0, 15, 30, 45}
        else:
            assert record.next_call_date is None
        assert record.last_note
        assert record.in_call is False
        assert record.campaign.active
        outcomes.add(record.status.system_status)
    # As in a working campaign: several outcomes, not one.
    assert len(outcomes) >= 4


def test_the_same_seed_makes_the_same_calls(seeded, now):
    calls.rng.seed(7)
    first = calls.calls_simulate(count=5, now=now)
    call_command("sandbox_seed", "--reset", "--records", "300", stdout=io.StringIO())
    calls.rng.seed(7)

    assert calls.calls_simulate(count=5, now=now) == first


def test_called_and_added_records_are_read_back_by_todays_date_filters(
    api, seeded, now, monkeypatch
):
    today = f"{now:%Y-%m-%d}"

    def todays(date_filter: str) -> set[int]:
        found: set[int] = set()
        offset = 0
        while True:
            path = f"outbounds/00001/records?{date_filter}_from={today}&offset={offset}"
            body = api("get", path).json()
            found.update(row["record_id"] for row in body["result"])
            offset += 100
            if offset >= body["count"]:
                return found

    called_before = todays("call_date")  # read first, so the list is kept and must be renewed
    monkeypatch.setattr(calls, "ADDED_RECORD_SHARE", 1.0)

    changes = calls.calls_simulate(count=5, now=now, campaign_id="00001")

    called_ids = {change.record_id for change in changes if change.kind == "called"}
    added_ids = {change.record_id for change in changes if change.kind == "added"}
    assert len(called_ids) == 5
    assert len(added_ids) == 5
    assert todays("call_date") == called_before | called_ids
    assert added_ids <= todays("create_date")
    rows = api("get", f"outbounds/00001/records?call_date_from={today}&limit=100").json()
    row = next(row for row in rows["result"] if row["record_id"] == changes[0].record_id)
    assert row["call_date"] == f"{now:%Y-%m-%d %H:%M:%S}"
    assert row["agent_login"] == changes[0].agent_login
    assert row["status_id"] == changes[0].status_id
    for record in Record.objects.filter(pk__in=added_ids).select_related("status"):
        assert record.create_date == now
        assert record.status.system_status == SystemStatus.TO_CALL
        assert record.call_date is None


def test_only_records_waiting_for_a_call_are_called(seeded, now):
    records = Record.objects.filter(campaign_id="00001").order_by("record_id")
    statuses = {status.status_id: status for status in Status.objects.filter(campaign_id="00001")}
    records.update(status=statuses["4"], in_call=False, next_call_date=None)  # all done
    waiting, in_call, not_yet, due, mine = records[:5]
    Record.objects.filter(pk=waiting.pk).update(status=statuses["1"])
    Record.objects.filter(pk=in_call.pk).update(status=statuses["1"], in_call=True)
    Record.objects.filter(pk=not_yet.pk).update(
        status=statuses["7"], next_call_date=now + timedelta(minutes=1)
    )
    Record.objects.filter(pk=due.pk).update(status=statuses["7"], next_call_date=now)
    Record.objects.filter(pk=mine.pk).update(
        status=statuses["5"], agent_login="m.wisniewska", next_call_date=now - timedelta(days=1)
    )

    changes = calls.calls_simulate(count=30, now=now, campaign_id="00001")

    called_ids = {change.record_id for change in changes}
    assert called_ids <= {waiting.pk, due.pk, mine.pk}
    assert mine.pk in called_ids
    first_call_of_mine = next(change for change in changes if change.record_id == mine.pk)
    assert first_call_of_mine.agent_login == "m.wisniewska"  # a record's own agent calls it back
    for untouched in (in_call, not_yet):
        assert Record.objects.get(pk=untouched.pk).call_date == untouched.call_date


def test_no_call_where_nobody_can_call(seeded, now):
    Record.objects.filter(campaign_id="00003").update(call_date=None)

    assert calls.calls_simulate(count=10, now=now, campaign_id="00003") != []  # inactive, asked
    assert {change.campaign_id for change in calls.calls_simulate(count=20, now=now)} == {
        "00001",
        "00002",
    }
    Agent.objects.filter(campaign_id="00002").update(active_in_outbound=False)
    assert calls.calls_simulate(count=10, now=now, campaign_id="00002") == []


def test_a_record_asked_for_is_called(seeded, now):
    record = Record.objects.get(campaign_id="00001", identifier="1234567890")

    changes = calls.calls_simulate(count=3, now=now, record_id=record.pk)

    assert [change.record_id for change in changes] == [record.pk]
    assert Record.objects.get(pk=record.pk).call_date == now
    in_call = Record.objects.get(campaign_id="00001", identifier="1234567891")
    assert calls.calls_simulate(count=1, now=now, record_id=in_call.pk) == []


# --- catching up ------------------------------------------------------------------------------


def clock() -> datetime:
    return CallsClock.objects.get().last_tick


def test_catch_up_makes_the_calls_owed_since_the_last_tick(seeded, settings, now):
    settings.SANDBOX_CALLS_PER_MINUTE = 6  # one every 10 s

    assert calls.calls_catch_up(now=now) == []  # starts the clock
    assert clock() == now
    assert calls.calls_catch_up(now=now + timedelta(seconds=9)) == []
    assert len(called(calls.calls_catch_up(now=now + timedelta(seconds=35)))) == 3
    assert clock() == now + timedelta(seconds=30)  # the 5 s left over still count
    assert len(called(calls.calls_catch_up(now=now + timedelta(seconds=40)))) == 1
    assert calls.calls_catch_up(now=now + timedelta(seconds=49)) == []
    assert clock() == now + timedelta(seconds=40)


def test_catch_up_at_a_fraction_of_a_call_a_minute(seeded, settings, now):
    settings.SANDBOX_CALLS_PER_MINUTE = 0.5
    calls.calls_catch_up(now=now)

    assert calls.calls_catch_up(now=now + timedelta(seconds=119)) == []
    assert len(called(calls.calls_catch_up(now=now + timedelta(seconds=120)))) == 1


def test_catch_up_after_a_long_idle_time_is_bounded(seeded, settings, now, monkeypatch):
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    monkeypatch.setattr(calls, "MAX_CALLS_PER_CATCH_UP", 25)
    calls.calls_catch_up(now=now)
    later = now + timedelta(days=1)

    assert len(called(calls.calls_catch_up(now=later))) == 25
    assert clock() == later  # the rest of the day's backlog is dropped
    assert calls.calls_catch_up(now=later + timedelta(seconds=5)) == []


def test_a_clock_behind_the_last_tick_owes_nothing(seeded, settings, now):
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    calls.calls_catch_up(now=now)

    assert calls.calls_catch_up(now=now - timedelta(minutes=5)) == []  # another node's clock
    assert clock() == now
    assert calls.calls_catch_up(now=now - timedelta(minutes=6)) == []  # set back: start again
    assert clock() == now - timedelta(minutes=6)
    assert len(called(calls.calls_catch_up(now=now - timedelta(minutes=5)))) == 6


def test_off_by_default_and_then_free(api, seeded):
    assert django_settings.SANDBOX_CALLS_PER_MINUTE == 0
    before = list(Record.objects.order_by("pk").values_list("pk", "call_date", "status_id"))

    with CaptureQueriesContext(sandbox_connection()) as queries:
        assert api("get", "outbounds/00001/agents").status_code == 200

    assert not any(CallsClock._meta.db_table in query["sql"] for query in queries)
    assert not CallsClock.objects.exists()
    assert list(Record.objects.order_by("pk").values_list("pk", "call_date", "status_id")) == (
        before
    )


def test_an_authenticated_request_makes_the_calls_owed(api, client, seeded, settings, monkeypatch):
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    simulate = calls.calls_simulate
    made: list[calls.SimulatedChange] = []

    def simulate_and_keep(**kwargs) -> list[calls.SimulatedChange]:
        made.extend(simulate(**kwargs))
        return made

    monkeypatch.setattr(calls, "calls_simulate", simulate_and_keep)
    last_tick = timezone.now() - timedelta(seconds=65)
    CallsClock.objects.create(last_tick=last_tick)

    def call_dates() -> dict[int, datetime | None]:
        return dict(Record.objects.values_list("pk", "call_date"))

    before = call_dates()
    assert client.get("/sandbox/api/outbounds/00001/agents").status_code == 401
    assert call_dates() == before  # a stranger moves nothing
    started = timezone.now().replace(microsecond=0)
    assert api("get", "outbounds/00001/agents").status_code == 200

    assert clock() == last_tick + timedelta(seconds=60)
    assert len(called(made)) == 6
    changed = {pk: date for pk, date in call_dates().items() if date != before[pk]}
    assert 1 <= len(changed) <= 6  # six calls; a record left to call may be called twice
    assert all(started <= date <= timezone.now() for date in changed.values())


def test_a_failing_catch_up_never_fails_the_request(api, seeded, settings, monkeypatch, caplog):
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    CallsClock.objects.create(last_tick=timezone.now() - timedelta(minutes=1))

    def locked(**kwargs):
        from django.db import OperationalError

        raise OperationalError("database is locked")

    monkeypatch.setattr(calls, "calls_simulate", locked)

    assert api("get", "outbounds/00001/agents").status_code == 200
    assert "simulated calls failed" in caplog.text


# --- one claim per tick -------------------------------------------------------------------------


def test_a_tick_claimed_by_another_process_is_not_simulated_again(
    seeded, settings, now, monkeypatch
):
    """This process reads the clock; another claims the tick and makes its calls; this one's
    conditional UPDATE then matches nothing, and it makes no call."""
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    calls.calls_catch_up(now=now)
    later = now + timedelta(seconds=30)
    read = calls._clock_read
    others: list[calls.SimulatedChange] = []

    def read_then_lose_the_race() -> datetime | None:
        last_tick = read()
        monkeypatch.setattr(calls, "_clock_read", read)
        others.extend(calls.calls_catch_up(now=later))  # the other process, in between
        return last_tick

    monkeypatch.setattr(calls, "_clock_read", read_then_lose_the_race)

    assert calls.calls_catch_up(now=later) == []
    assert len(called(others)) == 3
    assert clock() == later


@pytest.mark.django_db(transaction=True)
def test_two_threads_catching_up_at_once_make_the_calls_once(settings, monkeypatch, now):
    call_command("sandbox_seed", "--records", "300", "--customers", "20", stdout=io.StringIO())
    settings.SANDBOX_CALLS_PER_MINUTE = 6
    CallsClock.objects.create(last_tick=now)
    later = now + timedelta(seconds=40)
    read = calls._clock_read
    both_read = threading.Barrier(2, timeout=30)

    def read_together() -> datetime | None:
        last_tick = read()
        both_read.wait()  # neither claims before both have read the same tick
        return last_tick

    monkeypatch.setattr(calls, "_clock_read", read_together)
    results: list[list[calls.SimulatedChange]] = []
    failures: list[BaseException] = []

    def catch_up() -> None:
        try:
            results.append(calls.calls_catch_up(now=later))
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=catch_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sorted(len(called(result)) for result in results) == [0, 4]
    assert clock() == later
    assert Record.objects.filter(call_date=later).count() == 4

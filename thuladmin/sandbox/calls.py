"""`calls`: agents' calls, simulated, so the sandbox's campaigns change as working ones do.

In a working campaign, agents call records all day: each call sets the record's call date, its
agent and a new status (a call back, a final status, the agent's own record, or still to call).
The dashboard keeps its copy of a campaign current by reading only the records called or added
today (`call_date_from`, `create_date_from`); a sandbox whose records never change would leave
that untested in every demo. So the sandbox makes calls of its own.

A simulated call, in an active campaign with at least one agent active in outbound:
- the record is one waiting for a call (an open system status, see `models.OPEN_SYSTEM_STATUSES`,
  or a call back, CALL_NO_SOONER_THAN or MY_RECORD, whose next call date has come) and not in a
  call; the first such record from a random point of the campaign's ids on;
- the agent is one of the campaign's active outbound agents (a MY_RECORD record's own agent, if
  it is one);
- the outcome is drawn from `OUTCOMES`: still to call (no answer), a call back later today or
  within three days, the agent's own record for a day within a week (those two with a next
  call date in working hours), a final status, or abandoned after too many tries; among the
  campaign's statuses of that system status, one at random (but never the "do not call"
  dictionary status a supervisor sets, see the seed);
- the record gets `call_date` now, `agent_login`, the status (and its dictionary status),
  `next_call_date` (cleared unless the status needs one) and a note: one UPDATE by primary key.
Calls are instant: no record is ever left IN_PROGRESS or in a call. Now and then
(`ADDED_RECORD_SHARE`) a record is also added to the campaign (`create_date` now, TO_CALL).

When: `SANDBOX_CALLS_PER_MINUTE` (default 0, off). The sandbox has no process of its own, so the
calls are made lazily: every authenticated request (the `endpoint` decorator) calls
`calls_catch_up`, which makes the calls owed since the last tick, at most
`MAX_CALLS_PER_CATCH_UP` (a sandbox idle for a day does not rewrite itself, the rest is dropped).
The tick is one database row (`models.CallsClock`) shared by every process; a process claims the
calls it makes with a conditional UPDATE of that row, so two processes never make the same
calls. Off, it costs nothing; on, a request with nothing owed reads one row by primary key.

`manage.py sandbox_calls --count N` makes N calls at once. `rng` is the module's
`random.Random` and every function takes `now`: tests seed the one and pass the other.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from thuladmin.sandbox.models import (
    OPEN_SYSTEM_STATUSES,
    Agent,
    CallsClock,
    Campaign,
    Record,
    Status,
    SystemStatus,
)
from thuladmin.sandbox.sql import sandbox_connection

logger = logging.getLogger(__name__)

rng = random.Random()

# A sandbox idle for a long time catches up this many calls at most, in one request.
MAX_CALLS_PER_CATCH_UP = 200
# A clock row further ahead of this process's clock than this is taken for a mistake.
CLOCK_AHEAD_TOLERANCE = timedelta(minutes=5)
# Share of calls after which the campaign also receives a new record.
ADDED_RECORD_SHARE = 0.05
# Agents never set the status a supervisor's "do not call, in any campaign" sets (the seed's
# dictionary status 13): a demo of that feature starts from records nobody put there.
SUPERVISOR_ONLY_DICTIONARY_STATUS_IDS = frozenset({13})
# Call backs wait for their next call date; the other waiting statuses can be called any time.
CALL_BACK_SYSTEM_STATUSES = (SystemStatus.CALL_NO_SOONER_THAN, SystemStatus.MY_RECORD)


@dataclass(frozen=True)
class Outcome:
    system_status: SystemStatus
    weight: int
    notes: tuple[str, ...]
    # The next call date, in days from the call (at least, at most; 0 is later today), in
    # working hours; None: no date.
    next_call_days: tuple[int, int] | None = None


# What a call ends in, as often as in a campaign mid-way (the notes are the seed's language).
OUTCOMES = (
    Outcome(SystemStatus.CALL, 35, ("Nie odbiera.", "Poczta głosowa.")),
    Outcome(
        SystemStatus.CALL_NO_SOONER_THAN,
        20,
        ("Prosi o kontakt po 17:00.", "Oddzwonić po urlopie."),
        next_call_days=(0, 3),
    ),
    Outcome(
        SystemStatus.MY_RECORD,
        10,
        ("Zainteresowany ofertą, wysłać e-mail.", "Klient rozważa ofertę konkurencji."),
        next_call_days=(1, 7),
    ),
    Outcome(SystemStatus.NO_CALL, 30, ("Rozmowa zakończona.",)),
    Outcome(SystemStatus.ABANDONED_AFTER_N_TRIES, 5, ("Nie odbiera.",)),
)


@dataclass(frozen=True)
class SimulatedChange:
    """One record a simulated call changed ("called") or the simulation added ("added")."""

    kind: Literal["called", "added"]
    campaign_id: str
    record_id: int
    status_id: str
    system_status: str
    agent_login: str = ""
    next_call_date: datetime | None = None


@dataclass
class _CampaignFloor:
    """What calls in one campaign need, read once per batch of calls."""

    campaign_id: str
    agents: list[str]
    statuses: list[tuple[int, str, str, int | None]]  # pk, status_id, system_status, dictionary
    first_id: int
    last_id: int

    def statuses_of(self, *system_statuses: str) -> list[tuple[int, str, str, int | None]]:
        return [status for status in self.statuses if status[2] in system_statuses]


def calls_per_minute() -> float:
    return float(getattr(settings, "SANDBOX_CALLS_PER_MINUTE", 0) or 0)


def calls_catch_up(*, now: datetime | None = None) -> list[SimulatedChange]:
    """Make the calls owed since the last tick, if this process is the one that claims them.

    Never fails the request it runs in: a database error (a locked SQLite file) is logged and
    the calls wait for a later request.
    """
    rate = calls_per_minute()
    if rate <= 0:
        return []
    now = now or timezone.now()
    try:
        return _catch_up(rate, now)
    except DatabaseError:
        logger.exception("sandbox: simulated calls failed; trying again on a later request")
        return []


def _clock_read() -> datetime | None:
    return CallsClock.objects.filter(pk=1).values_list("last_tick", flat=True).first()


def _catch_up(rate: float, now: datetime) -> list[SimulatedChange]:
    last_tick = _clock_read()
    if last_tick is None:
        # The first request with the calls on starts the clock: nothing is owed for before.
        CallsClock.objects.bulk_create([CallsClock(pk=1, last_tick=now)], ignore_conflicts=True)
        return []
    if last_tick > now + CLOCK_AHEAD_TOLERANCE:
        # A tick far in the future (the system clock was set back, or a test's clock was left
        # there) would stop the calls until then: start again from now. A little ahead is
        # another node's clock, and is waited for.
        CallsClock.objects.filter(pk=1, last_tick=last_tick).update(last_tick=now)
        return []
    interval = timedelta(minutes=1 / rate)
    owed = int((now - last_tick) / interval) if now > last_tick else 0
    if owed < 1:
        return []
    if owed > MAX_CALLS_PER_CATCH_UP:
        owed, tick = MAX_CALLS_PER_CATCH_UP, now  # the rest of the backlog is dropped
    else:
        tick = last_tick + owed * interval  # the fraction of an interval left over still counts
    with transaction.atomic(using=sandbox_connection().alias):
        # Matches only if no other process moved the clock since we read it; a process that
        # claimed the same tick holds the row (or the SQLite file) until it commits, and then
        # this UPDATE matches nothing.
        claimed = CallsClock.objects.filter(pk=1, last_tick=last_tick).update(last_tick=tick)
        if not claimed:
            return []
        return calls_simulate(count=owed, now=now)


def calls_simulate(
    *,
    count: int,
    now: datetime | None = None,
    campaign_id: str | None = None,
    record_id: int | None = None,
) -> list[SimulatedChange]:
    """Make `count` calls at `now`: in `campaign_id` only, if given (active or not), else in
    the active campaigns at random; `record_id` calls that record (once, whatever `count`).

    Returns what changed; fewer calls than asked when no record is waiting or no agent can call.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    changes: list[SimulatedChange] = []
    with transaction.atomic(using=sandbox_connection().alias):
        if record_id is not None:
            sql = f"SELECT campaign_id FROM {_table(Record)} WHERE record_id = %s"  # noqa: S608
            rows = _query(sql, [record_id])
            if not rows:
                return []
            campaign_id, count = rows[0][0], 1
        if campaign_id is not None:
            candidates = [campaign_id]
        else:
            sql = f"SELECT campaign_id FROM {_table(Campaign)} WHERE active ORDER BY campaign_id"  # noqa: S608
            candidates = [row[0] for row in _query(sql, [])]
        floors: dict[str, _CampaignFloor | None] = {}  # read once, when first called in
        for _ in range(count):
            floor = None
            while candidates and floor is None:
                chosen = rng.choice(candidates)
                if chosen not in floors:
                    floors[chosen] = _campaign_floor(chosen)
                floor = floors[chosen]
                if floor is None:
                    candidates.remove(chosen)
            if floor is None:
                break
            change = _call(floor, now, record_id=record_id)
            if change is None:
                continue
            changes.append(change)
            if rng.random() < ADDED_RECORD_SHARE:
                added = _record_add(floor, now)
                if added is not None:
                    changes.append(added)
    return changes


# The statements below are written in SQL: building ORM queries cost several times what the
# database does for them, on a request that only happened to come when a call was due.


def _table(model: type[models.Model]) -> str:
    return sandbox_connection().ops.quote_name(model._meta.db_table)


def _query(sql: str, params: list) -> list[tuple]:
    with sandbox_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params: list) -> None:
    with sandbox_connection().cursor() as cursor:
        cursor.execute(sql, params)


def _date(value: datetime | None) -> object:
    return sandbox_connection().ops.adapt_datetimefield_value(value)


def _campaign_floor(campaign_id: str) -> _CampaignFloor | None:
    """The campaign's agents who can call, statuses and id range; None if nobody can call."""
    agents = [
        row[0]
        for row in _query(
            f"SELECT login FROM {_table(Agent)} "  # noqa: S608 (names are ours)
            "WHERE campaign_id = %s AND active AND active_in_outbound ORDER BY agent_id",
            [campaign_id],
        )
    ]
    # Two reads, not one MIN/MAX query: each is one step into the (campaign, record_id) index.
    ends = [
        _query(
            f"SELECT record_id FROM {_table(Record)} WHERE campaign_id = %s "  # noqa: S608
            f"ORDER BY record_id {direction} LIMIT 1",
            [campaign_id],
        )
        for direction in ("ASC", "DESC")
    ]
    if not agents or not ends[0] or not ends[1]:
        return None
    statuses = _query(
        f"SELECT id, status_id, system_status, dictionary_status_id FROM {_table(Status)} "  # noqa: S608
        "WHERE campaign_id = %s ORDER BY id",
        [campaign_id],
    )
    return _CampaignFloor(campaign_id, agents, statuses, ends[0][0][0], ends[1][0][0])


def _record_to_call(
    floor: _CampaignFloor, now: datetime, record_id: int | None
) -> tuple[int, int | None, str] | None:
    """(record_id, status key, agent_login) of a record waiting for a call."""
    columns = "SELECT record_id, status_id, agent_login FROM " + _table(Record)  # noqa: S608
    if record_id is not None:
        # Asked for by id (a demo or a test): called whatever its status, unless in a call.
        rows = _query(f"{columns} WHERE record_id = %s AND NOT in_call", [record_id])
        return rows[0] if rows else None
    # Key 0 is no status's: it stands for none (an empty IN list is not SQL).
    open_keys = [status[0] for status in floor.statuses_of(*OPEN_SYSTEM_STATUSES)] or [0]
    call_back_keys = [status[0] for status in floor.statuses_of(*CALL_BACK_SYSTEM_STATUSES)] or [0]
    waiting = (
        f"{columns} WHERE campaign_id = %s AND NOT in_call "
        f"AND (status_id IN ({', '.join(['%s'] * len(open_keys))}) "
        f"OR (status_id IN ({', '.join(['%s'] * len(call_back_keys))}) AND next_call_date <= %s))"
    )
    params = [floor.campaign_id, *open_keys, *call_back_keys, _date(now)]
    # Walked in id order from a random point: a step or two into the (campaign, record_id)
    # index while most records wait, as in a campaign under way.
    pivot = rng.randint(floor.first_id, floor.last_id)
    for side in ("record_id >= %s", "record_id < %s"):
        rows = _query(f"{waiting} AND {side} ORDER BY record_id LIMIT 1", [*params, pivot])
        if rows:
            return rows[0]
    return None


def _call(floor: _CampaignFloor, now: datetime, record_id: int | None) -> SimulatedChange | None:
    found = _record_to_call(floor, now, record_id)
    if found is None:
        return None
    found_id, status_key, owner = found
    system_status = next((s[2] for s in floor.statuses if s[0] == status_key), None)
    agent = (
        owner
        if system_status == SystemStatus.MY_RECORD and owner in floor.agents
        else rng.choice(floor.agents)
    )
    outcomes = [outcome for outcome in OUTCOMES if _statuses_for(floor, outcome.system_status)]
    if not outcomes:
        return None  # a campaign with none of the outcomes' statuses: nothing plausible to do
    outcome = rng.choices(outcomes, [outcome.weight for outcome in outcomes])[0]
    new_key, status_id, new_system_status, dictionary_status_id = rng.choice(
        _statuses_for(floor, outcome.system_status)
    )
    next_call_date = (
        None if outcome.next_call_days is None else _next_call_date(now, *outcome.next_call_days)
    )
    _execute(
        f"UPDATE {_table(Record)} SET status_id = %s, dictionary_status_id = %s, "  # noqa: S608
        "agent_login = %s, call_date = %s, next_call_date = %s, last_note = %s "
        "WHERE record_id = %s",
        [
            new_key,
            dictionary_status_id,
            agent,
            _date(now),
            _date(next_call_date),
            rng.choice(outcome.notes),
            found_id,
        ],
    )
    return SimulatedChange(
        kind="called",
        campaign_id=floor.campaign_id,
        record_id=found_id,
        status_id=status_id,
        system_status=new_system_status,
        agent_login=agent,
        next_call_date=next_call_date,
    )


def _next_call_date(now: datetime, fewest_days: int, most_days: int) -> datetime:
    """A quarter hour between 8:00 and 19:45 on a day in the range, at least an hour from now
    (the next working day's, if today has no such time left)."""
    local = timezone.localtime(now)
    day = local.date() + timedelta(days=rng.randint(fewest_days, most_days))
    moment = timezone.make_aware(
        datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))))
    )
    while moment < now + timedelta(hours=1):
        moment = timezone.make_aware(datetime.combine(moment.date() + timedelta(days=1), time(8)))
    return moment


def _statuses_for(floor: _CampaignFloor, system_status: str) -> list[tuple]:
    return [
        status
        for status in floor.statuses_of(system_status)
        if status[3] not in SUPERVISOR_ONLY_DICTIONARY_STATUS_IDS
    ]


def _record_add(floor: _CampaignFloor, now: datetime) -> SimulatedChange | None:
    """A new record, as a lead from a web form would arrive: TO_CALL, created now."""
    to_call = floor.statuses_of(SystemStatus.TO_CALL)
    if not to_call:
        return None
    status_pk, status_id, system_status, dictionary_status_id = to_call[0]
    records = Record.objects.filter(campaign_id=floor.campaign_id)
    for _ in range(5):  # a number or identifier already in the campaign: draw again
        phone_number = str(rng.choice((5, 6, 7, 8))) + f"{rng.randrange(100_000_000):08d}"
        identifier = str(rng.randrange(1_000_000_000, 10_000_000_000))
        # Two lookups, each in its index (SQLite scans the campaign for an OR of the two).
        if not (
            records.filter(phone_number=phone_number).exists()
            or records.filter(identifier=identifier).exists()
        ):
            break
    else:
        return None
    record = Record.objects.create(
        campaign_id=floor.campaign_id,
        identifier=identifier,
        phone_number=phone_number,
        status_id=status_pk,
        dictionary_status_id=dictionary_status_id,
        create_date=now.replace(microsecond=0),
    )
    return SimulatedChange(
        kind="added",
        campaign_id=floor.campaign_id,
        record_id=record.record_id,
        status_id=status_id,
        system_status=system_status,
    )

"""The ordered ids of a campaign's records matching a filter, kept per process between requests.

A client copying a whole campaign asks for every page of 100 (offsets 0 to 99,900 of a
100,000-record campaign), several at once. Answered from the database alone, each page is an
OFFSET walk over the (campaign, record_id) index plus a COUNT over the campaign: both read every
index entry, so the sandbox spent more time per page than the 50 ms of latency a benchmark adds,
and became the bottleneck of what it only simulates (bench/snapshot.py).

So the list of matching ids is read once (one index scan) and kept: a page is then a slice of
it and 100 lookups by primary key, and `count` its length. It stays exact: each list is kept
under its campaign's version token, which database triggers change whenever a record of the
campaign is added, deleted, or changes campaign, status, creation or call date (migration
0004). A request reads the token first, then uses the list kept under that token or reads a new
one; a change committed in between only changes the token again, so a stale list is never used.
Without the token table (a database the migration did not create it in) nothing is kept.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from django.db import router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone

from thuladmin.sandbox.models import Agent, Record, Status

VERSION_TABLE = "sandbox_records_version"
# Lists kept per process: a few campaigns, each with a few filters in use. 100,000 ids take
# 800 kB.
MAX_LISTS = 32

_lock = threading.Lock()
_lists: OrderedDict[tuple, array] = OrderedDict()
_has_version_table: dict[tuple[str, str], bool] = {}


def _connection() -> BaseDatabaseWrapper:
    from django.db import connections

    return connections[router.db_for_read(Record)]


def _database_key(connection: BaseDatabaseWrapper) -> tuple[str, str]:
    return (connection.alias, str(connection.settings_dict["NAME"]))


def _version(connection: BaseDatabaseWrapper, campaign_id: str) -> int | None:
    """The campaign's token, or None when there is none to trust (no table, or no row yet)."""
    database = _database_key(connection)
    if database not in _has_version_table:
        _has_version_table[database] = VERSION_TABLE in connection.introspection.table_names()
    if not _has_version_table[database]:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version FROM {VERSION_TABLE} WHERE campaign_id = %s",  # noqa: S608
            [campaign_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _read_ids(condition: Q) -> array:
    ids = array("q")
    ids.extend(
        Record.objects.filter(condition).order_by("record_id").values_list("record_id", flat=True)
    )
    return ids


def matching_record_ids(*, campaign_id: str, condition: Q) -> array:
    """The ids of the campaign's records matching `condition` (a Q that includes the campaign),
    in the order they were added: kept from an earlier request when the campaign has not
    changed since, read from the database otherwise."""
    connection = _connection()
    version = _version(connection, campaign_id)
    if version is None:
        return _read_ids(condition)
    # str(Q) names every filter value (the campaign, status keys, day bounds): one list each.
    key = (*_database_key(connection), campaign_id, str(condition), version)
    with _lock:
        ids = _lists.get(key)
        if ids is not None:
            _lists.move_to_end(key)
            return ids
    ids = _read_ids(condition)
    with _lock:
        _lists[key] = ids
        while len(_lists) > MAX_LISTS:
            _lists.popitem(last=False)
    return ids


# The columns of a page, in this order; the dates are aware datetimes on every database.
PAGE_COLUMNS = (
    "record_id",
    "phone_number",
    "status_id",
    "call_date",
    "create_date",
    "next_call_date",
    "agent_login",
    "last_note",
    "identifier",
    "order",
)
_DATE_POSITIONS = (3, 4, 5)


def page_rows(record_ids: Sequence[int]) -> list[tuple]:
    """The rows of a page (at most 100 ids), in id order, with PAGE_COLUMNS.

    In SQL rather than through the ORM: building the query for 100 ids and converting every
    value cost the sandbox more than the lookups themselves, on every page of a sync.
    """
    if not record_ids:
        return []
    connection = _connection()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in PAGE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(record_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(Record._meta.db_table)} "  # noqa: S608 (names are ours)
            f"WHERE record_id IN ({placeholders}) ORDER BY record_id",
            list(record_ids),
        )
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows  # aware datetimes already
    zone = connection.timezone
    return [_with_dates(row, zone) for row in rows]


def page_names(campaign_id: str) -> tuple[dict[int, tuple[str, str, str]], dict[str, str]]:
    """What a page's rows refer to: the campaign's statuses by key, as (system status, name,
    status id), and its agents' names by login. Two small reads (a campaign has a dozen of
    each) rather than a join on every row; in SQL for the reason `page_rows` gives."""
    connection = _connection()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, system_status, name, status_id FROM {quote(Status._meta.db_table)} "  # noqa: S608
            "WHERE campaign_id = %s",
            [campaign_id],
        )
        statuses = {pk: (system, name, status_id) for pk, system, name, status_id in cursor}
        cursor.execute(
            f"SELECT login, name FROM {quote(Agent._meta.db_table)} WHERE campaign_id = %s",  # noqa: S608
            [campaign_id],
        )
        agents = dict(cursor.fetchall())
    return statuses, agents


def _with_dates(row: tuple, zone) -> tuple:
    values = list(row)
    for position in _DATE_POSITIONS:
        value = values[position]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and timezone.is_naive(value):
            value = value.replace(tzinfo=zone)
        values[position] = value
    return tuple(values)

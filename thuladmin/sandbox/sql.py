"""The sandbox's connection, and the statements it writes in SQL rather than through the ORM.

The sandbox's data may live in a database of its own (`thuladmin.sandbox.routers`), so every
transaction and raw statement goes through `sandbox_connection()`, never the default one.

A few statements are the sandbox's hottest: the campaign every request names, and the lookups
and deletes of a batch request carrying a few hundred numbers, where the ORM's per-value work
for `phone_number__in` / `pk__in` costs more than the database does. They are written in SQL.
Only the quoted table name and `%s` placeholders are formatted into them; every value is a
parameter. (The records list's page reads are `thuladmin.sandbox.records_index`'s.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from thuladmin.sandbox.models import Campaign, Record

# Chunks of ids keep each statement under every database's bound-parameter limit.
DELETE_CHUNK = 500


def sandbox_connection() -> BaseDatabaseWrapper:
    """The connection the sandbox's data lives on (a database of its own, if it has one)."""
    return connections[router.db_for_write(Record)]


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def campaign_lookup(campaign_id: str) -> Campaign | None:
    """The campaign, read in SQL: every request names one, and building the ORM query cost a
    page of the records list (bench/snapshot.py asks for 1,000 of them) more than its rows."""
    connection = sandbox_connection()
    table = connection.ops.quote_name(Campaign._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT campaign_id, name, active FROM {table} WHERE campaign_id = %s",  # noqa: S608
            [campaign_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Campaign.from_db(
        connection.alias, ["campaign_id", "name", "active"], [row[0], row[1], bool(row[2])]
    )


def records_with_numbers(campaign: Campaign, numbers: list[str]) -> list[tuple[int, str, bool]]:
    """(record_id, phone_number, in_call) of the campaign's records with one of these numbers.

    No ORDER BY: with one, SQLite walks every record of the campaign in id order instead of
    looking the numbers up in the (campaign, phone_number) index.
    """
    connection = sandbox_connection()
    table = connection.ops.quote_name(Record._meta.db_table)
    # Locked like select_for_update() would: a concurrent batch waits, then finds them gone.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows: list[tuple[int, str, bool]] = []
    with connection.cursor() as cursor:
        for chunk in chunks(numbers, DELETE_CHUNK):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT record_id, phone_number, in_call FROM {table} "  # noqa: S608
                f"WHERE campaign_id = %s AND phone_number IN ({placeholders}){lock}",
                [campaign.pk, *chunk],
            )
            rows.extend(
                (record_id, phone_number, bool(in_call))
                for record_id, phone_number, in_call in cursor.fetchall()
            )
    return rows


def records_delete(record_ids: list[int]) -> None:
    connection = sandbox_connection()
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(record_ids, DELETE_CHUNK):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {table} WHERE record_id IN ({placeholders})",  # noqa: S608
                chunk,
            )

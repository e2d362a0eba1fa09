"""On PostgreSQL, which index each audit log page walks, given a log in use.

PostgreSQL plans from statistics and, for index-only scans, from the visibility map, so the log
is first filled with entries spread like a call centre's (a score of users, ten campaigns,
mostly record changes, mostly successes), then vacuumed and analysed as autovacuum keeps it
(see migration 0004). SQLite's plans: test_query_plans.py. bench/audit.py measures the same
queries at a million entries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection

from thuladmin.audit.models import AuditEntry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

ENTRIES = 20_000
# Entries n = 1..ENTRIES, twenty minutes apart from the start of 2026 (so until late 2026).
FILL = """
    INSERT INTO audit_auditentry (
        created_at, actor_username, action, campaign_id, target, request, outcome,
        api_message, response
    )
    SELECT
        timestamptz '2026-01-01 00:00Z' + n * interval '20 minutes',
        'agent' || lpad((1 + mod(n * 7, 20))::text, 2, '0'),
        CASE WHEN mod(n, 100) < 55 THEN 'record.update'
             WHEN mod(n, 1000) < 999 THEN 'record.delete'
             ELSE 'bulk.customers.start' END,
        lpad((1 + mod(n * 13, 10))::text, 5, '0'),
        lpad((500000000 + mod(n * 7919, 300000))::text, 9, '0'),
        '{}',
        CASE WHEN mod(n * 31, 100) < 85 THEN 'success'
             WHEN mod(n * 31, 100) < 93 THEN 'failure'
             WHEN mod(n * 31, 100) < 97 THEN 'refused'
             ELSE 'partial' END,
        '',
        '{}'
    FROM generate_series(1, %s) AS n
"""


@pytest.fixture(scope="module")
def filled_log(django_db_setup, django_db_blocker):
    """The log filled once for the module, outside the tests' transactions: VACUUM cannot run
    inside one. Emptied again at the end."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(FILL, [ENTRIES])
            cursor.execute("VACUUM ANALYZE audit_auditentry")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_auditentry")


def reads_of_the_log(queryset) -> list[dict]:
    """The plan's nodes that read the audit log (its bitmap index scans included)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    reads, nodes = [], [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") == "audit_auditentry" or "Bitmap Index" in node["Node Type"]:
            reads.append(node)
    return reads


def page_query(**filters):
    """The list page's query, as the view builds it."""
    return AuditEntry.objects.filtered(**filters).newest(51).for_list()


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "audit_time_id"),
        ({"username": "agent07"}, "audit_username_time"),
        ({"campaign_id": "00003"}, "audit_campaign_time_id"),
        ({"action": "record.delete"}, "audit_action_time_id"),
        ({"outcome": "partial"}, "audit_outcome_time"),
        ({"since": datetime(2026, 3, 1, tzinfo=UTC)}, "audit_time_id"),
        # Combined: the leader chosen by `filtered`, the others checked in its index.
        (
            {
                "username": "agent07",
                "campaign_id": "00003",
                "action": "record.delete",
                "outcome": "partial",
            },
            "audit_username_time",
        ),
        (
            {"username": "agent07", "campaign_id": "00004", "outcome": "success"},
            "audit_username_time",
        ),
        ({"campaign_id": "00003", "outcome": "success"}, "audit_campaign_time_id"),
        ({"action": "record.update", "outcome": "failure"}, "audit_action_time_id"),
        ({"action": "bulk.customers.start", "campaign_id": "00003"}, "audit_action_time_id"),
        (
            {"outcome": "failure", "since": datetime(2026, 3, 1, tzinfo=UTC)},
            "audit_outcome_time",
        ),
    ],
)
def test_a_page_finds_its_entries_on_one_index_alone(filled_log, filters, index):
    reads = reads_of_the_log(page_query(**filters))

    scans = [(read["Node Type"], read.get("Index Name")) for read in reads]
    # The page's ids from the leader's index, without the table; then 51 rows by primary key.
    assert sorted(scans) == [("Index Only Scan", index), ("Index Scan", "audit_auditentry_pkey")]


def test_an_older_page_of_combined_filters_is_a_range_on_the_same_index(filled_log):
    older = AuditEntry.objects.filtered(
        username="agent07", campaign_id="00003", outcome="partial"
    ).before(datetime(2026, 6, 1, tzinfo=UTC), 5000)

    (walk,) = [
        read
        for read in reads_of_the_log(older.newest(51))
        if read["Index Name"] != ("audit_auditentry_pkey")
    ]

    assert (walk["Node Type"], walk["Index Name"]) == ("Index Only Scan", "audit_username_time")
    assert "created_at <=" in walk["Index Cond"]


def test_a_search_reads_the_target_index_and_never_the_whole_log(filled_log):
    reads = reads_of_the_log(page_query(item="500007919", outcome="success", username="agent08"))

    assert "audit_target" in {read.get("Index Name") for read in reads}
    assert not any(read["Node Type"] == "Seq Scan" for read in reads)


def test_autovacuum_keeps_the_visibility_map_of_the_newest_entries():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'audit_auditentry'")
        (options,) = cursor.fetchone()

    assert "autovacuum_vacuum_insert_threshold=10000" in options
    assert "autovacuum_vacuum_insert_scale_factor=0" in options

"""Which index each list query walks: the reason the pages stay fast at a million entries.

SQLite only (without ANALYZE it has no statistics, so its plan depends on the query's shape
alone, which is what `AuditEntryQuerySet.filtered` controls); PostgreSQL's plans:
test_query_plans_postgresql.py. bench/audit.py measures both databases.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection

from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkItem, BulkJob

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner"),
]


def plan(queryset) -> str:
    """The plan of the list page's query (as the view builds it), one step after another."""
    sql, params = queryset.newest(51).for_list().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(row[-1] for row in cursor.fetchall())


def walks(index: str, steps: str) -> bool:
    """Whether the plan reads the log on `index`: a range of it (SEARCH), or all of it in its
    order (SCAN, which the page's LIMIT stops early)."""
    return re.search(rf"(SEARCH|SCAN) \w+ USING (COVERING )?INDEX {index}\b", steps) is not None


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "audit_time_id"),
        ({"username": "anna"}, "audit_username_time"),
        ({"campaign_id": "00001"}, "audit_campaign_time_id"),
        ({"action": "record.delete"}, "audit_action_time_id"),
        ({"outcome": "failure"}, "audit_outcome_time"),
        ({"since": datetime(2026, 1, 1, tzinfo=UTC)}, "audit_time_id"),
        # With several filters the leader is chosen: the outcome last (mostly "success"), a job's
        # action first (a few entries per job), a record's action after user and campaign.
        ({"username": "anna", "outcome": "success"}, "audit_username_time"),
        (
            {"campaign_id": "00001", "action": "record.update", "outcome": "success"},
            "audit_campaign_time_id",
        ),
        ({"action": "audit.prune", "outcome": "success"}, "audit_action_time_id"),
        ({"action": "record.delete", "campaign_id": "00001"}, "audit_campaign_time_id"),
        ({"action": "bulk.customers.start", "campaign_id": "00001"}, "audit_action_time_id"),
        ({"action": "bulk.customers.start", "username": "anna"}, "audit_action_time_id"),
        ({"item": "600100200", "outcome": "success", "username": "anna"}, "audit_target"),
    ],
)
def test_one_index_leads(filters, index):
    steps = plan(AuditEntry.objects.filtered(**filters))

    assert walks(index, steps), steps
    # Then only the page's rows are read, by primary key.
    assert "SEARCH audit_auditentry USING INTEGER PRIMARY KEY (rowid=?)" in steps
    assert not re.search(r"SCAN \w+( \||$)", steps)  # no read of the whole table


def test_an_older_page_is_a_range_on_the_same_index():
    older = AuditEntry.objects.filtered(outcome="failure").before(
        datetime(2026, 1, 1, tzinfo=UTC), 1000
    )

    assert re.search(
        r"USING (COVERING )?INDEX audit_outcome_time \(outcome=\? AND created_at<\?\)", plan(older)
    )


def test_a_search_that_finds_jobs_looks_up_their_entries_on_the_subject_index(supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
    BulkItem.objects.create(job=job, position=0, raw="600100200", value="600100200")

    steps = plan(AuditEntry.objects.filtered(item="600100200"))

    # `target IN (...) OR (subject_kind = ? AND subject_id IN (...))`: two index lookups.
    assert walks("audit_target", steps), steps
    assert re.search(r"INDEX audit_subject \(subject_kind=\? AND subject_id=\?\)", steps), steps
    assert not re.search(r"SCAN \w+( \||$)", steps)


def test_a_phone_search_looks_up_record_entries_on_the_phone_index():
    steps = plan(AuditEntry.objects.filtered(item="516 659 233"))

    # `target IN (...) OR (phone IN (...) AND phone <> '')`: two index lookups.
    assert walks("audit_target", steps), steps
    assert walks("audit_phone", steps), steps
    assert not re.search(r"SCAN \w+( \||$)", steps)

"""Which index each list query walks: the reason the pages stay fast at a million entries.

SQLite only (it has no statistics, so its plan depends on the query's shape alone, which is what
`AuditEntryQuerySet.filtered` controls); bench/audit.py measures both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from thuladmin.audit.models import AuditEntry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner"),
]


def plan(queryset) -> str:
    sql, params = queryset.for_list().newest_first()[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(row[-1] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "audit_time_id"),
        ({"username": "anna"}, "audit_username_time"),
        ({"campaign_id": "00001"}, "audit_campaign_time"),
        ({"action": "record.delete"}, "audit_action_time"),
        ({"outcome": "failure"}, "audit_outcome_time"),
        ({"since": datetime(2026, 1, 1, tzinfo=UTC)}, "audit_time_id"),
        # With several filters the leader is chosen: the outcome last (mostly "success"), a job's
        # action first (a few entries per job), a record's action after user and campaign.
        ({"username": "anna", "outcome": "success"}, "audit_username_time"),
        (
            {"campaign_id": "00001", "action": "record.update", "outcome": "success"},
            "audit_campaign_time",
        ),
        ({"action": "audit.prune", "outcome": "success"}, "audit_action_time"),
        ({"action": "record.delete", "campaign_id": "00001"}, "audit_campaign_time"),
        ({"action": "bulk.customers.start", "campaign_id": "00001"}, "audit_action_time"),
        ({"action": "bulk.customers.start", "username": "anna"}, "audit_action_time"),
        ({"item": "600100200", "outcome": "success", "username": "anna"}, "audit_target"),
    ],
)
def test_one_index_leads(filters, index):
    assert f"USING INDEX {index} " in plan(AuditEntry.objects.filtered(**filters))


def test_an_older_page_is_a_range_on_the_same_index():
    older = AuditEntry.objects.filtered(outcome="failure").before(
        datetime(2026, 1, 1, tzinfo=UTC), 1000
    )

    assert "USING INDEX audit_outcome_time (outcome=? AND created_at<?)" in plan(older)

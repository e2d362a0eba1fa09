"""Migration 0007: the entries that linked to a bulk job by a foreign key name it as their
subject, and name it by the old column again when migrated backwards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkJob

BEFORE = [("audit", "0006_auditentry_before")]
# 0007 and after: the tests leave the database where the models read it (the latest migration).
LATEST = [("audit", "0008_auditentry_phone")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_links_to_jobs_become_subjects_and_back(supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("audit", "AuditEntry")
        about_job = old.objects.create(action="bulk.phone_numbers.start", bulk_job=job.pk)
        plain = old.objects.create(action="record.delete")
    finally:
        _migrate(LATEST)

    assert list(
        AuditEntry.objects.order_by("pk").values_list("pk", "subject_kind", "subject_id")
    ) == [(about_job.pk, AUDIT_SUBJECT, job.pk), (plain.pk, "", None)]

    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("audit", "AuditEntry")
        assert list(old.objects.order_by("pk").values_list("pk", "bulk_job")) == [
            (about_job.pk, job.pk),
            (plain.pk, None),
        ]
    finally:
        _migrate(LATEST)

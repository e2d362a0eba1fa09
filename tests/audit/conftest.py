"""Fixtures for the audit log pages: logged-in clients and a way to write entries at any time."""

from __future__ import annotations

from datetime import datetime

import pytest

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def make_entry(supervisor):
    """Write an entry through the service, then move it to `created_at` if given."""

    def make(*, created_at: datetime | None = None, **fields) -> AuditEntry:
        fields.setdefault("actor", supervisor)
        fields.setdefault("action", "record.delete")
        fields.setdefault("outcome", AuditEntry.Outcome.SUCCESS)
        entry = audit_entry_create(**fields)
        if created_at is not None:
            AuditEntry.objects.filter(pk=entry.pk).update(created_at=created_at)
            entry.refresh_from_db()
        return entry

    return make

"""The retention command: removes old entries in batches and records that it did."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from thuladmin.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_prune_deletes_only_older_entries_and_leaves_its_own(make_entry):
    now = timezone.now()
    old = [make_entry(created_at=now - timedelta(days=days)) for days in (400, 91, 90.5)]
    kept = [make_entry(created_at=now - timedelta(days=days)) for days in (89, 1, 0)]

    call_command("prune_audit", "--older-than", "90", "--batch-size", "2", verbosity=0)

    remaining = set(AuditEntry.objects.values_list("pk", flat=True))
    assert not remaining & {entry.pk for entry in old}
    assert {entry.pk for entry in kept} <= remaining
    record = AuditEntry.objects.get(action="audit.prune")
    assert record.actor is None
    assert record.actor_username == ""
    assert record.outcome == AuditEntry.Outcome.SUCCESS
    assert record.request == {"older_than_days": 90}
    assert record.response["deleted"] == 3
    cutoff = datetime.fromisoformat(record.response["cutoff"])
    assert abs(cutoff - (now - timedelta(days=90))) < timedelta(minutes=1)


def test_prune_with_nothing_old_still_says_so(make_entry):
    make_entry()

    call_command("prune_audit", "--older-than", "30", verbosity=0)

    assert AuditEntry.objects.count() == 2
    assert AuditEntry.objects.get(action="audit.prune").response["deleted"] == 0


def test_prune_reports_what_it_removed(make_entry, capsys):
    make_entry(created_at=timezone.now() - timedelta(days=10))

    call_command("prune_audit", "--older-than", "5")

    assert "Deleted 1 audit entries" in capsys.readouterr().out


def test_an_interrupted_prune_records_what_it_had_removed(make_entry, monkeypatch):
    now = timezone.now()
    for days in (50, 40, 35):
        make_entry(created_at=now - timedelta(days=days))
    real_delete = AuditEntry.objects.none().delete.__func__
    calls = []

    def failing_second_batch(queryset):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_delete(queryset)

    monkeypatch.setattr(type(AuditEntry.objects.none()), "delete", failing_second_batch)
    with pytest.raises(RuntimeError):
        call_command("prune_audit", "--older-than", "30", "--batch-size", "2", verbosity=0)
    monkeypatch.undo()

    record = AuditEntry.objects.get(action="audit.prune")
    assert record.outcome == AuditEntry.Outcome.PARTIAL
    assert record.response["deleted"] == 2
    assert AuditEntry.objects.exclude(action="audit.prune").count() == 1


@pytest.mark.parametrize(
    "arguments",
    [["--older-than", "0"], ["--older-than", "5", "--batch-size", "0"], ["--batch-size", "5"]],
)
def test_prune_refuses_bad_arguments(arguments, make_entry):
    make_entry(created_at=timezone.now() - timedelta(days=400))

    with pytest.raises(CommandError):
        call_command("prune_audit", *arguments, verbosity=0)

    assert AuditEntry.objects.count() == 1

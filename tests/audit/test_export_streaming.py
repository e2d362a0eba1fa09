"""The export read in keyset batches and sent in pieces: every entry once, in order, across
batch boundaries, whatever the filters."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from thuladmin import spreadsheets
from thuladmin.audit import views
from thuladmin.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

EXPORT = reverse("audit:export")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(views, "EXPORT_FIRST_BATCH_SIZE", 2)
    monkeypatch.setattr(views, "EXPORT_BATCH_SIZE", 3)


def exported_ids(response) -> list[int]:
    text = b"".join(response.streaming_content).decode("utf-8")
    _header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    return [int(row[0]) for row in rows]


def newest_first(entries: list[AuditEntry]) -> list[int]:
    return [entry.pk for entry in sorted(entries, key=lambda e: (e.created_at, e.pk), reverse=True)]


def test_every_entry_once_and_in_order_across_batches(auditor_client, make_entry, small_batches):
    now = timezone.now()
    # Runs of entries sharing a time straddle the batch boundaries (after 2, 5, 8 rows).
    times = (
        [now] * 3
        + [now - timedelta(seconds=1)] * 4
        + [now - timedelta(minutes=m) for m in (1, 2, 3)]
    )
    entries = [make_entry(created_at=at) for at in times]

    assert exported_ids(auditor_client.get(EXPORT)) == newest_first(entries)


def test_batches_keep_the_filters(auditor_client, make_entry, small_batches):
    now = timezone.now()
    wanted = []
    for minutes in range(12):
        entry = make_entry(
            campaign_id=("00001", "00002")[minutes % 2],
            outcome=AuditEntry.Outcome.FAILURE,
            created_at=now - timedelta(minutes=minutes),
        )
        if minutes % 2 == 0:
            wanted.append(entry)

    response = auditor_client.get(EXPORT, {"campaign": "00001", "outcome": "failure"})

    assert exported_ids(response) == newest_first(wanted)


@pytest.mark.parametrize("count", [0, 1, 2, 5, 6])
def test_a_log_that_ends_on_a_batch_boundary(auditor_client, make_entry, small_batches, count):
    entries = [make_entry() for _ in range(count)]

    assert exported_ids(auditor_client.get(EXPORT)) == newest_first(entries)


def test_entries_written_during_the_export_are_not_in_it(auditor_client, make_entry, small_batches):
    entries = [make_entry() for _ in range(4)]
    response = auditor_client.get(EXPORT)
    lines = iter(response.streaming_content)
    first = next(lines) + next(lines)  # the header, then the first batch
    make_entry()

    text = (first + b"".join(lines)).decode("utf-8")
    _header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))

    assert [int(row[0]) for row in rows] == newest_first(entries)


def test_the_header_goes_out_before_the_entries_are_read(
    auditor_client, make_entry, django_assert_num_queries
):
    make_entry()
    response = auditor_client.get(EXPORT)
    pieces = iter(response.streaming_content)

    with django_assert_num_queries(0):
        header = next(pieces)

    assert header.decode("utf-8").startswith("\ufeffid,time (")
    assert b"".join(pieces).count(b"\n") == 1


def test_rows_go_out_in_pieces_not_one_by_one(auditor_client, make_entry, monkeypatch):
    monkeypatch.setattr(spreadsheets, "PIECE_SIZE", 1000)
    for _ in range(30):
        make_entry(api_message="x" * 100)

    pieces = list(auditor_client.get(EXPORT).streaming_content)

    # The header alone, then about 1,000 characters a piece (a row is some 200).
    assert 3 <= len(pieces) <= 8
    assert all(len(piece) >= 1000 for piece in pieces[1:-1])

"""SQLite as the embedded default runs for concurrent use: WAL, a busy timeout, IMMEDIATE."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from thuladmin.health.models import WorkerHeartbeat

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


@pytest.mark.django_db
def test_every_connection_uses_wal_a_busy_timeout_and_immediate_transactions(settings):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == int(settings.SQLITE_TIMEOUT_SECONDS * 1000)
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_another_writers_transaction_instead_of_failing():
    """Two threads' transactions (each its own connection) that both write: the second waits
    at its BEGIN IMMEDIATE for the first to commit, and both succeed."""
    first_holds_the_lock = threading.Event()
    errors: list[Exception] = []

    def first_writer() -> None:
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(worker_id="first", host="h", pid=1)
                first_holds_the_lock.set()
                time.sleep(0.5)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert first_holds_the_lock.wait(5)
    started = time.monotonic()
    with transaction.atomic():
        WorkerHeartbeat.objects.create(worker_id="second", host="h", pid=2)
    waited = time.monotonic() - started
    thread.join()

    assert not errors
    assert waited >= 0.2
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"first", "second"}

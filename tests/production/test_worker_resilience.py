"""The task worker outlives database errors, and `make run`'s supervisor restarts it if it dies.

`/healthz` shows both: how many database errors the live workers went on from, and how many
times their supervisor had to start them again.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.db import OperationalError, connection

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from tests.production.helpers import (
    PYTHON,
    ROOT,
    child_database_url,
    free_port,
    process_env,
    wait_for,
)
from thuladmin.bulk.management.commands import db_worker
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.health.models import WorkerHeartbeat

SUPERVISE = str(ROOT / "scripts" / "supervise.py")


def _resilient_worker() -> db_worker.ResilientWorker:
    return db_worker.ResilientWorker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )


def test_the_worker_loop_goes_on_after_database_errors_with_a_growing_backoff(monkeypatch):
    runs = []

    def run(self):
        runs.append(1)
        if len(runs) <= 3:
            raise OperationalError("database is locked")

    sleeps: list[float] = []
    monkeypatch.setattr(db_worker.Worker, "run", run)
    monkeypatch.setattr(db_worker.time, "sleep", sleeps.append)
    monkeypatch.setattr(db_worker.connections, "close_all", lambda: None)
    worker = _resilient_worker()

    worker.run()

    assert len(runs) == 4
    assert worker.database_errors == 3
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_worker_asked_to_stop_does_not_start_again_after_an_error(monkeypatch):
    def run(self):
        self.running = False
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db_worker.Worker, "run", run)
    with pytest.raises(OperationalError):
        _resilient_worker().run()


# --- real processes ------------------------------------------------------------------------


def _worker_env(**env: str) -> dict[str, str]:
    return process_env(
        DEBUG="false",
        SANDBOX_ENABLED="true",
        THULIUM_URL="",
        DATABASE_URL=child_database_url(),
        WORKER_HEARTBEAT_SECONDS="0.2",
        LOG_LEVEL="WARNING",
        **env,
    )


DB_WORKER = [PYTHON, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _worker_check(client) -> dict:
    return client.get("/healthz").json()["checks"]["worker"]


def _break_the_database_for_a_while(seconds: float) -> None:
    """SQLite: hold the write lock longer than the worker's busy timeout. PostgreSQL: end the
    worker's connections, as a database restart would."""
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)
            holder.execute("COMMIT")
        finally:
            holder.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_a_database_error_and_runs_the_next_job(client, supervisor, settings):
    worker = subprocess.Popen(
        [*DB_WORKER, "--interval", "0.1"],
        cwd=ROOT,
        # Its job's Thulium is a closed port: no retries, so the job ends in a second or two.
        env=_worker_env(
            SQLITE_TIMEOUT_SECONDS="0.2",
            SANDBOX_URL=f"http://127.0.0.1:{free_port()}/sandbox/api/",
            THULIUM_MAX_RETRIES="0",
            BULK_CHUNK_BACKOFF_SECONDS="0.05",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
        assert wait_for(
            lambda: (
                (_break_the_database_for_a_while(1.5), _worker_check(client))[1]["database_errors"]
                >= 1
            ),
            timeout=30,
            interval=0.5,
        ), "the worker never met the error"
        assert worker.poll() is None, "the worker died of a database error"

        # And it still works: a job (against a Thulium nobody answers) is run to its end.
        settings.THULIUM_URL = ""
        job = bulk_job_draft_create(
            user=supervisor,
            kind_name=PHONE_NUMBERS.name,
            parsed=PHONE_NUMBERS.parse("600100200", options={}),
            campaign_id="00001",
        )
        bulk_job_start(job=job, user=supervisor)
        assert wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_over, timeout=60)
        check = _worker_check(client)
        assert check["status"] == "ok"
        assert check["live_workers"] == 1
    finally:
        _stop(worker)
    output = worker.stdout.read().decode()
    assert "database error; going on" in output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_supervisor_starts_a_killed_worker_again_and_healthz_says_so(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 1.0
    supervisor = subprocess.Popen(
        [PYTHON, SUPERVISE, "--delay", "0.2", "--", *DB_WORKER],
        cwd=ROOT,
        env=_worker_env(),
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
        first = WorkerHeartbeat.objects.get()
        assert first.restarts == 0
        subprocess.run(["kill", "-KILL", str(first.pid)], check=True)

        assert wait_for(
            lambda: WorkerHeartbeat.objects.exclude(pk=first.pk).exists(), timeout=30
        ), "the killed worker was not started again"
        second = WorkerHeartbeat.objects.exclude(pk=first.pk).get()
        assert second.pid != first.pid
        assert second.restarts == 1
        # Once the killed worker's last heartbeat is stale, one live worker, restarted once.
        assert wait_for(lambda: _worker_check(client)["live_workers"] == 1, timeout=10)
        check = _worker_check(client)
        assert (check["status"], check["stale_workers"], check["restarts"]) == ("ok", 1, 1)
    finally:
        _stop(supervisor)
    assert supervisor.returncode == 0
    assert "died (signal 9)" in supervisor.stderr.read().decode()
    # Stopped through its supervisor, the worker stopped cleanly: its heartbeat is gone.
    assert wait_for(lambda: not WorkerHeartbeat.objects.exclude(pk=first.pk).exists(), 10)


# --- the supervisor alone ------------------------------------------------------------------

FLAKY = """
import os, signal, sys
restarts = int(os.environ["WORKER_RESTARTS"])
with open(sys.argv[1], "a") as log:
    log.write(f"{restarts}\\n")
if restarts == 0:
    os.kill(os.getpid(), signal.SIGKILL)
sys.exit(3 if restarts == 1 else 0)
"""


def test_the_supervisor_restarts_a_dying_command_until_it_stops_on_purpose(tmp_path):
    log = tmp_path / "starts.log"

    result = subprocess.run(
        [PYTHON, SUPERVISE, "--delay", "0.05", "--", PYTHON, "-c", FLAKY, str(log)],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0
    assert log.read_text().split() == ["0", "1", "2"]
    assert "died (signal 9)" in result.stderr
    assert "died (status 3)" in result.stderr
    assert "stopped on purpose" in result.stderr


def test_stopping_the_supervisor_stops_the_command(tmp_path):
    marker = tmp_path / "stopped"
    command = (
        "import signal, sys, time, pathlib\n"
        f"def stop(*_): pathlib.Path({str(marker)!r}).write_text('yes'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    supervisor = subprocess.Popen(
        [sys.executable, SUPERVISE, "--", PYTHON, "-c", command], stdout=subprocess.PIPE
    )
    assert supervisor.stdout.readline().strip() == b"ready"

    supervisor.send_signal(signal.SIGTERM)

    assert supervisor.wait(timeout=10) == 0
    assert marker.read_text() == "yes"

"""Cross-checks shared by the fault and crash tests.

After any fault, a finished job must satisfy, all at once:

- every item has exactly one final outcome (none pending; no item missing or added);
- the chunks' tallies (what the job page and the audit show) equal the items' own outcomes;
- the job's one `finish` audit entry names the same counts, and SUCCESS only when nothing failed;
- nothing is marked removed (or deleted) that Thulium did not remove, and nothing that existed
  is marked "did not exist" (it may be uncertain: the fault may have hidden its removal);
- every item that did not simply succeed says why, in words.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from django.db import connection

from campaigns.bulk.remove_numbers import PhoneNumberOutcome
from customers.bulk import CustomerOutcome
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.completion import bulk_job_progress
from thuladmin.bulk.kinds import kind_for
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkJob, Outcome

ROOT = Path(__file__).resolve().parents[2]
SUCCESSFUL = {PhoneNumberOutcome.REMOVED, CustomerOutcome.DELETED}
ABSENT = {PhoneNumberOutcome.NOT_EXIST, CustomerOutcome.NOT_FOUND}
NEEDS_A_REASON = {
    Outcome.ERROR,
    Outcome.UNCERTAIN,
    PhoneNumberOutcome.CALL_IN_PROGRESS,
    Outcome.INVALID,
}


def assert_every_item_accounted_for(
    job: BulkJob,
    *,
    removed: set[str] | None = None,
    existed: set[str] | None = None,
) -> Counter:
    """Check a finished job against itself, its audit entry and (optionally) Thulium's truth.

    `removed`: the values Thulium really removed (the fake's or the sandbox's record).
    `existed`: the values that existed in Thulium before the job.
    Returns the outcome counts.
    """
    job.refresh_from_db()
    assert job.is_over, f"job {job.pk} is {job.state}"
    # Each item's reason as the page shows it: our words (from the code) or Thulium's.
    items = [
        (item.value, item.raw, item.outcome, item.detail_text or item.thulium_message)
        for item in job.items.only(
            "value", "raw", "outcome", "detail", "detail_code", "detail_params", "thulium_message"
        )
    ]
    assert len(items) == job.item_count + job.invalid_count
    sent = [value for value, _raw, outcome, _detail in items if outcome != Outcome.INVALID]
    assert len(sent) == len(set(sent)) == job.item_count, "each value is one item, once"
    counts = Counter(outcome for _value, _raw, outcome, _detail in items)
    assert Outcome.PENDING not in counts, "an item was left without an outcome"
    assert not BulkChunk.objects.filter(
        job=job, state__in=[BulkChunk.State.PENDING, BulkChunk.State.SENDING]
    ).exists()

    # The tallies the page and the audit read are the items' own counts: nothing counted twice.
    assert bulk_job_progress(job).counts == dict(counts)
    finishes = AuditEntry.objects.filter(
        action=f"bulk.{job.kind}.finish", subject_kind=AUDIT_SUBJECT, subject_id=job.pk
    )
    assert finishes.count() == 1, "exactly one closing audit entry"
    finish = finishes.get()
    assert finish.response["outcomes"] == dict(counts)
    assert finish.response["state"] == job.state
    # The job's outcome in words: nothing changed, failure, partly done or success.
    kind = kind_for(job.kind)
    succeeded = sum(n for outcome, n in counts.items() if kind.outcome_tone(outcome) == "success")
    not_done = (Outcome.ERROR, Outcome.UNCERTAIN, Outcome.CANCELLED, *kind.retryable_outcomes)
    if not succeeded:
        expected_outcome = (
            AuditEntry.Outcome.PARTIAL
            if counts[Outcome.UNCERTAIN]
            else AuditEntry.Outcome.FAILURE
            if counts[Outcome.ERROR]
            else AuditEntry.Outcome.NOTHING_CHANGED
        )
    elif job.state != BulkJob.State.FINISHED or any(counts[outcome] for outcome in not_done):
        expected_outcome = AuditEntry.Outcome.PARTIAL
    else:
        expected_outcome = AuditEntry.Outcome.SUCCESS
    assert finish.outcome == expected_outcome

    for value, raw, outcome, detail in items:
        if outcome in NEEDS_A_REASON:
            assert detail.strip(), f"{raw} ended {outcome} with no reason given"
        if removed is not None and outcome in SUCCESSFUL:
            assert value in removed, f"{value} marked {outcome} but Thulium did not remove it"
        if existed is not None and outcome in ABSENT:
            assert value not in existed, f"{value} existed but was marked {outcome}"
    return counts


def test_database_url() -> str:
    """The URL of the test database, for worker processes to share it."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database["USER"] or "postgres"
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def start_worker(
    database_url: str, sandbox_url: str, log: Path, **extra_env: str
) -> subprocess.Popen:
    """A real `db_worker` process with fast heartbeats, so a dead one is noticed in ~1.5 s.

    Its output goes to `log` (appended), which a failing test can show."""
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "tests-only-secret-key",
        "SANDBOX_ENABLED": "true",
        "THULIUM_URL": "",
        "THULIUM_USER": "sandbox",
        "THULIUM_PASSWORD": "sandbox",
        "SANDBOX_URL": sandbox_url,
        "DATABASE_URL": database_url,
        "BULK_REQUESTS_PER_SECOND": "0",
        "BULK_PARALLEL_REQUESTS": "3",
        "BULK_HEARTBEAT_SECONDS": "0.2",
        "BULK_RUNNER_STALE_SECONDS": "1.5",
        "BULK_SWEEP_SECONDS": "0.3",
        "BULK_CHUNK_BACKOFF_SECONDS": "0.05",
        "THULIUM_BACKOFF_SECONDS": "0.02",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

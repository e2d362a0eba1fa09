"""Benchmark of the audit log pages at a million entries, measured server side.

Seeds 1,000,000 audit entries spread over a year (20 users, 10 campaigns, the actions and
outcomes services write, phone numbers and record identifiers as targets) and 200 bulk jobs of
500 items each, linked from their start/finish/cancel entries; then requests, through the Django
test client as a logged-in auditor, the list page, each filter alone, a combination, an older
page, the phone search (an item inside a bulk job, a direct target, a number typed with spaces),
the htmx partial, the detail page and the first 2,000 rows of the CSV export. Each is run
--runs times; it prints the median and p95 in ms and the SQL queries per request.

    .venv/bin/python bench/audit.py                      # SQLite in var/bench-audit.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/audit.py

Seeding happens once (a re-run with the same database only measures); --reseed starts over.
The last line reads `p95_ms <x>`: the worst p95 of all the measurements.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENTRIES = 1_000_000
USERS = 20
CAMPAIGNS = 10
JOBS = 200
ITEMS_PER_JOB = 500
# Phone numbers are drawn from a pool this large, so a number has a few entries over the year.
NUMBER_POOL = 300_000
SPAN_SECONDS = 365 * 24 * 3600
EXPORT_ROWS = 2000
# Fixed, so that every run (and every database) seeds the same year.
SEED_END = datetime(2026, 11, 1, tzinfo=UTC)


def _environment(database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "thuladmin.settings",
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
        "SANDBOX_ENABLED": "true",
        "THULIUM_URL": "",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "testserver",
    }


# --- Seeding ------------------------------------------------------------------------------------

# Entry n (1..ENTRIES) is made from a few pseudo-random numbers derived from n, identically in
# SQLite and PostgreSQL: r1..r4 are in [0, 1_000_000).
# Bulk entries are not among them: those are written with the jobs, linked to them.
ACTION_CASE = """
    CASE
        WHEN r1 % 100 < 55 THEN 'record.update'
        WHEN r1 % 1000 < 999 THEN 'record.delete'
        ELSE 'audit.prune'
    END
"""
OUTCOME_CASE = """
    CASE
        WHEN r2 % 100 < 85 THEN 'success'
        WHEN r2 % 100 < 93 THEN 'failure'
        WHEN r2 % 100 < 97 THEN 'refused'
        ELSE 'partial'
    END
"""


def _entries_sql(vendor: str) -> str:
    """One INSERT ... SELECT writing all the entries (not linked to jobs; those come after)."""
    if vendor == "sqlite":
        numbers = f"""
            WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ENTRIES}),
            base AS (
                SELECT n,
                    abs(random()) % 1000000 AS r1, abs(random()) % 1000000 AS r2,
                    abs(random()) % 1000000 AS r3, abs(random()) % 1000000 AS r4
                FROM seq
            )"""
        stamp = (
            f"strftime('%Y-%m-%d %H:%M:%S', {int(SEED_END.timestamp()) - SPAN_SECONDS}"
            f" + n * {SPAN_SECONDS} / {ENTRIES}, 'unixepoch') || '.' || printf('%06d', r4)"
        )
        text = f"printf('%09d', 500000000 + r3 % {NUMBER_POOL})"
        user = f"printf('agent%02d', 1 + r4 % {USERS})"
        campaign = f"printf('%05d', 1 + r3 % {CAMPAIGNS})"
        status_json = """'{"status_id": "' || (1 + r4 % 9) || '"}'"""
        error_json = """'{"error": "Rejected"}'"""
    else:
        numbers = f"""
            WITH base AS (
                SELECT n,
                    floor(random() * 1e6)::bigint AS r1, floor(random() * 1e6)::bigint AS r2,
                    floor(random() * 1e6)::bigint AS r3, floor(random() * 1e6)::bigint AS r4
                FROM generate_series(1, {ENTRIES}) AS n
            )"""
        stamp = (
            f"timestamptz '{(SEED_END - timedelta(seconds=SPAN_SECONDS)).isoformat()}'"
            f" + make_interval(secs => n * {SPAN_SECONDS}.0 / {ENTRIES} + r4 / 1000000.0)"
        )
        text = f"lpad((500000000 + r3 % {NUMBER_POOL})::text, 9, '0')"
        user = f"'agent' || lpad((1 + r4 % {USERS})::text, 2, '0')"
        campaign = f"lpad((1 + r3 % {CAMPAIGNS})::text, 5, '0')"
        status_json = """('{"status_id": "' || (1 + r4 % 9) || '"}')::jsonb"""
        error_json = """'{"error": "Rejected"}'::jsonb"""
    empty_json = "'{}'" if vendor == "sqlite" else "'{}'::jsonb"
    return f"""
        INSERT INTO audit_auditentry (
            created_at, actor_id, actor_username, action, campaign_id, target, request,
            outcome, http_status, api_message, response, duration_ms, bulk_job_id
        )
        {numbers}
        SELECT
            {stamp},
            (SELECT id FROM auth_user WHERE username = {user}),
            {user},
            action,
            CASE WHEN action LIKE 'bulk.customers.%' THEN '' ELSE {campaign} END,
            CASE
                WHEN action = 'record.update' THEN 'R' || {text}
                WHEN action = 'record.delete' THEN {text}
                ELSE 'job ' || (1 + r3 % {JOBS})
            END,
            CASE WHEN action = 'record.update' THEN {status_json} ELSE {empty_json} END,
            outcome,
            CASE outcome WHEN 'success' THEN 200 WHEN 'failure' THEN 400 ELSE NULL END,
            CASE outcome
                WHEN 'failure' THEN 'Wrong format of phone number.'
                WHEN 'refused' THEN 'A campaign id is five letters or digits'
                ELSE ''
            END,
            CASE outcome WHEN 'failure' THEN {error_json} ELSE {empty_json} END,
            CASE WHEN outcome = 'refused' THEN NULL ELSE 40 + r2 % 900 END,
            NULL
        FROM (SELECT base.*, {ACTION_CASE} AS action, {OUTCOME_CASE} AS outcome FROM base) AS e
    """


def _seed() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk.models import BulkItem, BulkJob

    started = time.perf_counter()
    User = get_user_model()
    with transaction.atomic():
        users = [
            User.objects.get_or_create(username=f"agent{index:02d}")[0]
            for index in range(1, USERS + 1)
        ]
        with connection.cursor() as cursor:
            cursor.execute(_entries_sql(connection.vendor))
    print(f"  entries: {time.perf_counter() - started:.1f} s", flush=True)

    # Bulk jobs and their items; each job is started, most finish, some are cancelled, and
    # those entries (at the job's time) link to it.
    with transaction.atomic():
        jobs = BulkJob.objects.bulk_create(
            BulkJob(
                kind="phone_numbers" if index % 5 else "customers",
                campaign_id=f"{1 + index % CAMPAIGNS:05d}" if index % 5 else "",
                state=BulkJob.State.CANCELLED if index % 17 == 0 else BulkJob.State.FINISHED,
                created_by=users[index % USERS],
                item_count=ITEMS_PER_JOB,
            )
            for index in range(JOBS)
        )
        for job_index, job in enumerate(jobs):
            values = [
                f"{500_000_000 + (job_index * 7919 + position * 104_729) % NUMBER_POOL:09d}"
                if job.kind == "phone_numbers"
                else str(10_000 + job_index * ITEMS_PER_JOB + position)
                for position in range(ITEMS_PER_JOB)
            ]
            BulkItem.objects.bulk_create(
                (
                    BulkItem(job=job, position=position, raw=value, value=value, outcome="REMOVED")
                    for position, value in enumerate(values)
                ),
                batch_size=ITEMS_PER_JOB,
            )
        for job_index, job in enumerate(jobs):
            started_at = SEED_END - timedelta(seconds=SPAN_SECONDS * (JOBS - job_index) / JOBS)
            finishing = "cancel" if job.state == BulkJob.State.CANCELLED else "finish"
            for step, at in (("start", started_at), (finishing, started_at + timedelta(minutes=3))):
                entry = AuditEntry.objects.create(
                    actor=job.created_by,
                    actor_username=job.created_by.username,
                    action=f"bulk.{job.kind}.{step}",
                    campaign_id=job.campaign_id,
                    target=f"job {job.pk}",
                    request={"job": job.pk, "items": ITEMS_PER_JOB},
                    outcome="success",
                    bulk_job=job,
                )
                # auto_now_add wrote the present; the job belongs earlier in the year.
                AuditEntry.objects.filter(pk=entry.pk).update(created_at=at)
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a load this size: statistics and the visibility map.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_auditentry")
            cursor.execute("VACUUM ANALYZE bulk_bulkitem")
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)


# --- Measuring ----------------------------------------------------------------------------------


def _scenarios() -> list[tuple[str, str, dict]]:
    """(name, url, extra request headers), with values picked from the seeded data."""
    from thuladmin.audit.forms import Cursor
    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk.models import BulkItem, BulkJob

    job = BulkJob.objects.filter(kind="phone_numbers").order_by("pk")[JOBS // 2]
    item = BulkItem.objects.filter(job=job, position=ITEMS_PER_JOB // 2).get()
    # The seeded entries have consecutive ids (a re-seed continues after the old ones).
    first_id = AuditEntry.objects.order_by("pk").values_list("pk", flat=True).first()
    middle = AuditEntry.objects.get(pk=first_id + ENTRIES // 2)
    direct = (
        AuditEntry.objects.filter(action="record.delete", pk__gte=middle.pk)
        .order_by("pk")
        .values_list("target", flat=True)
        .first()
    )
    bulk_entry = AuditEntry.objects.filter(bulk_job=job).order_by("pk").first()
    spaced = f"{direct[:3]} {direct[3:6]} {direct[6:]}"
    week_from = (SEED_END - timedelta(days=200)).date()

    def page(**query: str) -> str:
        return "/audit/?" + urlencode(query) if query else "/audit/"

    return [
        ("list, first page", page(), {}),
        ("list, htmx partial", page(), {"HTTP_HX_REQUEST": "true"}),
        ("list, older page (keyset)", page(before=str(Cursor.after_entry(middle))), {}),
        ("filter user", page(user="agent07"), {}),
        ("filter action (common)", page(action="record.delete"), {}),
        ("filter action (rare)", page(action="bulk.customers.finish"), {}),
        ("filter campaign", page(campaign="00003"), {}),
        ("filter outcome", page(outcome="partial"), {}),
        (
            "filter dates (one week)",
            page(date_from=str(week_from), date_to=str(week_from + timedelta(days=6))),
            {},
        ),
        (
            "filters combined",
            page(user="agent07", campaign="00003", outcome="partial", action="record.delete"),
            {},
        ),
        ("search: item in bulk job", page(q=item.value), {}),
        ("search: direct target", page(q=direct), {}),
        ("search: typed with spaces", page(q=spaced), {}),
        ("search: no match", page(q="499999999"), {}),
        ("search + campaign", page(q=direct, campaign="00003"), {}),
        ("search + outcome success", page(q=direct, outcome="success"), {}),
        ("campaign + outcome success", page(campaign="00003", outcome="success"), {}),
        (
            "user + campaign + outcome success",
            page(user="agent07", campaign="00004", outcome="success"),
            {},
        ),
        (
            "rare action + campaign (no match)",
            page(action="bulk.customers.finish", campaign="00003"),
            {},
        ),
        (
            "dates (one week) + outcome failure",
            page(
                outcome="failure",
                date_from=str(week_from),
                date_to=str(week_from + timedelta(days=6)),
            ),
            {},
        ),
        ("detail", f"/audit/{middle.pk}/", {}),
        ("detail, bulk entry", f"/audit/{bulk_entry.pk}/", {}),
        ("export, first 2000 rows", "/audit/export.csv?" + urlencode({"outcome": "failure"}), {}),
        ("export unfiltered, first 2000", "/audit/export.csv", {}),
    ]


def _request(client, url: str, headers: dict) -> int:
    response = client.get(url, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    if response.streaming:
        lines = 0
        for _line in response.streaming_content:
            lines += 1
            if lines > EXPORT_ROWS:
                break
        response.close()
        return lines
    return len(response.content)


def _measure(runs: int) -> list[tuple[str, float, float, int]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from thuladmin.accounts.roles import Role

    auditor, _ = get_user_model().objects.get_or_create(username="bench-auditor")
    auditor.groups.add(Group.objects.get_or_create(name=Role.AUDITORS.value)[0])
    client = Client()
    client.force_login(auditor)
    results = []
    for name, url, headers in _scenarios():
        _request(client, url, headers)  # warm the caches
        timings = []
        queries = 0
        for run in range(runs):
            if run == 0:
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    _request(client, url, headers)
                    timings.append((time.perf_counter() - started) * 1000)
                queries = len(captured.captured_queries)
            else:
                started = time.perf_counter()
                _request(client, url, headers)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        results.append((name, statistics.median(timings), p95, queries))
        print(f"  {name:<34} {statistics.median(timings):>8.1f} {p95:>8.1f} {queries:>8}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true", help="Delete the entries and seed again.")
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-audit.sqlite3'}"
    )
    os.environ.update(_environment(database_url))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.db import connection

    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk.models import BulkJob

    if args.reseed:
        AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
        BulkJob.objects.all().delete()
    if AuditEntry.objects.count() >= ENTRIES:
        print(f"database {connection.vendor}: already seeded, measuring only")
    else:
        print(f"database {connection.vendor}: seeding {ENTRIES:,} entries …", flush=True)
        _seed()

    print(f"{'':2}{'request':<34} {'median':>8} {'p95':>8} {'queries':>8}  (ms, {args.runs} runs)")
    results = _measure(args.runs)
    print(f"p95_ms {max(p95 for _, _, p95, _ in results):.1f}")


if __name__ == "__main__":
    main()

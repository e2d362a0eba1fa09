"""Benchmark of the audit log pages at a million entries, measured server side.

Seeds 1,000,000 audit entries spread over a year (20 users, 10 campaigns, the actions and
outcomes services write, phone numbers and record identifiers as targets) and 200 bulk jobs of
500 items each, linked from their start/finish/cancel entries; then requests, through the Django
test client as a logged-in auditor, the list page, each filter alone, combinations, an older
page, the phone search (an item inside a bulk job, a direct target, a number typed with spaces),
the htmx partial and the detail page, each --runs times, and prints the median and p95 in ms and
the SQL queries per request. Then the CSV export: the time to its first byte, to its first row
and to its first 2,000 rows.

    .venv/bin/python bench/audit.py                      # SQLite in var/bench-audit.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/audit.py
    .venv/bin/python bench/audit.py --explain            # also the index each query walks
    .venv/bin/python bench/audit.py --only combined --runs 50
    .venv/bin/python bench/audit.py --export-all         # also the whole million: time, memory

Seeding happens once (a re-run with the same database only measures); --reseed starts over.
Statistics are refreshed before measuring (`ANALYZE`; `VACUUM ANALYZE` on PostgreSQL, as
autovacuum would soon after a load this size): a second or two, and it covers indexes added by
a migration since the seeding.

The export's line reads `export_p95_ms <x>`: the worst p95 of the exports' first 2,000 rows. The
last line reads `p95_ms <x>`: the worst p95 of all the pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox_server import require  # noqa: E402  (bench/, next to this script)

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
        # With DEBUG off the sandbox wants credentials of its own; nothing here logs in to it.
        "THULIUM_USER": "sandbox",
        "THULIUM_PASSWORD": "bench-only-sandbox-password",
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
            outcome, http_status, api_message, response, duration_ms, subject_kind, subject_id
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
            '',
            NULL
        FROM (SELECT base.*, {ACTION_CASE} AS action, {OUTCOME_CASE} AS outcome FROM base) AS e
    """


def _seed() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk.models import AUDIT_SUBJECT, BulkItem, BulkJob

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
                    subject_kind=AUDIT_SUBJECT,
                    subject_id=job.pk,
                )
                # auto_now_add wrote the present; the job belongs earlier in the year.
                AuditEntry.objects.filter(pk=entry.pk).update(created_at=at)
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)


def _analyze() -> None:
    """Statistics for the planners, as a database in use would have them: on PostgreSQL as
    autovacuum keeps them (with the visibility map that index-only scans rely on), on SQLite as
    `ANALYZE` (or `PRAGMA optimize`) leaves them."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("audit_auditentry", "bulk_bulkitem", "bulk_bulkjob", "auth_user"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    print(f"  statistics refreshed in {time.perf_counter() - started:.1f} s", flush=True)


# --- Measuring ----------------------------------------------------------------------------------


def _scenarios() -> list[tuple[str, str, dict]]:
    """(name, url, extra request headers), with values picked from the seeded data."""
    from thuladmin.audit.forms import Cursor
    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk.models import AUDIT_SUBJECT, BulkItem, BulkJob

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
    bulk_entry = (
        AuditEntry.objects.filter(subject_kind=AUDIT_SUBJECT, subject_id=job.pk)
        .order_by("pk")
        .first()
    )
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
        ("common action + outcome failure", page(action="record.update", outcome="failure"), {}),
        (
            "campaign + action + outcome refused",
            page(campaign="00003", action="record.update", outcome="refused"),
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
    ]


def _exports() -> list[tuple[str, str]]:
    return [
        ("export unfiltered", "/audit/export.csv"),
        ("export outcome failure", "/audit/export.csv?" + urlencode({"outcome": "failure"})),
        (
            "export user + campaign",
            "/audit/export.csv?" + urlencode({"user": "agent07", "campaign": "00003"}),
        ),
    ]


def _request(client, url: str, headers: dict) -> int:
    response = client.get(url, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(response.content)


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def _plan_nodes(nodes: list[dict]) -> Iterator[dict]:
    """Every node of a PostgreSQL JSON plan under `nodes`, these included."""
    for node in nodes:
        yield node
        yield from _plan_nodes(node.get("Plans", []))


def _plan_indexes(sql: str) -> str:
    """The indexes (or full scans) the plan of `sql` reads the audit entries with."""
    from django.db import connection

    found: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes = [plan[0]["Plan"]]
            while nodes:
                node = nodes.pop(0)
                children = node.get("Plans", [])
                nodes.extend(children)
                if node.get("Relation Name") != "audit_auditentry":
                    continue
                if "Index Name" in node:
                    found.append(f"{node['Index Name']} ({node['Node Type']})")
                elif node["Node Type"] == "Bitmap Heap Scan":
                    # Its bitmap index scans name no table: they are its children.
                    indexes = [
                        bitmap["Index Name"]
                        for bitmap in _plan_nodes(children)
                        if bitmap["Node Type"] == "Bitmap Index Scan"
                    ]
                    found.append(f"{' + '.join(indexes)} (Bitmap Heap Scan)")
                else:
                    found.append(node["Node Type"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            for *_ids, detail in cursor.fetchall():
                if "audit_auditentry" not in detail and " U0 " not in f"{detail} ":
                    continue
                match = re.search(r"USING (?:COVERING )?INDEX (\w+)|USING INTEGER PRIMARY", detail)
                if match:
                    found.append(match.group(1) or "primary key")
                elif detail.startswith("SCAN"):
                    found.append("FULL SCAN")
    return ", ".join(found) or "(none)"


def _measure_pages(runs: int, only: str, explain: bool) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _auditor_client()
    results = []
    for name, url, headers in _scenarios():
        if only and only not in name:
            continue
        _request(client, url, headers)  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            _request(client, url, headers)
        # Copied now: the next request clears the connection's log that this reads.
        statements = [query["sql"] for query in captured.captured_queries]
        queries = len(statements)
        timings = []
        for _run in range(runs):
            started = time.perf_counter()
            _request(client, url, headers)
            timings.append((time.perf_counter() - started) * 1000)
        p95 = _p95(timings)
        results.append((name, statistics.median(timings), p95, queries))
        print(f"  {name:<34} {statistics.median(timings):>8.1f} {p95:>8.1f} {queries:>8}")
        if explain:
            for sql in statements:
                if "audit_auditentry" in sql:
                    print(f"  {'':<6}index: {_plan_indexes(sql)}")
    return results


def _export_timings(client, url: str, rows: int) -> tuple[float, float, float, int]:
    """Milliseconds to the first byte, to the first row and to `rows` rows; the rows read."""
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise SystemExit(f"{url} answered {response.status_code}")
    first_byte = first_row = 0.0
    lines = 0
    for piece in response.streaming_content:
        if not first_byte:
            first_byte = time.perf_counter()
        lines += piece.count(b"\n")
        if lines > 1 and not first_row:
            first_row = time.perf_counter()
        if lines > rows:
            break
    done = time.perf_counter()
    response.close()
    return (
        (first_byte - started) * 1000,
        (first_row - started) * 1000,
        (done - started) * 1000,
        lines - 1,
    )


def _measure_exports(runs: int, only: str, explain: bool) -> list[float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _auditor_client()
    print(
        f"{'':2}{'export':<34} {'1st byte':>8} {'1st row':>8} {f'{EXPORT_ROWS} rows':>10}"
        f"  (ms: p95; median of {EXPORT_ROWS} rows in brackets)"
    )
    worst = []
    for name, url in _exports():
        if only and only not in name:
            continue
        with CaptureQueriesContext(connection) as captured:
            _export_timings(client, url, EXPORT_ROWS)  # warm the caches
        statements = [query["sql"] for query in captured.captured_queries]
        timings = [_export_timings(client, url, EXPORT_ROWS) for _run in range(runs)]
        first_byte, first_row, all_rows = (_p95([t[at] for t in timings]) for at in range(3))
        median = statistics.median(t[2] for t in timings)
        print(
            f"  {name:<34} {first_byte:>8.1f} {first_row:>8.1f} {all_rows:>10.1f}  ({median:.1f})"
        )
        worst.append(all_rows)
        if explain:
            for sql in statements:
                if "audit_auditentry" in sql:
                    print(f"  {'':<6}index: {_plan_indexes(sql)}")
    return worst


def _measure_whole_export() -> None:
    """The unfiltered export to its end: how long, and whether memory stays flat (the
    process's peak RSS after 10,000 rows and after all of them)."""
    client = _auditor_client()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/audit/export.csv")
    lines = 0
    rss_at_10k = 0
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
        if not rss_at_10k and lines > 10_000:
            rss_at_10k = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response.close()
    seconds = time.perf_counter() - started
    rss_at_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  whole export: {lines - 1:,} rows in {seconds:.1f} s; peak RSS {rss_before / 1024:.0f}"
        f" MB before, {rss_at_10k / 1024:.0f} MB after 10,000 rows, {rss_at_end / 1024:.0f} MB"
        " at the end"
    )


def _require_listed(pages: list, exports: list) -> None:
    """Stop unless requests were measured and the list's first page shows the newest entry
    (every page answered 200: `_request` stops otherwise)."""
    from django.urls import reverse

    from thuladmin.audit.models import AuditEntry

    require(pages or exports, "no request was measured (does --only match a name?)")
    newest = AuditEntry.objects.order_by("-created_at", "-pk").first()
    require(newest, "the audit log holds no entry")
    page = _auditor_client().get("/audit/")
    require(
        reverse("audit:detail", args=[newest.pk]).encode() in page.content,
        f"the list's first page does not list the newest entry ({newest.pk})",
    )


def _auditor_client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from thuladmin.accounts.roles import Role

    auditor, _ = get_user_model().objects.get_or_create(username="bench-auditor")
    auditor.groups.add(Group.objects.get_or_create(name=Role.AUDITORS.value)[0])
    client = Client()
    client.force_login(auditor)
    return client


def main() -> None:
    global ENTRIES, JOBS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--entries", type=int, default=ENTRIES, help="entries seeded (on an empty database)"
    )
    parser.add_argument("--jobs", type=int, default=JOBS, help="bulk jobs seeded with them")
    parser.add_argument("--reseed", action="store_true", help="Delete the entries and seed again.")
    parser.add_argument("--explain", action="store_true", help="Print the index of each query.")
    parser.add_argument("--only", default="", help="Measure the requests whose name has this.")
    parser.add_argument(
        "--export-all", action="store_true", help="Also export the whole log: time and memory."
    )
    args = parser.parse_args()
    ENTRIES, JOBS = args.entries, args.jobs  # read by the seeding and the scenarios

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
    _analyze()

    # Two cores shared with other work: figures are worth what the load beside them was.
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'':2}{'request':<34} {'median':>8} {'p95':>8} {'queries':>8}  (ms, {args.runs} runs)")
    pages = _measure_pages(args.runs, args.only, args.explain)
    exports = _measure_exports(args.runs, args.only, args.explain)
    if args.export_all:
        _measure_whole_export()
    _require_listed(pages, exports)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if exports:
        print(f"export_p95_ms {max(exports):.1f}")
    if pages:
        print(f"p95_ms {max(p95 for _, _, p95, _ in pages):.1f}")


if __name__ == "__main__":
    main()
